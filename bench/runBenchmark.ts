// Benchmark only: every figure of `npm run bench`, measured side by side in
// one process on the in-process deployments (harness/deployments.ts).
// scripts/bench.ts is the CLI; tests/bench.test.ts runs it small.
//
// Each run's database I/O is read from both deployments' transaction
// accounting (reset before the run); bytes and requests on the wire from the
// loopback server; times only ever as ratios of runs on the same mock,
// interleaved and repeated (the median of REPEATS).
//
// Order (each step's state is what the next one needs):
//   0. warm-up: a small shop through every path, unmeasured (compiling the code).
//   1. second size (default 20k), its own pairs: bare copy / full run
//      interleaved REPEATS times; memory of changed runs, then of
//      reconciliation scans, at that size and at 10 % of it, interleaved.
//   2. memory at 10 % of the main size, in a pair of its own, before the
//      main deployments fill the heap: changed runs, then reconciliation scans.
//      Then verifyEveryHours 168 on a pair of its own (bench/weeklyWindow.ts):
//      the main size, a scan, the first hour after it and a day of idle hours.
//   3. pair A seeded with the main size (default 100k). The seed-style
//      baseline into a receiver: its first copy, then its hourly upsert of
//      everything (the steady state the seed brief pays every hour).
//   4. interleaved REPEATS times: bare copy (fresh receiver), full run at
//      0 ms (the first into A's backup, then into fresh backups), full run at
//      50 ms per request (fresh backup).
//   5. A, in simulated hours (bench/clock.ts, bench/verificationDay.ts): the
//      first hour after the scan, then a day of idle hours (the first of them
//      is the measured idle hour); before the day's last hour, once the first
//      pass has reached every table's end, a run with no slice due and one
//      checking 1 % of documents inserted in its window. Retention catches up
//      (unmeasured); 1 % changed through the wrapped mutations half an hour
//      before the next hour's run through the log; retention pass.
//   6. A: reconciliations: 1 % changed behind the log's back, found by a
//      reconciliation (made due by a stale configuration hash: scheduled weekly
//      scans are off since rolling verification); again, found by
//      runNow({ reconcile: true }); a reconciliation of unchanged data. Then backup:verify.
//   7. A: changed runs at 0 ms and 50 ms, interleaved REPEATS times; then
//      memory at the main size (changed runs, reconciliation scans).
//   8. restore ZIP of A's latest point vs a bare read, interleaved; the ZIP's memory.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { internal } from "../convex/_generated/api";
import { internal as backupInternal } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import type { RunSummary } from "../packages/convex-hourly-backup/src/app/runBackup";
import { startDeployments, type Deployments, type PrimaryDeployment } from "../harness/deployments";
import { changeShop, seedShop, type ChangeReport, type ShopIds } from "../harness/shopData";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { bareCopy, seedStyleBackup } from "./copyClients";
import { exposedGc, measureHeap, type HeapFigures } from "./heapSampler";
import { startReceiver, type Receiver } from "./receivers";
import { shopSizeFor } from "./shopSize";
import { bareReadOfBackup } from "./bareRead";
import { measureFiles, type FileFigures } from "./fileFigures";
import { billableBoth, withIo, type IoMeter, type RunIo, type RunIoDetail } from "./ioFigures";
import {
  IDEAL_DEFINITION,
  idealChangedHour,
  meanDocument,
  projectMonth,
  PROJECTION_METHOD,
  steadyStateRunRecords,
  type MeanDocument,
  type ProjectionInputs,
  type ProjectionRow,
} from "./costModel";
import { logRowsWritten, shareBillable, verificationShare, type Share } from "./verificationFigures";
import { firstHourAndDay, probesAfterPass, type Probes } from "./verificationDay";
import { measureWeeklyWindow, type WindowFigures } from "./weeklyWindow";
import { advanceClock, HOUR_MS, resetClock } from "./clock";
import { changeUnlogged, makeReconciliationDue, newestRunSeq, runRecords, versionsWrittenBy } from "./deploymentState";

export const DEFAULT_DOCS = 100_000;
export const DEFAULT_SECOND_DOCS = 20_000;
export const LATENCY_MS = 50;
export const CHANGE_FRACTION = 0.01;
/** Idle hourly runs measured after the first hour following a scan: a day. */
export const DAY_HOURS = 24;
/** The runs of a simulated day are many and their times are not compared: no forced collection before each. */
const SIMULATED_HOUR = { collect: false };
/** Timed comparisons and memory: the median of this many interleaved runs. */
export const REPEATS = 3;
/** Peaks below this are sampling noise: the memory ratio counts them as this much. */
export const HEAP_FLOOR_BYTES = 1024 * 1024;
/** Keeps only the newest restore point: the retention pass deletes all a later point does not need. */
const PRUNE_ALL_BUT_NEWEST = { keepAllHours: 0, dailyDays: 0, weeklyWeeks: 0 };

