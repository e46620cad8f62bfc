// Database I/O of one in-process deployment, totalled from convex-test's
// onTransactionEnd hook (one report per top-level query or mutation). These
// are the figures that carry over to a real deployment: documents and bytes
// read and written, billable bytes (each document rounded up to 1 KiB) and
// index ranges. Reads count whether or not the transaction committed (they
// happened); writes only when it committed.
import type { TransactionEndReport } from "convex-test";

export type { TransactionEndReport };

/** One function's calls, and the documents they read and wrote: where a run's I/O goes. */
export type CallCounts = {
  kind: TransactionEndReport["udfType"];
  calls: number;
  failed: number;
  docsRead: number;
  billableRead: number;
  docsWritten: number;
  billableWritten: number;
};

/** The single call that did the most of something. */
export type LargestCall = { path: string; amount: number } | null;

export type IoTotals = {
  transactions: number;
  /** By function path ("module:function"; "custom" is t.run, "inline" an inline function). */
  calls: Record<string, CallCounts>;
  docsRead: number;
  bytesRead: number;
  billableRead: number;
  docsWritten: number;
  bytesWritten: number;
  billableWritten: number;
  indexRanges: number;
  /** Largest bytesRead, bytesWritten and index ranges of one call. */
  largest: { read: LargestCall; write: LargestCall; indexRanges: LargestCall };
};

function emptyTotals(): IoTotals {
  return {
    transactions: 0,
    calls: {},
    docsRead: 0,
    bytesRead: 0,
    billableRead: 0,
    docsWritten: 0,
    bytesWritten: 0,
    billableWritten: 0,
    indexRanges: 0,
    largest: { read: null, write: null, indexRanges: null },
  };
}

function larger(current: LargestCall, path: string, amount: number): LargestCall {
  return amount > 0 && (current === null || amount > current.amount) ? { path, amount } : current;
}

export class IoStats implements IoTotals {
  transactions = 0;
  calls: Record<string, CallCounts> = {};
  docsRead = 0;
  bytesRead = 0;
  billableRead = 0;
  docsWritten = 0;
  bytesWritten = 0;
  billableWritten = 0;
  indexRanges = 0;
  largest: IoTotals["largest"] = { read: null, write: null, indexRanges: null };

  /** Pass as convexTest's onTransactionEnd (bound, so it can be handed on as is). */
  readonly record = (report: TransactionEndReport): void => {
    const { udfPath: path, udfType: kind, committed, metrics } = report;
    const counts = (this.calls[path] ??= { kind, calls: 0, failed: 0, docsRead: 0, billableRead: 0, docsWritten: 0, billableWritten: 0 });
    counts.calls += 1;
    counts.docsRead += metrics.documentsRead;
    counts.billableRead += metrics.roundedBytesRead;
    if (!committed) counts.failed += 1;
    this.transactions += 1;
    this.docsRead += metrics.documentsRead;
    this.bytesRead += metrics.bytesRead;
    this.billableRead += metrics.roundedBytesRead;
    this.indexRanges += metrics.databaseQueries;
    this.largest.read = larger(this.largest.read, path, metrics.bytesRead);
    this.largest.indexRanges = larger(this.largest.indexRanges, path, metrics.databaseQueries);
    if (!committed) return;
    counts.docsWritten += metrics.documentsWritten;
    counts.billableWritten += metrics.roundedBytesWritten;
    this.docsWritten += metrics.documentsWritten;
    this.bytesWritten += metrics.bytesWritten;
    this.billableWritten += metrics.roundedBytesWritten;
    this.largest.write = larger(this.largest.write, path, metrics.bytesWritten);
  };

  /** A copy of the totals so far (to compare before and after). */
  snapshot(): IoTotals {
    return structuredClone({
      transactions: this.transactions,
      calls: this.calls,
      docsRead: this.docsRead,
      bytesRead: this.bytesRead,
      billableRead: this.billableRead,
      docsWritten: this.docsWritten,
      bytesWritten: this.bytesWritten,
      billableWritten: this.billableWritten,
      indexRanges: this.indexRanges,
      largest: this.largest,
    });
  }

  reset(): void {
    Object.assign(this, emptyTotals());
  }
}
