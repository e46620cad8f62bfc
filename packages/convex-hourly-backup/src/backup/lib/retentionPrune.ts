// One bounded step of pruning: plan one page of run records (retentionPage.ts),
// mark the completed runs the plan drops as "pruning" (from then on they are
// no restore point), then delete the versions (with their contents) of each
// gap no kept run needs, then the gap's dropped run records. Every step stays
// far inside one mutation's limits however much there is to prune
// (retentionBudget.ts); retention.ts schedules the next, which resumes in the
// same page or moves on to the next.
import type { Doc } from "../_generated/dataModel";
import type { DatabaseWriter } from "../_generated/server";
import type { KeepReason, RetentionPolicy } from "../retentionPolicy";
import { Budget, MAX_ROWS_PER_STEP } from "./retentionBudget";
import type { PruneGap } from "./retentionGaps";
import { planPage, type PageCursor } from "./retentionPage";

const CONTENT_ROWS_PER_READ = 4;
const MAX_ROWS_PER_READ = 200;

/** Where the next step starts: its page, and (a hint, used only while its gap is unchanged) where deletion stopped. */
export type PruneResume = PageCursor & { after?: number; toSeq?: number };

export type PruneStep = {
  /** Completed runs this step marked "pruning": no longer restore points. */
  markedRuns: number;
  deletedVersions: number;
  deletedContents: number;
  deletedRuns: number;
  /** applyRange's idempotency records of deleted runs. */
  deletedBatches: number;
  /** SHA-256s of the "_storage" versions deleted: their files go if no version names them now (lib/files.ts). */
  releasedFiles: string[];
  /** Why the page's runs are kept. */
  kept: Record<KeepReason, number>;
  /** The oldest run of the page the policy no longer keeps (dropped, or being pruned), or null. */
  oldestDropped: { seq: number; startedAt: number } | null;
  /** The seqs of the page's first and last run records (null: no run from the cursor on). */
  page: { from: number; to: number } | null;
  /** What the step read: bytes (getConvexSize of every document, plan included) and documents. */
  read: { bytes: number; docs: number; ranges: number };
  /** null when this page reached the newest run and nothing is left to prune in it. */
  resume: PruneResume | null;
};

export async function pruneStep(
  db: DatabaseWriter,
  policy: RetentionPolicy,
  now: number,
  resume: PruneResume | null,
): Promise<PruneStep> {
  // Step 1: plan one page of run records (bounded).
  const cursor: PageCursor = { from: resume?.from ?? 0, keptBelow: resume?.keptBelow ?? 0 };
  const planning = new Budget();
  const { runs, plan, gaps, next } = await planPage(db, policy, now, cursor, planning);
  const budget = new Budget();
  const bySeq = new Map(runs.map((run) => [run.seq, run]));
  const oldest = plan.dropped.length === 0 ? undefined : bySeq.get(Math.min(...plan.dropped));
  const result: PruneStep = {
    markedRuns: 0,
    deletedVersions: 0,
    deletedContents: 0,
    deletedRuns: 0,
    deletedBatches: 0,
    releasedFiles: [],
    kept: countReasons(plan.kept),
    oldestDropped: oldest === undefined ? null : { seq: oldest.seq, startedAt: oldest.startedAt },
    page: runs.length === 0 ? null : { from: runs[0]!.seq, to: runs.at(-1)!.seq },
    read: { bytes: 0, docs: 0, ranges: 0 },
    resume: null,
  };
  const finish = (resumeAt: PruneResume | null): PruneStep => {
    result.read = {
      bytes: planning.bytes + budget.bytes,
      docs: planning.docs + budget.docs,
      ranges: planning.ranges + budget.ranges,
    };
    result.resume = resumeAt;
    return result;
  };
  const stopAt = (after: number, toSeq: number) => finish({ ...cursor, after, toSeq });

  // Step 2: before anything a dropped run needs is deleted, it stops being a
  // restore point, in this same transaction: a restore that started earlier
  // finds it no longer completed when it checks at the end, and fails whole.
  // Runs of a gap that are not dropped are kept or never were restore points.
  for (const gap of gaps) {
    for (const seq of gap.dropped) {
      const run = bySeq.get(seq);
      if (run?.status !== "completed") continue;
      if (budget.exhausted()) return stopAt(gap.after, gap.after + 1);
      await db.patch("runs", run._id, { status: "pruning" });
      budget.wrote(run);
      result.markedRuns += 1;
    }
  }

  const hint = resume?.after === undefined || resume.toSeq === undefined ? null : { after: resume.after, toSeq: resume.toSeq };
  for (const gap of gaps) {
    const stoppedAt = await pruneGap(db, gap, hint, budget, result);
    if (stoppedAt !== null) return stopAt(gap.after, stoppedAt);
    // Step 4: the gap is empty; its dropped run records go, with their batches.
    for (const seq of gap.dropped) {
      const run = bySeq.get(seq);
      if (run === undefined) continue;
      if (!(await deleteRun(db, run, budget, result))) return stopAt(gap.after, gap.upTo + 1);
    }
  }
  // Step 5: the page is done; the next step plans the next page, if any.
  return finish(next);
}

