// One bounded step of pruning: plan from the run records, mark the completed
// runs the plan drops as "pruning" (from then on they are no restore point),
// then delete the versions (with their contents) of each gap no kept run
// needs, then the gap's dropped run records. Every step stays far inside one
// mutation's limits however much there is to prune; retention.ts schedules
// the next.
import type { Doc } from "../_generated/dataModel";
import type { DatabaseWriter } from "../_generated/server";
import { utf8Length } from "../../shared/digest";
import { planRetention, type KeepReason, type RetentionPolicy } from "../retentionPolicy";
import { gapsToPrune, type PruneGap } from "./retentionGaps";

// Convex allows a mutation 16,000 writes, 16 MiB read, 4,096 index ranges;
// a step stays far inside all three:
// - rows written (runs marked + versions, contents, runs and batches deleted);
export const MAX_ROWS_PER_STEP = 1_000;
// - contents text read (the last read may overshoot it by CONTENT_ROWS_PER_READ
//   chunks of at most 768 KiB each);
export const MAX_BYTES_PER_STEP = 4 * 1024 * 1024;
const CONTENT_ROWS_PER_READ = 4;
// - index ranges: every query, and every patch or delete (each reads its
//   document first);
export const MAX_RANGES_PER_STEP = 2_000;
// - run records read to plan. With hourly runs the table holds about 100
//   kept records; more only if retention did not run for weeks, and then the
//   plan works on the oldest ones first (see planRetention).
export const MAX_RUN_RECORDS = 1_000;
export const MAX_RUN_BYTES = 2 * 1024 * 1024;

/** Where the previous step stopped: a hint, used only while its gap is unchanged. */
export type PruneResume = { after: number; toSeq: number };

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
  kept: Record<KeepReason, number>;
  /** null when nothing is left to prune. */
  resume: PruneResume | null;
};

class Budget {
  rows = 0;
  bytes = 0;
  ranges = 0;
  /** A patch or delete: one row written, one index range (it reads the document first). */
  wrote(rows: number): void {
    this.rows += rows;
    this.ranges += rows;
  }
  exhausted(): boolean {
    return this.rows >= MAX_ROWS_PER_STEP || this.bytes >= MAX_BYTES_PER_STEP || this.ranges >= MAX_RANGES_PER_STEP;
  }
}

export async function pruneStep(
  db: DatabaseWriter,
  policy: RetentionPolicy,
  now: number,
  resume: PruneResume | null,
): Promise<PruneStep> {
  // Step 1: plan from the run records (oldest first, bounded).
  const budget = new Budget();
  const read = await db
    .query("runs")
    .withIndex("by_seq")
    .order("asc")
    .paginate({ cursor: null, numItems: MAX_RUN_RECORDS, maximumBytesRead: MAX_RUN_BYTES });
  const runs = read.page;
  const complete = read.isDone;
  const newest = await db
    .query("runs")
    .withIndex("by_status", (q) => q.eq("status", "completed"))
    .order("desc")
    .first();
  budget.ranges += 2;
  const plan = planRetention(runs, policy, now, { complete, newestCompletedSeq: newest?.seq ?? null });
  const gaps = gapsToPrune(plan.kept.keys(), plan.dropped, runs.at(-1)?.seq ?? 0);
  const bySeq = new Map(runs.map((run) => [run.seq, run]));
  const result: PruneStep = {
    markedRuns: 0,
    deletedVersions: 0,
    deletedContents: 0,
    deletedRuns: 0,
    deletedBatches: 0,
    releasedFiles: [],
    kept: countReasons(plan.kept),
    resume: null,
  };

  // Step 2: before anything a dropped run needs is deleted, it stops being a
  // restore point, in this same transaction: a restore that started earlier
  // finds it no longer completed when it checks at the end, and fails whole.
  // Runs of a gap that are not dropped are kept or never were restore points.
  for (const gap of gaps) {
    for (const seq of gap.dropped) {
      const run = bySeq.get(seq);
      if (run?.status !== "completed") continue;
      if (budget.exhausted()) return stopAt(result, gap.after, gap.after + 1);
      await db.patch("runs", run._id, { status: "pruning" });
      budget.wrote(1);
      result.markedRuns += 1;
    }
  }

  for (const gap of gaps) {
    if (!(await pruneGap(db, gap, resume, budget, result))) return result;
    // Step 4: the gap is empty; its dropped run records go, with their batches.
    for (const seq of gap.dropped) {
      const run = bySeq.get(seq);
      if (run === undefined) continue;
      if (!(await deleteRun(db, run, budget, result))) return stopAt(result, gap.after, gap.upTo + 1);
    }
  }
  return result;
}

