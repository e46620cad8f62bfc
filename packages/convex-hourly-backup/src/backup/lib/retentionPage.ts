// Planning one page of retention: the run records from a cursor (bounded in
// count and in bytes, whatever a record holds: 150 tables and 300 redacted
// paths make a record of tens of KiB), the first completed run after them,
// the newest completed run and the highest seq. planRetention decides every
// run of the page exactly from these, so a prune pass walks the runs table
// page by page and each step makes progress: it deletes what its page drops,
// or moves the cursor on.
import { getConvexSize } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { planRetention, type RetentionPlan, type RetentionPolicy } from "../retentionPolicy";
import { Budget, MAX_RUN_BYTES, MAX_RUN_RECORDS } from "./retentionBudget";
import { gapsToPrune, type PruneGap } from "./retentionGaps";

/** Where a page starts: the first seq to read, and the highest kept seq below it (0: none). */
export type PageCursor = { from: number; keptBelow: number };

export type PlannedPage = {
  runs: Doc<"runs">[];
  plan: RetentionPlan;
  /** The gaps around the page's dropped runs, in seq order (retentionGaps.ts). */
  gaps: PruneGap[];
  /** Where the next page starts, or null when this page reaches the newest run. */
  next: PageCursor | null;
};

export async function planPage(
  db: DatabaseReader,
  policy: RetentionPolicy,
  now: number,
  cursor: PageCursor,
  budget: Budget,
): Promise<PlannedPage> {
  const read = await readRuns(db, cursor.from);
  const runs = read.page;
  budget.read(...runs);
  const last = runs.at(-1);
  const following =
    last === undefined || read.isDone
      ? null
      : await db
          .query("runs")
          .withIndex("by_status", (q) => q.eq("status", "completed").gt("seq", last.seq))
          .first();
  const newest = await db
    .query("runs")
    .withIndex("by_status", (q) => q.eq("status", "completed"))
    .order("desc")
    .first();
  const highest = await db.query("runs").withIndex("by_seq").order("desc").first();
  for (const doc of [following, newest, highest]) budget.read(doc);

  const plan = planRetention(runs, policy, now, {
    newestCompletedSeq: newest?.seq ?? null,
    highestSeq: highest?.seq ?? 0,
    following,
  });
  // A version closed by run t is needed by the kept runs in [fromSeq, t). Past
  // the page nothing is known, so the last gap ends at the page's last seq + 1
  // (every seq up to it is decided), or at the last seq when nothing follows.
  const topSeq = last === undefined ? cursor.from : read.isDone ? last.seq : last.seq + 1;
  const keptSeqs = [...plan.kept.keys()].filter((seq) => seq < topSeq);
  if (cursor.keptBelow > 0) keptSeqs.push(cursor.keptBelow);
  const gaps = gapsToPrune(keptSeqs, plan.dropped, topSeq);
  const next =
    last === undefined || read.isDone
      ? null
      : { from: last.seq + 1, keptBelow: Math.max(cursor.keptBelow, ...keptSeqs.filter((seq) => seq <= last.seq)) };
  return { runs, plan, gaps, next };
}

/**
 * Run records from `from` on, in seq order, up to MAX_RUN_RECORDS and
 * MAX_RUN_BYTES (the record that crosses it included). Read by iteration, not
 * paginate: status runs it beside its own paginated read.
 */
async function readRuns(db: DatabaseReader, from: number): Promise<{ page: Doc<"runs">[]; isDone: boolean }> {
  const page: Doc<"runs">[] = [];
  let bytes = 0;
  for await (const run of db.query("runs").withIndex("by_seq", (q) => q.gte("seq", from))) {
    page.push(run);
    bytes += getConvexSize(run);
    if (page.length >= MAX_RUN_RECORDS || bytes >= MAX_RUN_BYTES) return { page, isDone: false };
  }
  return { page, isDone: true };
}