/**
 * Step 3: the gap's versions, one toSeq value at a time: an exact index range
 * each, which reads only versions to delete (never the ones the kept run
 * below still needs). A toSeq with nothing to delete is followed by a probe
 * for the next toSeq any version has, so quiet stretches cost one read. Null
 * when the gap is empty, else the toSeq where the budget ran out.
 */
async function pruneGap(
  db: DatabaseWriter,
  gap: PruneGap,
  hint: { after: number; toSeq: number } | null,
  budget: Budget,
  result: PruneStep,
): Promise<number | null> {
  let toSeq = hint !== null && hint.after === gap.after ? Math.max(hint.toSeq, gap.after + 1) : gap.after + 1;
  while (toSeq <= gap.upTo) {
    let found = 0;
    for (;;) {
      if (budget.exhausted()) return toSeq;
      const wanted = Math.max(1, Math.min(MAX_ROWS_PER_READ, MAX_ROWS_PER_STEP - budget.rows));
      const versions = await db
        .query("versions")
        .withIndex("by_to_seq", (q) => q.eq("toSeq", toSeq).gt("fromSeq", gap.after))
        .take(wanted);
      budget.read(...versions);
      found += versions.length;
      for (const version of versions) {
        if (!(await deleteVersion(db, version, budget, result))) return toSeq;
      }
      if (versions.length < wanted) break;
    }
    if (found > 0) {
      toSeq += 1;
      continue;
    }
    if (budget.exhausted()) return toSeq;
    const from = toSeq;
    const next = await db
      .query("versions")
      .withIndex("by_to_seq", (q) => q.gt("toSeq", from).lte("toSeq", gap.upTo))
      .first();
    budget.read(next);
    if (next === null || next.toSeq === null) break;
    toSeq = next.toSeq;
  }
  return null;
}

/** Deletes the run's batch records, then the run. False when the budget ran out first. */
async function deleteRun(db: DatabaseWriter, run: Doc<"runs">, budget: Budget, result: PruneStep): Promise<boolean> {
  for (;;) {
    if (budget.exhausted()) return false;
    const wanted = Math.max(1, Math.min(MAX_ROWS_PER_READ, MAX_ROWS_PER_STEP - budget.rows));
    const batches = await db
      .query("batches")
      .withIndex("by_run_batch", (q) => q.eq("runId", run._id))
      .take(wanted);
    budget.read(...batches);
    for (const batch of batches) {
      await db.delete("batches", batch._id);
      budget.wrote(batch);
    }
    result.deletedBatches += batches.length;
    if (batches.length < wanted) break;
  }
  if (budget.exhausted()) return false;
  await db.delete("runs", run._id);
  budget.wrote(run);
  result.deletedRuns += 1;
  return true;
}

/**
 * Deletes the version's content rows, a few at a time (a row holds up to 768
 * KiB), then the version. False when the budget ran out first: the version
 * stays, closed, with its remaining contents, for the next step.
 */
async function deleteVersion(db: DatabaseWriter, version: Doc<"versions">, budget: Budget, result: PruneStep): Promise<boolean> {
  // An inline document has no content rows to look for.
  for (let more = version.text === undefined; more; ) {
    if (budget.exhausted()) return false;
    const rows = await db
      .query("contents")
      .withIndex("by_version", (q) => q.eq("versionId", version._id))
      .take(CONTENT_ROWS_PER_READ);
    budget.read(...rows);
    for (const row of rows) {
      await db.delete("contents", row._id);
      budget.wrote(row);
    }
    result.deletedContents += rows.length;
    more = rows.length === CONTENT_ROWS_PER_READ;
  }
  await db.delete("versions", version._id);
  budget.wrote(version);
  result.deletedVersions += 1;
  if (version.fileSha256 !== undefined) {
    // Checked and maybe deleted after the step: a versions lookup, a files lookup, two deletes.
    budget.ranges += 4;
    result.releasedFiles.push(version.fileSha256);
  }
  return true;
}

function countReasons(kept: Map<number, KeepReason>): Record<KeepReason, number> {
  const counts: Record<KeepReason, number> = { pinned: 0, recent: 0, daily: 0, weekly: 0, monthly: 0, newest: 0, running: 0 };
  for (const reason of kept.values()) counts[reason] += 1;
  return counts;
}
