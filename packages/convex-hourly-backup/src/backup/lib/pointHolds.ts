// status: what the newest restore point holds per table, with the documents
// the change log missed that runs found in the 7 days before it (from run
// records, newest first, bounded in bytes like status's other reads).
import { getConvexSize } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { pointHolds, type TableHolds } from "../../shared/pointHolds";

export const MISSED_WINDOW_MS = 7 * 24 * 60 * 60_000;
// Run records read for the 7-day sum: 168 hourly records of a few KiB each fit easily.
const MAX_MISSED_BYTES = 4 * 1024 * 1024;

export async function newestPointHolds(db: DatabaseReader, newest: Doc<"runs">): Promise<TableHolds[]> {
  const missed = new Map<string, number>();
  const since = newest.startedAt - MISSED_WINDOW_MS;
  let bytes = 0;
  for await (const run of db.query("runs").withIndex("by_status", (q) => q.eq("status", "completed").lte("seq", newest.seq)).order("desc")) {
    if (run.startedAt < since) break;
    bytes += getConvexSize(run);
    if (bytes > MAX_MISSED_BYTES) break;
    for (const t of run.tables) missed.set(t.table, (missed.get(t.table) ?? 0) + (t.missedByLog ?? 0));
  }
  return pointHolds(newest.log, newest.startedAt, newest.tables.map((t) => t.table)).map((h) => ({ ...h, missedByLog7d: missed.get(h.table) ?? 0 }));
}
