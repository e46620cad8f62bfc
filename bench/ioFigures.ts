// Benchmark only: database I/O per run, in Convex's billing units, from the
// deployments' own transaction accounting (harness/ioStats.ts, fed by
// convex-test's onTransactionEnd). Each measured run resets both meters
// first, so a run's figures are what that run alone read and wrote.
//   billable = each document read or written rounded up to 1 KiB (minimum
//   1 KiB, a delete included), as older versions of Convex's limits page say;
//   raw = documents' own sizes (what the open-source usage tracker records).
import { getDocumentSize, type Value } from "convex/values";
import type { IoTotals, LargestCall } from "../harness/ioStats";

export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;

/** One deployment's database I/O over one run. */
export type DeploymentIo = {
  docsRead: number;
  docsWritten: number;
  /** Raw bytes. */
  bytesRead: number;
  bytesWritten: number;
  /** Each document rounded up to 1 KiB. */
  billableRead: number;
  billableWritten: number;
  indexRanges: number;
  /** Function calls: top-level queries and mutations (each a transaction; actions not counted). */
  calls: number;
};

/** Both deployments over one run ("backup" is the receiver for the seed-style and bare copies). */
export type RunIo = { primary: DeploymentIo; backup: DeploymentIo };

/** One function path's share of a run: its calls, and the documents they read and wrote (billable bytes). */
export type PathIo = { calls: number; docsRead: number; billableRead: number; docsWritten: number; billableWritten: number };
/** Where a run's I/O went, per function path ("module:function"; "custom" is a t.run). */
export type CallsByPath = Record<string, PathIo>;
export type RunIoDetail = {
  calls: { primary: CallsByPath; backup: CallsByPath };
  /** The single call that read / wrote the most bytes, per deployment. */
  largest: { primary: { read: LargestCall; write: LargestCall }; backup: { read: LargestCall; write: LargestCall } };
};

export const ZERO_IO: DeploymentIo = {
  docsRead: 0,
  docsWritten: 0,
  bytesRead: 0,
  bytesWritten: 0,
  billableRead: 0,
  billableWritten: 0,
  indexRanges: 0,
  calls: 0,
};

export function deploymentIo(totals: IoTotals): DeploymentIo {
  return {
    docsRead: totals.docsRead,
    docsWritten: totals.docsWritten,
    bytesRead: totals.bytesRead,
    bytesWritten: totals.bytesWritten,
    billableRead: totals.billableRead,
    billableWritten: totals.billableWritten,
    indexRanges: totals.indexRanges,
    calls: totals.transactions,
  };
}

/** Billable bytes read and written by one deployment. */
export const billableOf = (io: DeploymentIo): number => io.billableRead + io.billableWritten;
/** Raw bytes read and written by one deployment. */
export const rawOf = (io: DeploymentIo): number => io.bytesRead + io.bytesWritten;
/** Both deployments, billable. */
export const billableBoth = (io: RunIo): number => billableOf(io.primary) + billableOf(io.backup);
export const rawBoth = (io: RunIo): number => rawOf(io.primary) + rawOf(io.backup);

/** a - b, field by field (never below zero). */
export function minusIo(a: DeploymentIo, b: DeploymentIo): DeploymentIo {
  const out = { ...a };
  for (const key of Object.keys(out) as (keyof DeploymentIo)[]) out[key] = Math.max(0, a[key] - b[key]);
  return out;
}

/** The rounding Convex's older docs describe and the harness applies: up to 1 KiB, at least 1 KiB. */
export function roundUpToKiB(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KIB)) * KIB;
}

/** Documents' stored size: raw (getDocumentSize) and billable (each rounded up to 1 KiB). */
export function storedSizes(docs: readonly Record<string, Value>[]): { raw: number; billable: number } {
  let raw = 0;
  let billable = 0;
  for (const doc of docs) {
    const size = getDocumentSize(doc);
    raw += size;
    billable += roundUpToKiB(size);
  }
  return { raw, billable };
}

/** What a deployment's meter offers (harness IoStats). */
export type IoMeter = { reset(): void; snapshot(): IoTotals };

const callsOf = (totals: IoTotals | null): CallsByPath =>
  totals === null
    ? {}
    : Object.fromEntries(
        Object.entries(totals.calls).map(([path, c]) => [
          path,
          { calls: c.calls, docsRead: c.docsRead, billableRead: c.billableRead, docsWritten: c.docsWritten, billableWritten: c.billableWritten },
        ]),
      );

/**
 * Runs `work` with both meters reset first and reads them after. A meter
 * given as null (a run that does not touch that deployment) reads zero.
 */
export async function withIo<T>(
  primary: IoMeter | null,
  backup: IoMeter | null,
  work: () => Promise<T>,
): Promise<{ result: T; io: RunIo; detail: RunIoDetail }> {
  primary?.reset();
  backup?.reset();
  const result = await work();
  const p = primary?.snapshot() ?? null;
  const b = backup?.snapshot() ?? null;
  return {
    result,
    io: { primary: p === null ? { ...ZERO_IO } : deploymentIo(p), backup: b === null ? { ...ZERO_IO } : deploymentIo(b) },
    detail: {
      calls: { primary: callsOf(p), backup: callsOf(b) },
      largest: {
        primary: { read: p?.largest.read ?? null, write: p?.largest.write ?? null },
        backup: { read: b?.largest.read ?? null, write: b?.largest.write ?? null },
      },
    },
  };
}
