// The backup action's memory on documents whose JSON is several times their
// size: ~1 MB descriptions of quotes and backslashes (each byte 4 on the wire:
// escaped in the document's JSON, and that JSON escaped again as a string in
// the request body) or of control characters (7 each: \\u0001). A Convex
// action has a 64 MiB V8 heap; the data path bounds pages by request bytes
// (PAGE_MAX_REQUEST_BYTES) and what is in flight (MAX_BYTES_IN_FLIGHT).
//
// Measured honestly: the backup deployment runs in a worker thread (its own
// isolate and heap, harness/workerBackup.ts), so this thread's heap holds the
// primary deployment and the backup action only. bench/heapSampler.ts takes a
// baseline after a collection with the data loaded, samples the heap during
// backup:runNow (raw, and live right after forced collections) and subtracts
// what stayed (the primary's run records). The primary's own queries
// (readPage) run in this heap too; on Convex they have isolates of their own,
// so the figure is an upper bound on the action's.
import { afterEach, beforeEach, expect, test } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryUsage } from "node:process";
import type { Value } from "convex/values";
import { internal } from "../convex/_generated/api";
import { startDeploymentsWithWorkerBackup, type WorkerDeployments } from "../harness/workerBackup";
import { measureHeap, type HeapFigures } from "../bench/heapSampler";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { MAX_BYTES_IN_FLIGHT } from "../packages/convex-hourly-backup/src/app/syncTable";
import { PAGE_MAX_REQUEST_BYTES } from "../packages/convex-hourly-backup/src/app/functions/readPage";
import { convexValueText, readExportZip } from "./support/exportReader";

const MIB = 1024 * 1024;
/** A default-runtime Convex action's V8 heap. */
const ACTION_HEAP_LIMIT = 64 * MIB;
/** Enough ~1 MB documents that several pages would be in flight without the byte bounds. */
const DOCS = 16;
/** Stored size of each description; with the other fields well under Convex's 1 MiB per document. */
const DESCRIPTION_CHARS = 1_000_000;
/** Added to every reply of the backup, so pages stay in flight as over a real network. */
const BACKUP_LATENCY_MS = 100;

let d: WorkerDeployments;
beforeEach(async () => {
  d = await startDeploymentsWithWorkerBackup();
  await d.backup.setLatency(BACKUP_LATENCY_MS);
});
afterEach(async () => {
  await d.close();
});

const product = (name: string, description: string) => ({
  name, description, price: 1.5, category: "escapes", images: [] as string[], stock: 3n, sizes: [] as string[], colors: [] as string[],
});

/** Every product on the primary, a page per transaction, as convexValueText by id. */
async function primaryProducts(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: string | null = null;
  for (;;) {
    const page: { page: Record<string, Value>[]; isDone: boolean; continueCursor: string } = await d.primary.t.run((ctx) =>
      ctx.db.query("products").paginate({ cursor, numItems: 4, maximumBytesRead: 8 * MIB }),
    );
    for (const doc of page.page) out.set(doc._id as string, convexValueText(doc));
    if (page.isDone) return out;
    cursor = page.continueCursor;
  }
}