/**
 * One measured run. `writes`: backup documents written (versions for our
 * runs, upserted or inserted copies for the baseline and bare runs);
 * `rowsWritten` / `bytesWritten`: every document the backup deployment (or
 * receiver) wrote, from its transaction accounting (a row patched twice
 * counts twice; a delete counts as a write of 0 bytes). `io`: database I/O
 * of both deployments over the run.
 */
export type RunFigures = {
  ms: number;
  bytes: number;
  bytesUp: number;
  bytesDown: number;
  requests: number;
  writes: number;
  rowsWritten: number;
  bytesWritten: number;
  io: RunIo;
};

export const RUN_NAMES = [
  "baselineFirst",
  "baseline",
  "bare",
  "full",
  "idle",
  "changed",
  "retention",
  "reconcileChanged",
  "reconcileAsked",
  "reconcileUnchanged",
  "verify",
  "restore",
] as const;
export type RunName = (typeof RUN_NAMES)[number];

export const RUN_LABELS: Record<RunName, string> = {
  baselineFirst: "baseline: seed-style first copy",
  baseline: "baseline: seed-style hourly upsert",
  bare: "bare: paginate + POST each page",
  full: "full: first run",
  idle: "idle hour: nothing changed (2nd after the scan)",
  changed: "1 % changed, through the log",
  retention: "retention pass after that hour",
  reconcileChanged: "1 % unlogged, reconciliation (config changed)",
  reconcileAsked: "1 % unlogged, runNow({ reconcile: true })",
  reconcileUnchanged: "reconciliation of unchanged data",
  verify: "backup:verify",
  restore: "restore ZIP of the latest point",
};

export type MemoryFigures = { tenth: HeapFigures & { docs: number }; full: HeapFigures & { docs: number }; ratio: number };

/** Figures measured at one size, interleaved: full run vs bare copy, memory. */
export type SizeFigures = {
  docs: number;
  fullMs: number[];
  bareMs: number[];
  fullVsBare: number;
  /** Changed runs (through the log). */
  memory: MemoryFigures;
  /** Scheduled reconciliations finding 1 % changed behind the log (every page diffed and sent). */
  scanMemory: MemoryFigures;
  /** The first full run's database I/O (into an empty backup). */
  fullIo: RunIo;
  bareIo: RunIo;
};

export type BenchResult = {
  docs: number;
  runs: Record<RunName, RunFigures>;
  ratios: {
    unchangedBytesVsBaseline: number;
    changedBytesVsBaseline: number;
    changedWritesPerChangedDoc: number;
    /** Every row the backup deployment wrote per changed document (informative). */
    changedRowsPerChangedDoc: number;
    /** Bytes the backup deployment wrote in the changed hour vs the baseline's hourly upsert. */
    changedBytesWrittenVsBaseline: number;
    /** Median of REPEATS interleaved full runs over the median of as many bare copies, at `docs`. */
    fullVsBare: number;
    /** The same at the second size (null when it was skipped). */
    fullVsBareSecondSize: number | null;
    /** The worse of the two runs below. */
    latency50VsZero: number;
    latency50VsZeroFull: number;
    latency50VsZeroChanged: number;
    /** Changed runs' peak memory, full size vs 10 % (median of REPEATS interleaved each). */
    heapFullVsTenth: number;
    heapFullVsTenthSecondSize: number | null;
    /** The same for reconciliation scans. */
    heapScanFullVsTenth: number;
    heapScanFullVsTenthSecondSize: number | null;
    restoreVsRead: number;
    /** Both deployments, billable: the 1 %-changed hour through the log over the ideal. */
    changedIoVsIdeal: number;
    changedIoVsIdealWithVerification: number;
    /** Both deployments, billable: the measured idle hour (with its slice). */
    idleIoBytesWithVerification: number;
    /** Both deployments, billable bytes read and written in an idle hour with no slice due (measured). */
    idleIoBytes: number;
    /** Backup documents read per primary page in a (scheduled) reconciliation of unchanged data. */
    reconcileBackupReadsPerPage: number;
    /** The same in runNow({ reconcile: true }), which re-reads the backup by design (informative). */
    reconcileAskedBackupReadsPerPage: number;
  };
  details: {
    verification: {
      /** verifyEveryHours 24 (pair A) and 168 (a pair of its own), each at `docs`: the first hour after a scan and a day of idle hours. */
      window24: WindowFigures;
      window168: WindowFigures;
      /** After the first 24-hour pass: a run with no slice due, and the new-documents check on 1 % inserted. */
      probes: Probes;
      changed24: Share;
      logRows: { rows: number; raw: number; billable: number };
    };
    changedDocs: number;
    change: ChangeReport;
    /** How each run found what changed (its summary's mode and reason). */
    modes: Partial<Record<RunName, string>>;
    /** Documents changed behind the change log before each reconciliation, what it changed, and what it reported missed by the log. */
    unlogged: Record<"scheduled" | "asked", { changed: number; found: number; missedByLog: number }>;
    ideal: { definition: string; changedDocs: number; meanDocument: MeanDocument; io: RunIo; billable: number };
    projection: { method: string[]; steadyRunRecords: number; inputs: Omit<ProjectionInputs, "docs">; rows: ProjectionRow[] };
    /** Where each run's I/O went: calls per function path, and the largest call. */
    ioDetail: Record<RunName, RunIoDetail>;
    /** Primary pages read (backup:readPage calls) by each reconciliation. */
    pages: { reconcileUnchanged: number; reconcileAsked: number; reconcileChanged: number };
    timings: {
      fullMs: number[];
      bareMs: number[];
      full50Ms: number[];
      changedMs: number[];
      changed50Ms: number[];
      zipMs: number[];
      readMs: number[];
    };
    latency: { fullMs: number; changedMs: number; latencyMs: number };
    memory: MemoryFigures;
    scanMemory: MemoryFigures;
    secondSize: SizeFigures | null;
    restore: { zipMs: number; zipBytes: number; documents: number; readMs: number; readDocuments: number; heap: HeapFigures };
    /** File storage on a shop of a tenth of the size, with product pictures: bytes copied per run. */
    files: FileFigures;
    totalMs: number;
  };
};

