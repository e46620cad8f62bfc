// What a change-log run's verification adds to its counts and log: the
// documents it compared, and the WARNING naming a table where it found
// writes the change log had not delivered (counts and names, never values).
import type { TableCounts } from "../shared/protocol";
import type { TableVerification } from "./verification";

/** A table's documents at a restore point (a change-log run's derived count, else what its scan counted). */
export function documentsAt(tables: readonly TableCounts[], table: string): number {
  const counts = tables.find((t) => t.table === table);
  return counts?.documents ?? counts?.scanned ?? 0;
}

/** Adds the verification's reads and repairs to a change-log run's counts of `table`; warns about what the log missed. */
export function addVerification(counts: TableCounts, verification: TableVerification, label: string): void {
  counts.changed += verification.counts.changed;
  counts.deleted += verification.counts.deleted;
  counts.docsWritten += verification.counts.docsWritten;
  counts.bytesSent += verification.counts.bytesSent;
  counts.verified = verification.verified;
  counts.missedByLog = verification.missed;
  if (verification.missed > 0) {
    console.warn(
      `${label} WARNING ${counts.table}: verification found ${verification.missed} documents changed, created or deleted ` +
        "that the change log had not delivered (a mutation not built with withChangeCapture, a dashboard edit or an import); " +
        "repaired in this restore point, and the whole table compared",
    );
  }
}
