// A change-log run's document counts, from the backup's own records: a
// table's count at the previous restore point, plus what this run's
// change-log batches created, minus what they closed. Each creation and each
// close is recorded once, by the batch that made it, in whichever attempt of
// the run: a run resumed after a crash (whose primary no longer sees the
// changes an earlier attempt applied, or sees them again and finds them
// applied) still records the count its versions hold, and restores of it
// find every document they expect.
import type { Id } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import type { TableCounts } from "../../shared/protocol";

// Batch records read per table (500 changes each: 5 million changes in one run).
const MAX_BATCHES_COUNTED = 10_000;

/** `tables` with the documents of each table in `countedFromLog` counted from the run's batches. */
export async function countedFromLogBatches(
  db: DatabaseReader,
  runId: Id<"runs">,
  previous: readonly TableCounts[],
  tables: TableCounts[],
  countedFromLog: readonly string[],
): Promise<TableCounts[]> {
  const counted = new Set(countedFromLog);
  const out: TableCounts[] = [];
  for (const counts of tables) {
    const before = previous.find((t) => t.table === counts.table);
    if (!counted.has(counts.table) || before === undefined) {
      out.push(counts);
      continue;
    }
    const batches = await db
      .query("batches")
      .withIndex("by_run_table", (q) => q.eq("runId", runId).eq("table", counts.table))
      .take(MAX_BATCHES_COUNTED + 1);
    // Beyond the bound the primary's own count stands (exact unless the run was resumed).
    if (batches.length > MAX_BATCHES_COUNTED) {
      out.push(counts);
      continue;
    }
    const created = batches.reduce((sum, batch) => sum + (batch.created ?? 0), 0);
    const deleted = batches.reduce((sum, batch) => sum + batch.deleted, 0);
    out.push({ ...counts, documents: (before.documents ?? before.scanned) + created - deleted });
  }
  return out;
}
