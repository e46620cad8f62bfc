// Benchmark only: every figure of `npm run bench`, measured side by side in
// one process on the in-process deployments (harness/deployments.ts).
// scripts/bench.ts is the CLI; tests/bench.test.ts runs it small.
//
// Order (each step's state is what the next one needs):
//   1. memory at 10 %: its own pair; seed, first run, 1 % change, changed run sampled.
//   2. pair A seeded with the full size; the seed-style baseline and the bare
//      copy read it into their own receivers (closed afterwards).
//   3. full, unchanged: A's primary into A's backup.
//   4. full at 50 ms: A's primary into a second, empty backup B (same data).
//   5. 1 % change on A's primary; changed run into A's backup, then the same
//      change into B (same state as A's backup had) at 50 ms.
//   6. memory at full size: another 1 % change, changed run into A, sampled.
//   7. restore: the ZIP of A's latest run vs a bare read of A's backup.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { internal } from "../convex/_generated/api";
import backupSchema from "../backup-convex/convex/schema";
import { startDeployments, type Deployments, type PrimaryDeployment } from "../harness/deployments";
import { changeShop, seedShop, type ChangeReport, type ShopIds } from "../harness/shopData";
import { writeRestoreZip } from "../scripts/restore/writeRestoreZip";
import { bareCopy, seedStyleBackup } from "./copyClients";
import { countWrites, snapshot, type Snapshot, type Writes } from "./documentWrites";
import { exposedGc, measureHeap, type HeapFigures } from "./heapSampler";
import { RECEIVER_TABLES, startReceiver } from "./receivers";
import { shopSizeFor } from "./shopSize";
import { bareReadOfBackup } from "./bareRead";

export const DEFAULT_DOCS = 100_000;
export const LATENCY_MS = 50;
export const CHANGE_FRACTION = 0.01;
/** Peaks below this are sampling noise: the memory ratio counts them as this much. */
export const HEAP_FLOOR_BYTES = 1024 * 1024;
const BACKUP_TABLES = Object.keys(backupSchema.tables);

/**
 * `writes`: backup documents written (versions for our runs, upserted or
 * inserted copies for the baseline and bare runs); `rowsWritten` counts every
 * row the backup deployment inserted, rewrote or deleted (for ours also the
 * version's content row, the closing of the previous version and the batch
 * record), `bytesWritten` their size.
 */
export type RunFigures = { ms: number; bytes: number; requests: number; writes: number; rowsWritten: number; bytesWritten: number };
export type RunName = "baseline" | "full" | "unchanged" | "changed" | "bare";

export type BenchResult = {
  docs: number;
  runs: Record<RunName, RunFigures>;
  ratios: {
    unchangedBytesVsBaseline: number;
    changedBytesVsBaseline: number;
    changedWritesPerChangedDoc: number;
    /** Every row the backup deployment wrote per changed document (informative). */
    changedRowsPerChangedDoc: number;
    /** Bytes the backup deployment wrote in the changed run vs the baseline's run. */
    changedBytesWrittenVsBaseline: number;
    fullVsBare: number;
    /** The worse of the two runs below. */
    latency50VsZero: number;
    latency50VsZeroFull: number;
    latency50VsZeroChanged: number;
    heapFullVsTenth: number;
    restoreVsRead: number | null;
  };
  details: {
    bytesUp: Record<RunName, number>;
    bytesDown: Record<RunName, number>;
    changedDocs: number;
    change: ChangeReport;
    latency: { fullMs: number; changedMs: number; latencyMs: number };
    memory: { tenth: HeapFigures & { docs: number }; full: HeapFigures & { docs: number } };
    restore: { zipMs: number; zipBytes: number; documents: number; readMs: number; readDocuments: number; heap: HeapFigures } | null;
    totalMs: number;
  };
};

export type BenchOptions = { docs?: number; log?: (line: string) => void };

type Traffic = { bytesUp: number; bytesDown: number; requests: number };

function changeOptions(docs: number, seed: number) {
  const few = Math.max(2, Math.round(docs / 10_000));
  return { fraction: CHANGE_FRACTION, deletes: few, inserts: few, seed };
}

function changedDocuments(change: ChangeReport): number {
  return change.updated + change.deleted + change.inserted;
}

/** Times `work` and reads the traffic it caused on `server` (stats reset first). */
async function timed<T>(
  server: { stats: { requests: number; bytesIn: number; bytesOut: number }; resetStats(): void },
  work: () => Promise<T>,
): Promise<{ result: T; ms: number; traffic: Traffic }> {
  server.resetStats();
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  const { requests, bytesIn, bytesOut } = server.stats;
  return { result, ms, traffic: { bytesUp: bytesIn, bytesDown: bytesOut, requests } };
}

