// Benchmark only: how much memory a run itself holds, measured in the one
// process that also holds the in-process deployments' data.
//
// Method: collect garbage, note the heap in use with the deployments idle
// (the baseline: their stored documents and indexes). While the run goes,
// sample the heap every few ms (raw peak, garbage included) and, when the
// garbage collector is exposed, collect garbage at intervals and sample
// what is still live (live peak). After the run, collect garbage again: the
// growth over the baseline is what the deployments stored (new versions).
// The run's own peak = live peak - baseline - that growth. The raw peak is
// printed for information only: how much garbage piles up before V8
// collects it depends on the heap's size, not on what the run holds.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { memoryUsage } from "node:process";

export type HeapFigures = {
  /** Heap in use with the deployments idle, before the run. */
  baselineBytes: number;
  /** After the run, garbage collected: baseline + what the deployments stored. */
  afterBytes: number;
  /** Highest heap sampled during the run, garbage included. */
  rawPeakBytes: number;
  /** Highest live heap (sampled right after a collection) during the run; null without a GC. */
  livePeakBytes: number | null;
  /** The run's own peak: live peak (raw peak without a GC) - baseline - storage growth. */
  runPeakBytes: number;
  liveSamples: number;
  gcExposed: boolean;
};

let cachedGc: (() => void) | null | undefined;

/** global.gc, exposed at run time if node was not started with --expose-gc. */
export function exposedGc(): (() => void) | null {
  if (cachedGc !== undefined) return cachedGc;
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === "function") return (cachedGc = existing);
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    cachedGc = typeof gc === "function" ? (gc as () => void) : null;
  } catch {
    cachedGc = null;
  }
  return cachedGc;
}

function collect(gc: (() => void) | null): void {
  if (gc === null) return;
  gc();
  gc();
}

const RAW_EVERY_MS = 5;
const MIN_LIVE_EVERY_MS = 250;

export async function measureHeap<T>(run: () => Promise<T>): Promise<{ result: T; heap: HeapFigures }> {
  const gc = exposedGc();
  collect(gc);
  const baselineBytes = memoryUsage().heapUsed;
  let rawPeakBytes = baselineBytes;
  let livePeakBytes: number | null = null;
  let liveSamples = 0;
  const raw = setInterval(() => {
    rawPeakBytes = Math.max(rawPeakBytes, memoryUsage().heapUsed);
  }, RAW_EVERY_MS);
  let live: ReturnType<typeof setTimeout> | undefined;
  const sampleLive = () => {
    if (gc === null) return;
    const started = performance.now();
    gc();
    const used = memoryUsage().heapUsed;
    livePeakBytes = Math.max(livePeakBytes ?? 0, used);
    liveSamples += 1;
    // A full collection of a large heap takes a while: keep it to a fraction of the run.
    const took = performance.now() - started;
    live = setTimeout(sampleLive, Math.max(MIN_LIVE_EVERY_MS, took * 4));
  };
  live = setTimeout(sampleLive, MIN_LIVE_EVERY_MS / 5);
  let result: T;
  try {
    result = await run();
  } finally {
    clearInterval(raw);
    clearTimeout(live);
  }
  rawPeakBytes = Math.max(rawPeakBytes, memoryUsage().heapUsed);
  collect(gc);
  const afterBytes = memoryUsage().heapUsed;
  const growth = Math.max(0, afterBytes - baselineBytes);
  const peak = livePeakBytes ?? rawPeakBytes;
  return {
    result,
    heap: {
      baselineBytes,
      afterBytes,
      rawPeakBytes,
      livePeakBytes,
      runPeakBytes: Math.max(0, peak - baselineBytes - growth),
      liveSamples,
      gcExposed: gc !== null,
    },
  };
}