export type BenchOptions = {
  docs?: number;
  /** A second size for the full-vs-bare and memory targets (default 20,000; 0 skips it). */
  secondDocs?: number;
  log?: (line: string) => void;
};

type Traffic = { bytesUp: number; bytesDown: number; requests: number };
type Served = { stats: { requests: number; bytesIn: number; bytesOut: number }; resetStats(): void };

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function changeOptions(docs: number, seed: number) {
  const few = Math.max(2, Math.round(docs / 10_000));
  return { fraction: CHANGE_FRACTION, deletes: few, inserts: few, seed };
}

function changedDocuments(change: ChangeReport): number {
  return change.updated + change.deleted + change.inserted;
}

/** Garbage left by the previous step is collected before a timed run, so no run pays for another's. */
function collectGarbage(): void {
  const gc = exposedGc();
  gc?.();
}

type Measured<T> = { result: T; ms: number; traffic: Traffic; io: RunIo; detail: RunIoDetail };

/**
 * Times `work`, counting the traffic on `server` and the I/O of both meters (all reset first).
 * `collect: false` skips the collection before it: for the many runs of a simulated day, whose times are not compared.
 */
async function measure<T>(
  meters: { primary: IoMeter | null; backup: IoMeter | null; server: Served | null },
  work: () => Promise<T>,
  { collect = true }: { collect?: boolean } = {},
): Promise<Measured<T>> {
  if (collect) collectGarbage();
  meters.server?.resetStats();
  let ms = 0;
  const { result, io, detail } = await withIo(meters.primary, meters.backup, async () => {
    const started = performance.now();
    const value = await work();
    ms = performance.now() - started;
    return value;
  });
  const stats = meters.server?.stats;
  const traffic = { bytesUp: stats?.bytesIn ?? 0, bytesDown: stats?.bytesOut ?? 0, requests: stats?.requests ?? 0 };
  return { result, ms, traffic, io, detail };
}

function figures(run: Measured<unknown>, writes: number): RunFigures {
  return {
    ms: Math.round(run.ms),
    bytes: run.traffic.bytesUp + run.traffic.bytesDown,
    bytesUp: run.traffic.bytesUp,
    bytesDown: run.traffic.bytesDown,
    requests: run.traffic.requests,
    writes,
    rowsWritten: run.io.backup.docsWritten,
    bytesWritten: run.io.backup.bytesWritten,
    io: run.io,
  };
}

async function runNow(primary: PrimaryDeployment, args: { reconcile?: boolean } = {}): Promise<RunSummary> {
  const summary = await primary.t.action(internal.backup.runNow, args);
  if (summary.status !== "completed") throw new Error(`Backup run ended ${summary.status}, expected completed.`);
  return summary;
}

const modeOf = (summary: RunSummary) => (summary.mode === "scan" ? `scan (${summary.reason ?? "?"})` : (summary.mode ?? "?"));
const missedByLog = (summary: RunSummary) => summary.tables.reduce((sum, t) => sum + (t.missedByLog ?? 0), 0);
const changedInRun = (summary: RunSummary) => summary.tables.reduce((sum, t) => sum + t.changed + t.deleted, 0);
/** Primary pages a scan read: one backup:readPage call each (a page read again to fit counts again). */
const pagesRead = (detail: RunIoDetail) =>
  Object.entries(detail.calls.primary)
    .filter(([path]) => path.endsWith(":readPage"))
    .reduce((sum, [, io]) => sum + io.calls, 0);

/** A seed-style or bare copy of `primary` into `receiver`. */
async function copyInto(
  primary: PrimaryDeployment,
  receiver: Receiver,
  copy: typeof seedStyleBackup,
): Promise<{ figures: RunFigures; detail: RunIoDetail }> {
  const run = await measure({ primary: primary.io, backup: receiver.io, server: receiver.server }, () => copy(primary, receiver));
  // Every document a receiver writes is a backup copy of one document.
  return { figures: figures(run, run.io.backup.docsWritten), detail: run.detail };
}

