// Benchmark only (issue 18): the rolling verification's cost, measured over
// simulated hours (bench/clock.ts) rather than extrapolated from one run.
//   - the first hour after a scan: its slice, and the new-documents check's
//     first window, which starts CREATED_MARGIN_MS before the scan and so
//     holds every document created just before it (one time: a transaction
//     that began before the scan and committed after it is missed by the scan);
//   - a day: the next `hours` hourly runs, nothing changed, their primary
//     reads of the verification paths summed;
//   - once a pass has reached every table's end (after verifyEveryHours runs)
//     and before the next is due: a run with no slice due, then one whose
//     window holds 1 % of documents inserted through the app's mutations, so
//     its verification is the new-documents check alone.
import type { RunSummary } from "../packages/convex-hourly-backup/src/app/runBackup";
import { advanceClock, HOUR_MS } from "./clock";
import { billableBoth, type RunIo, type RunIoDetail } from "./ioFigures";
import { shareBillable, sliceDocs, verificationShare, type Share } from "./verificationFigures";

/** What the benchmark's measured hourly run gives back (runBenchmark's ourRun). */
export type Hour = { run: { result: RunSummary; detail: RunIoDetail; io: RunIo; ms: number } };

/** Documents a run's verification compared with the backup (its tables' `verified`). */
export const comparedIn = (summary: RunSummary) => summary.tables.reduce((sum, t) => sum + (t.verified ?? 0), 0);

const ZERO_SHARE: Share = { primaryBillable: 0, backupBillable: 0, primaryDocsRead: 0, backupDocsRead: 0 };
const addShares = (a: Share, b: Share): Share => ({
  primaryBillable: a.primaryBillable + b.primaryBillable,
  backupBillable: a.backupBillable + b.backupBillable,
  primaryDocsRead: a.primaryDocsRead + b.primaryDocsRead,
  backupDocsRead: a.backupDocsRead + b.backupDocsRead,
});
const divideShare = (a: Share, n: number): Share => ({
  primaryBillable: a.primaryBillable / n,
  backupBillable: a.backupBillable / n,
  primaryDocsRead: a.primaryDocsRead / n,
  backupDocsRead: a.backupDocsRead / n,
});

/** One measured run's verification: documents compared, the verification paths' share, the whole run (both, billable). */
export type VerifiedRun = { compared: number; share: Share; runBillable: number };

const verifiedRun = (hour: Hour): VerifiedRun => ({
  compared: comparedIn(hour.run.result),
  share: verificationShare(hour.run.detail),
  runBillable: billableBoth(hour.run.io),
});

export type FirstHour = VerifiedRun & {
  /** Of `compared`: the slice (ceil(n / verifyEveryHours) a table) and the documents in the new-documents window. */
  slice: number;
  created: number;
};

export type IdleDay = {
  /** Hourly runs measured (the day), after the first hour. */
  runs: number;
  compared: number;
  /** Summed over the runs, and per run (their mean). */
  total: Share;
  perRun: Share;
  /**
   * Per run over a whole pass: the day's cost per document compared, times the documents
   * (a pass), over verifyEveryHours runs. Slices read whole pages, so a pass of a window
   * longer than a day ends early and the next starts only when due: the day's mean overstates it.
   */
  perRunOfPass: Share;
  /** Primary documents the verification read over the day, per primary document. */
  primaryReadsPerDoc: number;
  /** The largest run's I/O outside the verification paths (both deployments, billable). */
  maxRestBillable: number;
  /** Wall time of the day's runs, summed. */
  ms: number;
};

/** Runs between the day's hours: they move the clock themselves and say by how much. */
export type Interlude = () => Promise<number>;

/**
 * The first hour after a scan, then `hours` hourly runs with nothing changed.
 * `interlude` runs before the day's last hour (once the first pass has
 * reached every table's end); the clock then moves on to that hour.
 */
export async function firstHourAndDay<H extends Hour>(
  run: () => Promise<H>,
  options: { docs: number; tableSizes: readonly number[]; everyHours: number; hours: number; interlude?: Interlude },
): Promise<{ first: FirstHour; day: IdleDay; firstIdle: H }> {
  advanceClock(HOUR_MS);
  const one = verifiedRun(await run());
  const slice = sliceDocs(options.tableSizes, options.everyHours);
  const first: FirstHour = { ...one, slice, created: Math.max(0, one.compared - slice) };
  let total = ZERO_SHARE;
  let compared = 0;
  let maxRestBillable = 0;
  let ms = 0;
  let firstIdle: H | null = null;
  for (let i = 0; i < options.hours; i++) {
    const moved = i === options.hours - 1 && options.interlude !== undefined ? await options.interlude() : 0;
    advanceClock(HOUR_MS - moved);
    const hour = await run();
    firstIdle ??= hour;
    const measured = verifiedRun(hour);
    total = addShares(total, measured.share);
    compared += measured.compared;
    maxRestBillable = Math.max(maxRestBillable, measured.runBillable - shareBillable(measured.share));
    ms += hour.run.ms;
  }
  const day: IdleDay = {
    runs: options.hours,
    compared,
    total,
    perRun: divideShare(total, Math.max(1, options.hours)),
    perRunOfPass: divideShare(total, (Math.max(1, compared) * options.everyHours) / options.docs),
    primaryReadsPerDoc: total.primaryDocsRead / options.docs,
    maxRestBillable,
    ms,
  };
  return { first, day, firstIdle: firstIdle! };
}

export type Probes = {
  /** A run 10 minutes after the pass reached every table's end: no slice due, nothing changed. */
  noSlice: VerifiedRun;
  /** 10 minutes later, after `inserted` documents were inserted through the app's mutations: the new-documents check alone. */
  inserts: VerifiedRun & { inserted: number };
};

const PROBE_GAP_MS = 10 * 60_000;

/**
 * The two runs between a finished pass and the next (an Interlude's work):
 * call once the pass has reached every table's end; `insert` inserts 1 % of
 * documents and says how many. Moves the clock 2 x 10 minutes.
 */
export async function probesAfterPass(run: () => Promise<Hour>, insert: () => Promise<number>): Promise<{ probes: Probes; movedMs: number }> {
  advanceClock(PROBE_GAP_MS);
  const noSlice = verifiedRun(await run());
  const inserted = await insert();
  advanceClock(PROBE_GAP_MS);
  const inserts = { ...verifiedRun(await run()), inserted };
  return { probes: { noSlice, inserts }, movedMs: 2 * PROBE_GAP_MS };
}