/**
 * Step 3: the gap's versions, one toSeq value at a time (an exact index range
 * each), skipping values no version has. False when the budget ran out (the
 * result then says where to resume).
 */
async function pruneGap(
  db: DatabaseWriter,
  gap: PruneGap,
  resume: PruneResume | null,
  budget: Budget,
  result: PruneStep,
): Promise<boolean> {
  let toSeq = resume !== null && resume.after === gap.after ? Math.max(resume.toSeq, gap.after + 1) : gap.after + 1;
  while (toSeq <= gap.upTo) {
    if (budget.exhausted()) return stopped(result, gap.after, toSeq);
    budget.ranges += 1;
    const next = await db
      .query("versions")
      .withIndex("by_to_seq", (q) => q.gte("toSeq", toSeq).lte("toSeq", gap.upTo))
      .first();
    if (next === null || next.toSeq === null) break;
    toSeq = next.toSeq;
    for (;;) {
      if (budget.exhausted()) return stopped(result, gap.after, toSeq);
      budget.ranges += 1;
      const wanted = Math.max(1, MAX_ROWS_PER_STEP - budget.rows);
      const versions = await db
        .query("versions")
        .withIndex("by_to_seq", (q) => q.eq("toSeq", toSeq).gt("fromSeq", gap.after))
        .take(wanted);
      for (const version of versions) {
        if (!(await deleteVersion(db, version, budget, result))) return stopped(result, gap.after, toSeq);
      }
      if (versions.length < wanted) break;
    }
    toSeq += 1;
  }
  return true;
}

function stopped(result: PruneStep, after: number, toSeq: number): false {
  stopAt(result, after, toSeq);
  return false;
}

function stopAt(result: PruneStep, after: number, toSeq: number): PruneStep {
  result.resume = { after, toSeq };
  return result;
}

/** Deletes the run's batch records, then the run. False when the budget ran out first. */
async function deleteRun(db: DatabaseWriter, run: Doc<"runs">, budget: Budget, result: PruneStep): Promise<boolean> {
  for (;;) {
    if (budget.exhausted()) return false;
    budget.ranges += 1;
    const wanted = Math.max(1, MAX_ROWS_PER_STEP - budget.rows);
    const batches = await db
      .query("batches")
      .withIndex("by_run_batch", (q) => q.eq("runId", run._id))
      .take(wanted);
    for (const batch of batches) await db.delete("batches", batch._id);
    budget.wrote(batches.length);
    result.deletedBatches += batches.length;
    if (batches.length < wanted) break;
  }
  if (budget.exhausted()) return false;
  await db.delete("runs", run._id);
  budget.wrote(1);
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
  if (version.text !== undefined) budget.bytes += utf8Length(version.text);
  for (let more = version.text === undefined; more; ) {
    if (budget.exhausted()) return false;
    budget.ranges += 1;
    const rows = await db
      .query("contents")
      .withIndex("by_version", (q) => q.eq("versionId", version._id))
      .take(CONTENT_ROWS_PER_READ);
    for (const row of rows) {
      budget.bytes += utf8Length(row.text);
      await db.delete("contents", row._id);
    }
    budget.wrote(rows.length);
    result.deletedContents += rows.length;
    more = rows.length === CONTENT_ROWS_PER_READ;
  }
  await db.delete("versions", version._id);
  budget.wrote(1);
  result.deletedVersions += 1;
  if (version.fileSha256 !== undefined) {
    // Checked and maybe deleted after the step: a versions lookup, a files lookup, two deletes.
    budget.ranges += 4;
    result.releasedFiles.push(version.fileSha256);
  }
  return true;
}

function countReasons(kept: Map<number, KeepReason>): Record<KeepReason, number> {
  const counts: Record<KeepReason, number> = { pinned: 0, recent: 0, daily: 0, weekly: 0, newest: 0, running: 0, undecided: 0 };
  for (const reason of kept.values()) counts[reason] += 1;
  return counts;
}