/** The latest restore point, over HTTP as the CLI restores it, read as `npx convex import` would. */
async function restoredProducts(): Promise<Map<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), "memory-restore-"));
  try {
    const out = join(dir, "latest.zip");
    await writeRestoreZip({ url: d.backup.url, secret: d.restoreSecret, run: "latest", out });
    const zip = readExportZip(readFileSync(out));
    return new Map((zip.documents.get("products") ?? []).map((doc) => [doc._id as string, convexValueText(doc)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (bytes: number | null) => (bytes === null ? "n/a" : `${(bytes / MIB).toFixed(1)} MiB`);

/** Runs backup:runNow under the heap sampler, with ArrayBuffer memory (outside the V8 heap) sampled beside it. */
async function measuredRun() {
  let arrayBuffersPeak = memoryUsage().arrayBuffers;
  const arrayBuffers = setInterval(() => {
    arrayBuffersPeak = Math.max(arrayBuffersPeak, memoryUsage().arrayBuffers);
  }, 5);
  try {
    const { result, heap } = await measureHeap(() => d.primary.t.action(internal.backup.runNow, {}));
    return { summary: result, heap, arrayBuffersPeak };
  } finally {
    clearInterval(arrayBuffers);
  }
}

function report(label: string, heap: HeapFigures, arrayBuffersPeak: number, wire: { requests: number; bytesIn: number; applyRange: number }, workerHeap: number) {
  console.log(
    [
      `[memory] ${label}: ${DOCS} documents of ${DESCRIPTION_CHARS.toLocaleString("en")} characters, ` +
        `${wire.applyRange} sync:applyRange requests, ${mib(wire.bytesIn)} sent in ${wire.requests} requests ` +
        `(PAGE_MAX_REQUEST_BYTES ${mib(PAGE_MAX_REQUEST_BYTES)}, MAX_BYTES_IN_FLIGHT ${mib(MAX_BYTES_IN_FLIGHT)})`,
      `  main thread heap: baseline ${mib(heap.baselineBytes)} (primary's data), after ${mib(heap.afterBytes)}, ` +
        `raw peak ${mib(heap.rawPeakBytes)} (garbage included), live peak ${mib(heap.livePeakBytes)} (${heap.liveSamples} samples after GC)`,
      `  run's own peak (live peak - baseline - growth): ${mib(heap.runPeakBytes)} of the action's ${mib(ACTION_HEAP_LIMIT)}; ` +
        `raw peak - baseline: ${mib(heap.rawPeakBytes - heap.baselineBytes)}`,
      `  ArrayBuffers (outside the V8 heap, request bodies as bytes): peak ${mib(arrayBuffersPeak)}; backup worker's heap after GC: ${mib(workerHeap)}`,
    ].join("\n"),
  );
}

async function backUpAndMeasure(label: string, description: string): Promise<void> {
  for (let i = 0; i < DOCS; i++) {
    // One document per mutation: a mutation writes at most 16 MiB.
    await d.primary.t.mutation(internal.shop.insertProducts, { docs: [product(`${label} ${i}`, description)] });
  }
  await d.backup.resetStats();
  const { summary, heap, arrayBuffersPeak } = await measuredRun();
  const stats = await d.backup.stats();
  const workerHeap = (await d.backup.heap()).heapUsedBytes;
  report(label, heap, arrayBuffersPeak, { requests: stats.requests, bytesIn: stats.bytesIn, applyRange: stats.byPath["sync:applyRange"] ?? 0 }, workerHeap);

  expect(summary.status).toBe("completed");
  expect(summary.tables.find((t) => t.table === "products")).toMatchObject({ scanned: DOCS, changed: DOCS });
  // The live peak needs forced collections; without them only the raw peak (garbage included) exists.
  expect(heap.gcExposed).toBe(true);
  expect(heap.liveSamples).toBeGreaterThan(0);
  expect(heap.runPeakBytes).toBeLessThan(ACTION_HEAP_LIMIT);

  const expected = await primaryProducts();
  const restored = await restoredProducts();
  expect(restored.size).toBe(DOCS);
  expect([...restored.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [id, text] of expected) expect(restored.get(id) === text, `product ${id} restored as stored`).toBe(true);
}

test("~1 MB documents of quotes and backslashes back up within a 64 MiB action heap", async () => {
  // Each of these characters is 2 bytes in the document's JSON and 4 in the request body.
  await backUpAndMeasure("quotes and backslashes", '"\\'.repeat(DESCRIPTION_CHARS / 2));
}, 600_000);

test("~1 MB documents of control characters back up within a 64 MiB action heap", async () => {
  // Each is 6 bytes in the document's JSON (\u0001) and 7 in the request body.
  await backUpAndMeasure("control characters", "\u0001".repeat(DESCRIPTION_CHARS));
}, 600_000);