/** A backup run of pair `a`'s primary into its own backup; versions counted in the backup. */
async function ourRun(
  a: Deployments,
  args: { reconcile?: boolean } = {},
  options: { collect?: boolean } = {},
): Promise<{ run: Measured<RunSummary>; figures: RunFigures }> {
  const run = await measure({ primary: a.primary.io, backup: a.backup.io, server: a.backup.server }, () => runNow(a.primary, args), options);
  const versions = await versionsWrittenBy(a.backup, await newestRunSeq(a.backup));
  return { run, figures: figures(run, versions) };
}

/** A full run of `a`'s primary into a new, empty backup deployment (closed afterwards); returns its time. */
async function fullRunIntoFreshBackup(a: Deployments, latencyMs: number): Promise<number> {
  const pair = await startDeployments({ secret: a.secret });
  a.primary.env.BACKUP_URL = pair.backup.server.url;
  try {
    pair.backup.server.setLatency(latencyMs);
    const run = await measure({ primary: null, backup: null, server: null }, () => runNow(a.primary));
    return run.ms;
  } finally {
    a.primary.env.BACKUP_URL = a.backup.server.url;
    await pair.close();
  }
}

type Step = <T>(label: string, work: () => Promise<T>) => Promise<T>;

/**
 * Bare copy, full run (and a full run at LATENCY_MS when asked), REPEATS
 * times in turn. The first full run goes into `a`'s own backup (it is the
 * measured "first run"), the others into fresh backups. A full run into a
 * fresh backup sweeps the change log it scans, so nothing may be waiting in
 * the log for `a`'s backup when this runs (right after seeding, nothing is).
 */
async function interleavedFullRuns(a: Deployments, step: Step, withLatency: boolean) {
  const bareMs: number[] = [];
  const fullMs: number[] = [];
  const full50Ms: number[] = [];
  let bare: { figures: RunFigures; detail: RunIoDetail } | null = null;
  let full: { run: Measured<RunSummary>; figures: RunFigures } | null = null;
  for (let i = 0; i < REPEATS; i++) {
    const receiver = await startReceiver();
    try {
      const copy = await step(`bare copy ${i + 1}/${REPEATS}`, () => copyInto(a.primary, receiver, bareCopy));
      bareMs.push(copy.figures.ms);
      bare ??= copy;
    } finally {
      await receiver.close();
    }
    if (i === 0) {
      full = await step(`full run ${i + 1}/${REPEATS} (into the backup kept for the next steps)`, () => ourRun(a));
      fullMs.push(full.figures.ms);
    } else {
      fullMs.push(await step(`full run ${i + 1}/${REPEATS} (into a fresh backup)`, () => fullRunIntoFreshBackup(a, 0)));
    }
    if (withLatency) {
      full50Ms.push(await step(`full run at ${LATENCY_MS} ms ${i + 1}/${REPEATS} (fresh backup)`, () => fullRunIntoFreshBackup(a, LATENCY_MS)));
    }
  }
  return { bare: bare!, full: full!, bareMs, fullMs, full50Ms };
}

/** The run of REPEATS whose peak is the median. */
function medianHeap(runs: HeapFigures[], docs: number): HeapFigures & { docs: number } {
  const sorted = [...runs].sort((x, y) => x.runPeakBytes - y.runPeakBytes);
  return { ...sorted[Math.floor(sorted.length / 2)]!, docs };
}

type Shop = { pair: Deployments; ids: ShopIds; docs: number };

/** What a memory measurement runs: a changed hour through the log, or a reconciliation scan. */
type MemoryRun = "changed" | "scan";

/** Prepares run `i` of kind `kind` on `shop`: its own 1 % change, through the log or behind it. */
async function prepareMemoryRun(kind: MemoryRun, shop: Shop, seed: number): Promise<void> {
  if (kind === "changed") {
    await changeShop(shop.pair.primary, shop.ids, changeOptions(shop.docs, seed));
    return;
  }
  // A scheduled reconciliation that finds 1 % changed behind the log: every page is diffed and sent.
  await changeUnlogged(shop.pair.primary, shop.ids, CHANGE_FRACTION, seed);
  await makeReconciliationDue(shop.pair.backup);
}

/** One memory measurement: a run of `kind` on `shop` after its own 1 % change, under the heap sampler. */
async function memoryRun(kind: MemoryRun, shop: Shop, seed: number, step: Step, label: string): Promise<HeapFigures> {
  await prepareMemoryRun(kind, shop, seed);
  collectGarbage();
  const what = kind === "changed" ? "changed run" : "reconciliation scan";
  const { heap } = await step(`memory: ${what} at ${shop.docs} documents ${label}`, () => measureHeap(() => runNow(shop.pair.primary)));
  return heap;
}

/** Memory at two sizes from REPEATS runs each: the runs whose peaks are the medians, and their ratio. */
function memoryFigures(tenth: HeapFigures[], tenthDocs: number, full: HeapFigures[], fullDocs: number): MemoryFigures {
  const t = medianHeap(tenth, tenthDocs);
  const f = medianHeap(full, fullDocs);
  return { tenth: t, full: f, ratio: Math.max(HEAP_FLOOR_BYTES, f.runPeakBytes) / Math.max(HEAP_FLOOR_BYTES, t.runPeakBytes) };
}