async function runNow(primary: PrimaryDeployment): Promise<void> {
  const summary = await primary.t.action(internal.backup.runNow, {});
  if (summary.status !== "completed") throw new Error(`Backup run ended ${summary.status}, expected completed.`);
}

// A run's peak depends on how many pages happen to be in flight at once, so
// each size takes the highest of a few changed runs.
const MEMORY_REPEATS = 3;

/** The highest peak of MEMORY_REPEATS changed runs, each after its own 1 % change. */
async function peakOfChangedRuns(
  primary: PrimaryDeployment,
  ids: ShopIds,
  docs: number,
  firstSeed: number,
): Promise<HeapFigures & { docs: number }> {
  let highest: HeapFigures | null = null;
  for (let i = 0; i < MEMORY_REPEATS; i++) {
    await changeShop(primary, ids, changeOptions(docs, firstSeed + 2 * i));
    const { heap } = await measureHeap(() => runNow(primary));
    if (highest === null || heap.runPeakBytes > highest.runPeakBytes) highest = heap;
  }
  return { ...highest!, docs };
}

/** Memory of changed runs on a shop of `docs` documents, in a pair of its own. */
async function changedRunMemory(docs: number): Promise<HeapFigures & { docs: number }> {
  const pair = await startDeployments();
  try {
    const ids = await seedShop(pair.primary, shopSizeFor(docs));
    await runNow(pair.primary);
    return await peakOfChangedRuns(pair.primary, ids, docs, 3);
  } finally {
    await pair.close();
  }
}

