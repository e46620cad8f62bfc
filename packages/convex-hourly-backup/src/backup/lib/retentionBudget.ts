// What one prune step may read and write, counted as Convex counts it: the
// stored document's size (getConvexSize) for every document read, and one
// index range for every query, get, patch and delete (a patch or delete reads
// its document first). Convex allows a mutation 16 MiB read, 32,000 documents
// scanned, 4,096 index ranges and 16,000 writes; a step stays far inside.
import type { Value } from "convex/values";
import { ReadCount } from "../../shared/readCount";

// - rows written (runs marked + versions, contents, runs and batches deleted);
export const MAX_ROWS_PER_STEP = 1_000;
// - bytes read after planning (the last read may overshoot it by
//   CONTENT_ROWS_PER_READ chunks of at most 768 KiB, or one run record);
export const MAX_BYTES_PER_STEP = 4 * 1024 * 1024;
// - index ranges;
export const MAX_RANGES_PER_STEP = 2_000;
// - documents read.
export const MAX_DOCS_PER_STEP = 8_000;
// Planning reads one page of run records (retentionPage.ts), at most this
// many and this many bytes, plus three single records (at most 1 MiB each):
// with the budget above, a step reads at most about 12 MiB.
export const MAX_RUN_RECORDS = 1_000;
export const MAX_RUN_BYTES = 2 * 1024 * 1024;

/** What a prune step has read (ReadCount) and written. */
export class Budget extends ReadCount {
  rows = 0;
  /** A patch or delete: one row written, and the read of its document (one index range). */
  wrote(doc: Value): void {
    this.rows += 1;
    this.read(doc);
  }
  exhausted(): boolean {
    return (
      this.rows >= MAX_ROWS_PER_STEP ||
      this.bytes >= MAX_BYTES_PER_STEP ||
      this.ranges >= MAX_RANGES_PER_STEP ||
      this.docs >= MAX_DOCS_PER_STEP
    );
  }
}