/** REPEATS memory runs of `kind` on one shop. */
async function memoryRuns(kind: MemoryRun, shop: Shop, firstSeed: number, step: Step): Promise<HeapFigures[]> {
  const heaps: HeapFigures[] = [];
  for (let i = 0; i < REPEATS; i++) heaps.push(await memoryRun(kind, shop, firstSeed + i, step, `${i + 1}/${REPEATS}`));
  return heaps;
}

/** Memory of runs of `kind` on two shops, interleaved; the median of each. */
async function interleavedMemory(tenth: Shop, full: Shop, step: Step, firstSeed: number, kind: MemoryRun): Promise<MemoryFigures> {
  const peaks: { tenth: HeapFigures[]; full: HeapFigures[] } = { tenth: [], full: [] };
  for (let i = 0; i < REPEATS; i++) {
    peaks.tenth.push(await memoryRun(kind, tenth, firstSeed + i, step, `${i + 1}/${REPEATS}`));
    peaks.full.push(await memoryRun(kind, full, firstSeed + i, step, `${i + 1}/${REPEATS}`));
  }
  return memoryFigures(peaks.tenth, tenth.docs, peaks.full, full.docs);
}

/**
 * Every path once on a small shop, unmeasured: the first calls in a process
 * pay for compiling the code, which would otherwise be charged to whichever
 * run comes first.
 */
async function warmUp(): Promise<void> {
  const pair = await startDeployments();
  const receiver = await startReceiver();
  try {
    const ids = await seedShop(pair.primary, shopSizeFor(2_000));
    await seedStyleBackup(pair.primary, receiver);
    await bareCopy(pair.primary, receiver);
    await runNow(pair.primary);
    await changeShop(pair.primary, ids, changeOptions(2_000, 99));
    await runNow(pair.primary);
    await changeUnlogged(pair.primary, ids, CHANGE_FRACTION, 99);
    await runNow(pair.primary, { reconcile: true });
  } finally {
    await receiver.close();
    await pair.close();
  }
}

/** A shop of `docs` documents in a pair of its own, backed up once. */
async function backedUpShop(docs: number, step: Step): Promise<Shop> {
  const pair = await startDeployments();
  try {
    const ids = await step(`seed ${docs} documents (own pair) and back them up`, async () => {
      const seeded = await seedShop(pair.primary, shopSizeFor(docs));
      await runNow(pair.primary);
      return seeded;
    });
    return { pair, ids, docs };
  } catch (error) {
    await pair.close();
    throw error;
  }
}

/** The second size: full run vs bare copy and memory, each interleaved. */
async function secondSize(docs: number, step: Step): Promise<SizeFigures> {
  const big = await startDeployments();
  let small: Shop | null = null;
  try {
    const ids = await step(`second size: seed ${docs} documents`, () => seedShop(big.primary, shopSizeFor(docs)));
    const runs = await interleavedFullRuns(big, step, false);
    small = await backedUpShop(Math.max(100, Math.round(docs / 10)), step);
    const memory = await interleavedMemory(small, { pair: big, ids, docs }, step, 11, "changed");
    const scanMemory = await interleavedMemory(small, { pair: big, ids, docs }, step, 41, "scan");
    return {
      docs,
      fullMs: runs.fullMs,
      bareMs: runs.bareMs,
      fullVsBare: median(runs.fullMs) / median(runs.bareMs),
      memory,
      scanMemory,
      fullIo: runs.full.figures.io,
      bareIo: runs.bare.figures.io,
    };
  } finally {
    if (small !== null) await small.pair.close();
    await big.close();
  }
}

export async function runBenchmark(options: BenchOptions = {}): Promise<BenchResult> {
  try {
    return await measureEverything(options);
  } finally {
    // Every deployment that saw the simulated hours is closed by now.
    resetClock();
  }
}