export async function runBenchmark(options: BenchOptions = {}): Promise<BenchResult> {
  const docs = options.docs ?? DEFAULT_DOCS;
  const log = options.log ?? (() => undefined);
  const benchStarted = performance.now();
  exposedGc();
  // A step that throws (a Convex limit exceeded, a failed run) ends the benchmark, named.
  const step = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
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

  // Step 1: memory at 10 % of the size, before the big deployments exist.
  const tenthDocs = Math.max(100, Math.round(docs / 10));
  const memoryTenth = await step(`memory: changed runs at ${tenthDocs} documents`, () => changedRunMemory(tenthDocs));

  // Step 2: pair A, the baseline and the bare copy.
  const a: Deployments = await startDeployments();
  let b: Deployments | null = null;
  try {
    const ids: ShopIds = await step(`seed ${docs} documents`, () => seedShop(a.primary, shopSizeFor(docs)));

    const measureReceiver = async (label: string, copy: typeof seedStyleBackup) => {
      const receiver = await startReceiver();
      try {
        const run = await step(label, () => timed(receiver.server, () => copy(a.primary, receiver)));
        const counted = countWrites(new Map(), await snapshot(receiver.t, RECEIVER_TABLES));
        // Every row of a receiver is a backup copy of one document.
        const writes: Writes = { ...counted, versions: counted.rows };
        return { ms: run.ms, traffic: run.traffic, writes };
      } finally {
        await receiver.close();
      }
    };
    const baseline = await measureReceiver("baseline: seed-style upsert of every document", seedStyleBackup);
    const bare = await measureReceiver("bare: paginate and POST each page", bareCopy);

    // Step 3: our full and unchanged runs.
    const ourRun = async (label: string, pair: Deployments, before: Snapshot | null) => {
      const run = await step(label, () => timed(pair.backup.server, () => runNow(a.primary)));
      if (before === null) return { run, writes: { rows: 0, bytes: 0, versions: 0 }, after: null };
      const after = await snapshot(pair.backup.t, BACKUP_TABLES);
      return { run, writes: countWrites(before, after), after };
    };
    const full = await ourRun("full: first run", a, new Map());
    const unchanged = await ourRun("unchanged: second run, nothing changed", a, full.after);

    // Step 4: the full run again over a 50 ms link, into an empty backup B.
    b = await startDeployments({ secret: a.secret });
    const pointAt = (pair: Deployments) => {
      a.primary.env.BACKUP_URL = pair.backup.server.url;
    };
    pointAt(b);
    b.backup.server.setLatency(LATENCY_MS);
    const fullSlow = await ourRun(`full at ${LATENCY_MS} ms per request`, b, null);
    pointAt(a);

    // Step 5: 1 % changed, into A at 0 ms, then into B (same state) at 50 ms.
    const change = await step("change 1 % of documents", () => changeShop(a.primary, ids, changeOptions(docs, 2)));
    const changed = await ourRun("changed: run after the change", a, unchanged.after);
    pointAt(b);
    const changedSlow = await ourRun(`changed at ${LATENCY_MS} ms per request`, b, null);
    pointAt(a);
    await b.close();
    b = null;

    // Step 6: memory at full size, the same way as at 10 %.
    const memoryFull = await step(`memory: changed runs at ${docs} documents`, () =>
      peakOfChangedRuns(a.primary, ids, docs, 4),
    );

    // Step 7: restore ZIP of the latest run vs a bare read of the same documents,
    // both timed without the heap sampler (its forced collections of the
    // deployments' large heap would be charged to the restore), then the
    // restore once more under the sampler for its memory.
    const restore = await step("restore: ZIP of the latest run, a bare read, and the ZIP's memory", async () => {
      const out = join(tmpdir(), `bench-restore-${process.pid}-${Date.now()}.zip`);
      const writeZip = () => writeRestoreZip({ url: a.backup.server.url, secret: a.secret, run: "latest", out });
      try {
        const read = await bareReadOfBackup(a.backup.server.url, a.secret);
        const started = performance.now();
        const result = await writeZip();
        const zipMs = performance.now() - started;
        const { heap } = await measureHeap(writeZip);
        const documents = result.tables.reduce((sum, t) => sum + t.documents, 0);
        return { zipMs, zipBytes: result.bytes, documents, readMs: read.ms, readDocuments: read.documents, heap };
      } finally {
        rmSync(out, { force: true });
      }
    });

    const figures = (
      run: { ms: number; traffic: Traffic },
      writes: Writes,
    ): RunFigures => ({
      ms: Math.round(run.ms),
      bytes: run.traffic.bytesUp + run.traffic.bytesDown,
      requests: run.traffic.requests,
      writes: writes.versions,
      rowsWritten: writes.rows,
      bytesWritten: writes.bytes,
    });
    const runs: Record<RunName, RunFigures> = {
      baseline: figures(baseline, baseline.writes),
      full: figures(full.run, full.writes),
      unchanged: figures(unchanged.run, unchanged.writes),
      changed: figures(changed.run, changed.writes),
      bare: figures(bare, bare.writes),
    };
    const traffic: Record<RunName, Traffic> = {
      baseline: baseline.traffic,
      full: full.run.traffic,
      unchanged: unchanged.run.traffic,
      changed: changed.run.traffic,
      bare: bare.traffic,
    };
    const pick = (key: "bytesUp" | "bytesDown") =>
      Object.fromEntries(Object.entries(traffic).map(([name, t]) => [name, t[key]])) as Record<RunName, number>;
    const changedDocs = changedDocuments(change);
    const latencyFull = fullSlow.run.ms / full.run.ms;
    const latencyChanged = changedSlow.run.ms / changed.run.ms;
    return {
      docs,
      runs,
      ratios: {
        unchangedBytesVsBaseline: runs.unchanged.bytes / runs.baseline.bytes,
        changedBytesVsBaseline: runs.changed.bytes / runs.baseline.bytes,
        changedWritesPerChangedDoc: runs.changed.writes / Math.max(1, changedDocs),
        changedRowsPerChangedDoc: runs.changed.rowsWritten / Math.max(1, changedDocs),
        changedBytesWrittenVsBaseline: runs.changed.bytesWritten / Math.max(1, runs.baseline.bytesWritten),
        fullVsBare: full.run.ms / bare.ms,
        latency50VsZero: Math.max(latencyFull, latencyChanged),
        latency50VsZeroFull: latencyFull,
        latency50VsZeroChanged: latencyChanged,
        heapFullVsTenth:
          Math.max(HEAP_FLOOR_BYTES, memoryFull.runPeakBytes) / Math.max(HEAP_FLOOR_BYTES, memoryTenth.runPeakBytes),
        restoreVsRead: restore.zipMs / restore.readMs,
      },
      details: {
        bytesUp: pick("bytesUp"),
        bytesDown: pick("bytesDown"),
        changedDocs,
        change,
        latency: { fullMs: Math.round(fullSlow.run.ms), changedMs: Math.round(changedSlow.run.ms), latencyMs: LATENCY_MS },
        memory: { tenth: memoryTenth, full: memoryFull },
        restore,
        totalMs: Math.round(performance.now() - benchStarted),
      },
    };
  } finally {
    if (b !== null) await b.close();
    await a.close();
  }
}
