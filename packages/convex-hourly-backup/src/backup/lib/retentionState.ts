// Retention's own record (the retentionState row): each prune step adds what
// it removed to its pass and says whether it made progress. status and the
// stall alert (retentionHealth.ts) read it. One row, one read and one write
// per step.
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";
import type { PruneTotals } from "../../shared/protocol";

export type RetentionState = Omit<Doc<"retentionState">, "_id" | "_creationTime">;

const NOTHING: PruneTotals = { markedRuns: 0, deletedRuns: 0, deletedVersions: 0, deletedContents: 0, deletedBatches: 0, deletedFiles: 0 };

export function readRetentionState(db: DatabaseReader): Promise<Doc<"retentionState"> | null> {
  return db.query("retentionState").first();
}

/**
 * Records one step. `firstOfPass`: the cron's (or a hand-run) prune, which
 * starts a new pass; the steps it schedules continue it. Progress: the step
 * removed something, or finished the pass (nothing left to prune).
 */
export async function recordStep(
  db: DatabaseWriter,
  now: number,
  step: PruneTotals & { done: boolean },
  firstOfPass: boolean,
): Promise<void> {
  const stored = await readRetentionState(db);
  const previous = stored === null || firstOfPass ? null : stored.pass;
  const removed = { ...NOTHING };
  for (const key of Object.keys(NOTHING) as (keyof PruneTotals)[]) removed[key] = (previous?.removed[key] ?? 0) + step[key];
  const progressed = step.done || Object.keys(NOTHING).some((key) => step[key as keyof PruneTotals] > 0);
  const state: RetentionState = {
    pass: {
      startedAt: previous?.startedAt ?? now,
      lastStepAt: now,
      finishedAt: step.done ? now : null,
      steps: (previous?.steps ?? 0) + 1,
      removed,
    },
    lastProgressAt: progressed ? now : (stored?.lastProgressAt ?? null),
    incident: stored?.incident ?? null,
  };
  if (stored === null) await db.insert("retentionState", state);
  else await db.replace("retentionState", stored._id, state);
}