async function measureEverything(options: BenchOptions): Promise<BenchResult> {
  const docs = options.docs ?? DEFAULT_DOCS;
  const secondDocs = options.secondDocs ?? DEFAULT_SECOND_DOCS;
  const log = options.log ?? (() => undefined);
  const benchStarted = performance.now();
  exposedGc();
  // A step that throws (a Convex limit exceeded, a failed run) ends the benchmark, named.
  const step: Step = async (label, work) => {
    const started = performance.now();
    try {
      const result = await work();
      log(`  ${label} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`Benchmark step "${label}" failed: ${message}`, { cause: error });
    }
  };

  await step("warm-up: 2000 documents through every path (not measured)", warmUp);

  // Step 1: the second size, in pairs of its own (closed before the main size starts).
  const second = secondDocs > 0 && secondDocs !== docs ? await secondSize(secondDocs, step) : null;
  // File storage, on a pair of its own: what the first and an ordinary hour copy.
  const files = await measureFiles(Math.max(1_000, Math.round(docs / 10)), step);

  // Step 2: memory at 10 % of the main size, before the main deployments
  // exist: with them in the heap each forced collection takes a good part of
  // a second, and the live samples would miss a short run's peak.
  const tenth = await backedUpShop(Math.max(100, Math.round(docs / 10)), step);
  let tenthMemory: { changed: HeapFigures[]; scan: HeapFigures[] };
  try {
    tenthMemory = { changed: await memoryRuns("changed", tenth, 4, step), scan: await memoryRuns("scan", tenth, 51, step) };
  } finally {
    await tenth.pair.close();
  }
  const window168 = await measureWeeklyWindow(docs, DAY_HOURS, step, (pair) => ourRun(pair, {}, SIMULATED_HOUR));

  // Step 3: pair A and the seed-style baseline.
  const a: Deployments = await startDeployments();
  try {
    const ids: ShopIds = await step(`seed ${docs} documents`, () => seedShop(a.primary, shopSizeFor(docs)));
    const receiver = await startReceiver();
    let baselineFirst: { figures: RunFigures; detail: RunIoDetail };
    let baseline: { figures: RunFigures; detail: RunIoDetail };
    try {
      baselineFirst = await step("baseline: seed-style first copy", () => copyInto(a.primary, receiver, seedStyleBackup));
      baseline = await step("baseline: seed-style hourly upsert of everything", () => copyInto(a.primary, receiver, seedStyleBackup));
    } finally {
      await receiver.close();
    }

    // Step 4: bare copy / full run / full run at 50 ms, interleaved.
    const interleaved = await interleavedFullRuns(a, step, true);
    const full = interleaved.full;
    const ioDetail: Partial<Record<RunName, RunIoDetail>> = {};
    const modes: Partial<Record<RunName, string>> = { full: modeOf(full.run.result) };

    // Step 5: the first hour after the scan and a day of idle hours (the first of them is the
    // measured idle hour), the 1 %-changed hour through the log, and the retention pass after it.
    const held: { probes?: Probes } = {};
    const insertOnePercent = async () => {
      const inserts = Math.max(1, Math.round(docs * CHANGE_FRACTION));
      return (await changeShop(a.primary, ids, { fraction: 0, deletes: 0, inserts, seed: 3 })).inserted;
    };
    const daily = await step(`verifyEveryHours 24: the first hour after the scan, then ${DAY_HOURS} idle hours`, () =>
      firstHourAndDay(() => ourRun(a, {}, SIMULATED_HOUR), {
        docs,
        tableSizes: Object.values(shopSizeFor(docs)),
        everyHours: 24,
        hours: DAY_HOURS,
        interlude: async () => {
          const { probes, movedMs } = await probesAfterPass(() => ourRun(a, {}, SIMULATED_HOUR), insertOnePercent);
          held.probes = probes;
          return movedMs;
        },
      }),
    );
    const probes = held.probes!;
    const idle = daily.firstIdle;
    modes.idle = modeOf(idle.run.result);
    const prune = async () => {
      await a.backup.t.mutation(backupInternal.retention.prune, { policy: PRUNE_ALL_BUT_NEWEST });
      // Each step schedules the next (runAfter 0): run them all to the end.
      await a.backup.t.finishAllScheduledFunctions(() => undefined);
    };
    // Retention catches up with the first run's record (a one-off), so the measured pass is an ordinary hour's.
    await step("retention: catch up after the first run (not measured)", prune);
    // The change half an hour before the next hourly run: its inserts are in that run's new-documents window.
    advanceClock(HOUR_MS / 2);
    const change = await step("change 1 % of documents through the app's mutations", () => changeShop(a.primary, ids, changeOptions(docs, 2)));
    // The app's own change-log rows, written by those mutations (the run drains and deletes them).
    const logRows = await logRowsWritten(a.primary);
    const changedDocs = changedDocuments(change);
    advanceClock(HOUR_MS / 2);
    const changed = await step("1 % changed hour: run through the log", () => ourRun(a));
    modes.changed = modeOf(changed.run.result);
    const recordsAtPrune = await runRecords(a.backup);
    const retention = await step("retention pass after that hour", () =>
      measure({ primary: null, backup: a.backup.io, server: null }, prune),
    );
    const pruneSteps = retention.detail.calls.backup["retention:prune"]?.calls ?? 1;

    // Step 6: reconciliations and verify.
    const unloggedScheduled = await step("change 1 % behind the change log (t.run patches)", () =>
      changeUnlogged(a.primary, ids, CHANGE_FRACTION, 21),
    );
    await makeReconciliationDue(a.backup);
    const reconcileChanged = await step("scheduled reconciliation finding them", () => ourRun(a));
    modes.reconcileChanged = modeOf(reconcileChanged.run.result);
    const unloggedAsked = await step("change 1 % behind the change log again", () => changeUnlogged(a.primary, ids, CHANGE_FRACTION, 22));
    const reconcileAsked = await step("runNow({ reconcile: true }) finding them", () => ourRun(a, { reconcile: true }));
    modes.reconcileAsked = modeOf(reconcileAsked.run.result);
    await makeReconciliationDue(a.backup);
    const reconcileUnchanged = await step("scheduled reconciliation of unchanged data", () => ourRun(a));
    modes.reconcileUnchanged = modeOf(reconcileUnchanged.run.result);
    const verify = await step("backup:verify", () =>
      measure({ primary: a.primary.io, backup: a.backup.io, server: a.backup.server }, async () => {
        const report = await a.primary.t.action(internal.backup.verify, {});
        if (!report.ok) throw new Error("backup:verify found differences right after a reconciliation.");
        return report;
      }),
    );

    // Step 7: changed runs at 0 ms and at 50 ms, interleaved, each after its own 1 % change.
    const changedMs: number[] = [];
    const changed50Ms: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      for (const latency of [0, LATENCY_MS]) {
        await changeShop(a.primary, ids, changeOptions(docs, 30 + 2 * i + (latency > 0 ? 1 : 0)));
        a.backup.server.setLatency(latency);
        const run = await step(`changed run at ${latency} ms ${i + 1}/${REPEATS}`, () =>
          measure({ primary: null, backup: null, server: null }, () => runNow(a.primary)),
        );
        (latency > 0 ? changed50Ms : changedMs).push(run.ms);
      }
    }
    a.backup.server.setLatency(0);

    // Then memory at the main size (the 10 % size was measured in step 2).
    const shopA: Shop = { pair: a, ids, docs };
    const memory = memoryFigures(tenthMemory.changed, tenth.docs, await memoryRuns("changed", shopA, 4, step), docs);
    const scanMemory = memoryFigures(tenthMemory.scan, tenth.docs, await memoryRuns("scan", shopA, 51, step), docs);

    // Step 8: restore ZIP of the latest point vs a bare read of the same
    // documents, interleaved and timed without the heap sampler (its forced
    // collections of the deployments' large heap would be charged to the
    // restore); then the restore once more under the sampler for its memory.
    const out = join(tmpdir(), `bench-restore-${process.pid}-${Date.now()}.zip`);
    const writeZip = () => writeRestoreZip({ url: a.backup.server.url, secret: a.restoreSecret, run: "latest", out });
    const zipMs: number[] = [];
    const readMs: number[] = [];
    let restoreRun: Measured<Awaited<ReturnType<typeof writeZip>>> | null = null;
    let read: Awaited<ReturnType<typeof bareReadOfBackup>> | null = null;
    let restoreHeap: HeapFigures;
    try {
      for (let i = 0; i < REPEATS; i++) {
        collectGarbage();
        read = await step(`bare read of the backup ${i + 1}/${REPEATS}`, () => bareReadOfBackup(a.backup.server.url, a.restoreSecret));
        readMs.push(read.ms);
        const zip = await step(`restore ZIP ${i + 1}/${REPEATS}`, () =>
          measure({ primary: null, backup: a.backup.io, server: a.backup.server }, writeZip),
        );
        zipMs.push(zip.ms);
        restoreRun ??= zip;
      }
      restoreHeap = (await step("restore ZIP under the heap sampler", () => measureHeap(writeZip))).heap;
    } finally {
      rmSync(out, { force: true });
    }
    const restoreResult = restoreRun!.result;
    const restore = {
      zipMs: Math.round(median(zipMs)),
      zipBytes: restoreResult.bytes,
      documents: restoreResult.tables.reduce((sum, t) => sum + t.documents, 0),
      readMs: Math.round(median(readMs)),
      readDocuments: read!.documents,
      heap: restoreHeap,
    };

    // The figures.
    const runs: Record<RunName, RunFigures> = {
      baselineFirst: baselineFirst.figures,
      baseline: baseline.figures,
      bare: interleaved.bare.figures,
      full: full.figures,
      idle: idle.figures,
      changed: changed.figures,
      retention: figures(retention, 0),
      reconcileChanged: reconcileChanged.figures,
      reconcileAsked: reconcileAsked.figures,
      reconcileUnchanged: reconcileUnchanged.figures,
      verify: figures(verify, 0),
      restore: figures(restoreRun!, 0),
    };
    Object.assign(ioDetail, {
      baselineFirst: baselineFirst.detail,
      baseline: baseline.detail,
      bare: interleaved.bare.detail,
      full: full.run.detail,
      idle: idle.run.detail,
      changed: changed.run.detail,
      retention: retention.detail,
      reconcileChanged: reconcileChanged.run.detail,
      reconcileAsked: reconcileAsked.run.detail,
      reconcileUnchanged: reconcileUnchanged.run.detail,
      verify: verify.detail,
      restore: restoreRun!.detail,
    });

    const doc = meanDocument(runs.bare.io.primary);
    const idealIo = idealChangedHour(changedDocs, doc);
    const pages = {
      reconcileUnchanged: pagesRead(reconcileUnchanged.run.detail),
      reconcileAsked: pagesRead(reconcileAsked.run.detail),
      reconcileChanged: pagesRead(reconcileChanged.run.detail),
    };
    // Rolling verification, measured at both windows: a day's runs, per run (their mean).
    const window24: WindowFigures = { everyHours: 24, first: daily.first, day: daily.day };
    const changedVerify = verificationShare(changed.run.detail);
    const verification = { window24, window168, probes, changed24: changedVerify, logRows };
    const billableShare = (x: Share) => ({ primary: x.primaryBillable, backup: x.backupBillable });
    const perRun = (w: WindowFigures) => billableShare(w.day.perRunOfPass);
    const projectionInputs: Omit<ProjectionInputs, "docs"> = {
      idle: runs.idle.io,
      changed: runs.changed.io,
      retention: runs.retention.io,
      retentionPlanning: { steps: pruneSteps, recordsBillable: recordsAtPrune.billable, recordsRaw: recordsAtPrune.raw, recordCount: recordsAtPrune.count },
      reconcileUnchanged: runs.reconcileUnchanged.io,
      baseline: runs.baseline.io,
      ideal: idealIo,
      verification: { 24: perRun(window24), 168: perRun(window168) },
      runVerification: {
        idle: billableShare(verificationShare(idle.run.detail)),
        changed: billableShare(changedVerify),
        insertsCheck: billableShare(probes.inserts.share),
      },
      logRows: { billable: logRows.billable, raw: logRows.raw },
    };
    const steadyRunRecords = steadyStateRunRecords();
    const latencyFull = median(interleaved.full50Ms) / median(interleaved.fullMs);
    const latencyChanged = median(changed50Ms) / median(changedMs);
    return {
      docs,
      runs,
      ratios: {
        unchangedBytesVsBaseline: runs.idle.bytes / runs.baseline.bytes,
        changedBytesVsBaseline: runs.changed.bytes / runs.baseline.bytes,
        changedWritesPerChangedDoc: runs.changed.writes / Math.max(1, changedDocs),
        changedRowsPerChangedDoc: runs.changed.rowsWritten / Math.max(1, changedDocs),
        changedBytesWrittenVsBaseline: runs.changed.bytesWritten / Math.max(1, runs.baseline.bytesWritten),
        fullVsBare: median(interleaved.fullMs) / median(interleaved.bareMs),
        fullVsBareSecondSize: second?.fullVsBare ?? null,
        latency50VsZero: Math.max(latencyFull, latencyChanged),
        latency50VsZeroFull: latencyFull,
        latency50VsZeroChanged: latencyChanged,
        heapFullVsTenth: memory.ratio,
        heapFullVsTenthSecondSize: second?.memory.ratio ?? null,
        heapScanFullVsTenth: scanMemory.ratio,
        heapScanFullVsTenthSecondSize: second?.scanMemory.ratio ?? null,
        restoreVsRead: median(zipMs) / median(readMs),
        // The change's own cost: the run's verification (reported on its own) left out.
        changedIoVsIdeal: (billableBoth(runs.changed.io) - shareBillable(changedVerify)) / billableBoth(idealIo),
        changedIoVsIdealWithVerification: billableBoth(runs.changed.io) / billableBoth(idealIo),
        // An idle hour with no slice due: measured, between the first pass's end and the next pass.
        idleIoBytes: probes.noSlice.runBillable,
        idleIoBytesWithVerification: billableBoth(runs.idle.io),
        reconcileBackupReadsPerPage: runs.reconcileUnchanged.io.backup.docsRead / Math.max(1, pages.reconcileUnchanged),
        reconcileAskedBackupReadsPerPage: runs.reconcileAsked.io.backup.docsRead / Math.max(1, pages.reconcileAsked),
      },
      details: {
        verification,
        changedDocs,
        change,
        modes,
        unlogged: {
          scheduled: {
            changed: unloggedScheduled,
            found: changedInRun(reconcileChanged.run.result),
            missedByLog: missedByLog(reconcileChanged.run.result),
          },
          asked: { changed: unloggedAsked, found: changedInRun(reconcileAsked.run.result), missedByLog: missedByLog(reconcileAsked.run.result) },
        },
        ideal: { definition: IDEAL_DEFINITION, changedDocs, meanDocument: doc, io: idealIo, billable: billableBoth(idealIo) },
        projection: {
          method: PROJECTION_METHOD,
          steadyRunRecords,
          inputs: projectionInputs,
          rows: projectMonth({ docs, ...projectionInputs }, steadyRunRecords),
        },
        ioDetail: ioDetail as Record<RunName, RunIoDetail>,
        pages,
        timings: {
          fullMs: interleaved.fullMs.map(Math.round),
          bareMs: interleaved.bareMs.map(Math.round),
          full50Ms: interleaved.full50Ms.map(Math.round),
          changedMs: changedMs.map(Math.round),
          changed50Ms: changed50Ms.map(Math.round),
          zipMs: zipMs.map(Math.round),
          readMs: readMs.map(Math.round),
        },
        latency: { fullMs: Math.round(median(interleaved.full50Ms)), changedMs: Math.round(median(changed50Ms)), latencyMs: LATENCY_MS },
        memory,
        scanMemory,
        secondSize: second,
        restore,
        files,
        totalMs: Math.round(performance.now() - benchStarted),
      },
    };
  } finally {
    await a.close();
  }
}
