// What one query or mutation has read so far, counted as Convex counts it and
// limits it (16 MiB read, 32,000 documents scanned, 4,096 index ranges): the
// stored document's size (getConvexSize, however little of it is kept), and
// one index range per query, get, patch or delete. The change log's pages
// (app/functions/logRead.ts) and retention's steps (backup/lib/retentionBudget.ts)
// set their own ceilings on it.
import { getConvexSize, type Value } from "convex/values";

export class ReadCount {
  bytes = 0;
  docs = 0;
  ranges = 0;

  /** One index range and the documents it returned (null: a get that found nothing). */
  read(...docs: (Value | object | null)[]): void {
    this.ranges += 1;
    for (const doc of docs) {
      if (doc === null) continue;
      this.docs += 1;
      this.bytes += getConvexSize(doc as Value);
    }
  }
}
