// File storage in the backup (issue 13): every run lists the primary's
// `_storage` table and copies each file whose content the backup does not
// hold yet, once, streamed from the primary's storage URL into an upload URL
// of the backup; restore points list the files the primary had at their run,
// and a restore ZIP carries them as `npx convex import` reads them.
//
// Bytes on the wire are counted by the loopback servers that serve each
// deployment's storage (harness/storageServer.ts), apart from function calls.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryUsage } from "node:process";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference, type FunctionReference } from "convex/server";
import type { GenericId } from "convex/values";
import { internal } from "../convex/_generated/api";
import { internal as backupInternal } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { startDeploymentsWithWorkerBackup, type WorkerDeployments } from "../harness/workerBackup";
import { exposedGc, measureHeap } from "../bench/heapSampler";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { rangeDigest, sha256 as textSha256 } from "../packages/convex-hourly-backup/src/shared/digest";
import { readExportZip, type ExportZip } from "./support/exportReader";
import type { RunSummary } from "../packages/convex-hourly-backup/src/app/runBackup";

const KIB = 1024;
const MIB = 1024 * KIB;

type StoredFile = { id: string; sha256: string; size: number; contentType: string | null; creationTime: number };

/** Deterministic bytes: different seeds give different contents. */
function bytesOf(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = (seed * 2_654_435_761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const sha256Of = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("base64");

/** Stores a file on the primary as an app would (ctx.storage.store in an action). */
async function storeFile(d: { primary: { t: Deployments["primary"]["t"] } }, bytes: Uint8Array<ArrayBuffer>, type?: string): Promise<string> {
  return await d.primary.t.run((ctx) => ctx.storage.store(new Blob([bytes], type === undefined ? {} : { type })));
}

/** The primary's `_storage` rows, as its own queries see them. */
async function primaryFiles(d: Deployments): Promise<Map<string, StoredFile>> {
  const rows = await d.primary.t.run((ctx) => ctx.db.system.query("_storage").collect());
  return new Map(
    rows.map((row) => [
      row._id,
      { id: row._id, sha256: row.sha256, size: row.size, contentType: row.contentType ?? null, creationTime: row._creationTime },
    ]),
  );
}

const runNow = (d: Deployments): Promise<RunSummary> => d.primary.t.action(internal.backup.runNow, {});
const storageOf = (summary: RunSummary) => summary.tables.find((t) => t.table === "_storage");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "file-storage-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A restore of `run` over HTTP, as the CLI writes it, read back as `npx convex import` reads it. */
async function restore(backup: { url: string; restoreSecret: string }, run: string, options: { files?: boolean } = {}) {
  const out = join(dir, `restore-${run}-${Math.random().toString(36).slice(2)}.zip`);
  const result = await writeRestoreZip({ url: backup.url, secret: backup.restoreSecret, run, out, ...options });
  return { result, zip: readExportZip(readFileSync(out)) };
}

/** The ZIP's files by id: its metadata row and its bytes. */
function zipFiles(zip: ExportZip) {
  const storage = zip.storage;
  if (storage === null) return new Map<string, never>();
  return new Map(
    storage.rows.map(({ doc }) => {
      const id = doc._id as string;
      return [id, { doc, bytes: storage.blobs.get(id) ?? null, entry: storage.blobEntries.get(id) ?? null }];
    }),
  );
}

describe("file storage, in-process deployments", () => {
  let d: Deployments;
  let backup: { url: string; restoreSecret: string };
  beforeEach(async () => {
    d = await startDeployments();
    backup = { url: d.backup.server.url, restoreSecret: d.restoreSecret };
  });
  afterEach(async () => {
    await d.close();
  });

  const upload = () => d.backup.server.stats.storage;
  const download = () => d.primary.storage.traffic;
  const resetTraffic = () => {
    d.backup.server.resetStats();
    d.primary.storage.routes.resetTraffic();
  };

  test("new files are copied once: the bytes on the wire are the files' bytes", async () => {
    const contents = [
      { bytes: bytesOf(2 * KIB, 1), type: "text/plain" },
      { bytes: bytesOf(64 * KIB, 2), type: "image/png" },
      { bytes: bytesOf(1 * MIB + 17, 3), type: undefined },
    ];
    for (const { bytes, type } of contents) await storeFile(d, bytes, type);
    const total = contents.reduce((sum, c) => sum + c.bytes.length, 0);

    const summary = await runNow(d);

    expect(summary.status).toBe("completed");
    expect(storageOf(summary)).toMatchObject({ scanned: 3, changed: 3, deleted: 0, filesCopied: 3, fileBytesCopied: total });
    expect(upload()).toMatchObject({ uploads: 3, bytesIn: total, refused: 0 });
    expect(download()).toMatchObject({ downloads: 3, bytesOut: total });
    // The backup holds each file under its own storage, checked against the primary's SHA-256 and size.
    const primary = await primaryFiles(d);
    const held = await d.backup.t.run(async (ctx) => {
      const files = await ctx.db.query("files").collect();
      return Promise.all(files.map(async (file) => ({ ...file, stored: await ctx.db.system.get(file.storageId) })));
    });
    expect(held.map((f) => f.sha256).sort()).toEqual([...primary.values()].map((f) => f.sha256).sort());
    for (const file of held) {
      expect(file.stored).toMatchObject({ sha256: file.sha256, size: file.size });
      const original = [...primary.values()].find((f) => f.sha256 === file.sha256)!;
      expect(file.stored!.contentType ?? null).toBe(original.contentType);
    }
  });

  test("unchanged files send no bytes on the next run; a new file sends only its own", async () => {
    await storeFile(d, bytesOf(300 * KIB, 4), "image/jpeg");
    await storeFile(d, bytesOf(10 * KIB, 5), "image/png");
    await runNow(d);
    resetTraffic();

    const unchanged = await runNow(d);
    expect(storageOf(unchanged)).toMatchObject({ scanned: 2, changed: 0, deleted: 0, filesCopied: 0, fileBytesCopied: 0 });
    expect(upload()).toMatchObject({ uploads: 0, bytesIn: 0 });
    expect(download()).toMatchObject({ downloads: 0, bytesOut: 0 });

    const added = bytesOf(77 * KIB, 6);
    await storeFile(d, added, "image/webp");
    resetTraffic();
    const next = await runNow(d);
    expect(storageOf(next)).toMatchObject({ scanned: 3, changed: 1, filesCopied: 1, fileBytesCopied: added.length });
    expect(upload()).toMatchObject({ uploads: 1, bytesIn: added.length });
    expect(download()).toMatchObject({ downloads: 1, bytesOut: added.length });
  });

  test("the same content under two ids is sent once, and restored under both", async () => {
    const shared = bytesOf(200 * KIB, 7);
    const other = bytesOf(5 * KIB, 8);
    const first = await storeFile(d, shared, "image/png");
    const second = await storeFile(d, shared, "image/png");
    const third = await storeFile(d, other, "text/plain");

    const summary = await runNow(d);
    expect(storageOf(summary)).toMatchObject({ scanned: 3, changed: 3, filesCopied: 2, fileBytesCopied: shared.length + other.length });
    expect(upload()).toMatchObject({ uploads: 2, bytesIn: shared.length + other.length });
    expect(await d.backup.t.run((ctx) => ctx.db.query("files").collect())).toHaveLength(2);

    // A later id with content the backup holds: listed, nothing sent.
    const fourth = await storeFile(d, shared, "image/png");
    resetTraffic();
    const later = await runNow(d);
    expect(storageOf(later)).toMatchObject({ changed: 1, filesCopied: 0, fileBytesCopied: 0 });
    expect(upload()).toMatchObject({ uploads: 0, bytesIn: 0 });

    const { zip } = await restore(backup, "latest");
    const files = zipFiles(zip);
    expect([...files.keys()].sort()).toEqual([first, second, third, fourth].sort());
    for (const id of [first, second, fourth]) expect(Buffer.from(files.get(id)!.bytes!).equals(Buffer.from(shared))).toBe(true);
    expect(Buffer.from(files.get(third)!.bytes!).equals(Buffer.from(other))).toBe(true);
  });

  test("a deleted file stays restorable from the older point and is absent from the newer", async () => {
    const kept = bytesOf(40 * KIB, 9);
    const dropped = bytesOf(50 * KIB, 10);
    const keptId = await storeFile(d, kept, "image/png");
    const droppedId = await storeFile(d, dropped, "image/png");
    const [productId] = await d.primary.t.mutation(internal.shop.insertProducts, {
      docs: [{
        name: "Lamp", description: "A lamp", price: 10.5, category: "home", images: [], stock: 3n, sizes: [], colors: [],
        imageId: droppedId as GenericId<"_storage">,
      }],
    });
    const run1 = await runNow(d);
    // The product's picture is replaced: the old file is deleted from storage.
    await d.primary.t.mutation(internal.shop.setProductImage, { productId: productId!, imageId: keptId as GenericId<"_storage"> });
    const run2 = await runNow(d);
    expect(storageOf(run2)).toMatchObject({ scanned: 1, changed: 0, deleted: 1, filesCopied: 0 });

    const older = await restore(backup, "1");
    const olderFiles = zipFiles(older.zip);
    expect([...olderFiles.keys()].sort()).toEqual([keptId, droppedId].sort());
    expect(sha256Of(olderFiles.get(droppedId)!.bytes!)).toBe(sha256Of(dropped));
    // The restored product's imageId names a file of the same ZIP.
    const lamp = older.zip.documents.get("products")!.find((doc) => doc._id === productId)!;
    expect(olderFiles.has(lamp.imageId as string)).toBe(true);
    expect(older.result.files).toEqual({ files: 2, bytes: kept.length + dropped.length });

    const newer = await restore(backup, "2");
    expect([...zipFiles(newer.zip).keys()]).toEqual([keptId]);
    expect(newer.zip.documents.get("products")!.find((doc) => doc._id === productId)!.imageId).toBe(keptId);
    expect([run1.status, run2.status]).toEqual(["completed", "completed"]);
  });

  test("an app without files sees no trace of file storage; once its last file is deleted, newer points hold none", async () => {
    const none = await runNow(d);
    expect(none.tables.map((t) => t.table)).toEqual(["users", "products", "orders"]);
    const only = bytesOf(12 * KIB, 18);
    const onlyId = await storeFile(d, only, "image/gif");
    expect(storageOf(await runNow(d))).toMatchObject({ scanned: 1, changed: 1, filesCopied: 1 });
    await d.primary.t.run((ctx) => ctx.storage.delete(onlyId as GenericId<"_storage">));
    const after = await runNow(d);
    expect(after.tables.map((t) => t.table)).toEqual(["users", "products", "orders"]);

    expect((await restore(backup, "latest")).zip.storage).toBeNull();
    const { zip } = await restore(backup, "2");
    expect([...zipFiles(zip).keys()]).toEqual([onlyId]);
    expect(zip.storage!.blobEntries.get(onlyId)).toBe(`_storage/${onlyId}.gif`);
  });

  test("the restore ZIP's _storage is in the layout npx convex import reads, its bytes those of the originals", async () => {
    const png = bytesOf(33 * KIB, 11);
    const untyped = bytesOf(3 * KIB, 12);
    await storeFile(d, png, "image/png");
    await storeFile(d, untyped);
    await runNow(d);
    const primary = await primaryFiles(d);

    const { result, zip } = await restore(backup, "latest");

    expect(result.files).toEqual({ files: 2, bytes: png.length + untyped.length });
    expect(result.partial).toBe(false);
    // As an export: metadata in _storage/documents.jsonl, keys sorted, size an integer, _creationTime a float.
    const storage = zip.storage!;
    expect(storage.rows).toHaveLength(2);
    for (const { doc, keys } of storage.rows) {
      expect(keys).toEqual(["_creationTime", "_id", "contentType", "sha256", "size"]);
      const original = primary.get(doc._id as string)!;
      expect(doc).toEqual({
        _creationTime: original.creationTime,
        _id: original.id,
        contentType: original.contentType,
        sha256: original.sha256,
        size: BigInt(original.size),
      });
      // The bytes are the original's: their SHA-256 is the primary's.
      expect(sha256Of(storage.blobs.get(original.id)!)).toBe(original.sha256);
      expect(storage.blobs.get(original.id)!.length).toBe(original.size);
    }
    // Each file at _storage/<id>, with the export's extension guess for known types.
    const names = [...storage.blobEntries.entries()].map(([id, name]) => [primary.get(id)!.contentType, name.replace(id, "<id>")]);
    expect(names.sort()).toEqual([[null, "_storage/<id>"], ["image/png", "_storage/<id>.png"]].sort());
    // _storage is no table of _tables/documents.jsonl and has no generated schema, as in an export.
    expect(zip.tables.map((t) => t.name)).not.toContain("_storage");
    expect(zip.entries).not.toContain("_storage/generated_schema.jsonl");
    expect(zip.entries.filter((name) => name.startsWith("_storage/"))).toHaveLength(3);

    // --no-files: no _storage at all, and the ZIP is still whole (import leaves file storage alone).
    const without = await restore(backup, "latest", { files: false });
    expect(without.zip.storage).toBeNull();
    expect(without.zip.entries.some((name) => name.startsWith("_storage/"))).toBe(false);
    expect(without.result).toMatchObject({ files: null, filesLeftOut: true, partial: false });
  });

  test("retention deletes a file once no kept restore point names it, and keeps content a kept point shares", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const start = Date.UTC(2025, 0, 6, 10);
      vi.setSystemTime(start);
      const live = bytesOf(20 * KIB, 13);
      const gone = bytesOf(30 * KIB, 14);
      await storeFile(d, live, "image/png");
      const goneId = await storeFile(d, gone, "image/png");
      // Same content as the live file, under an id deleted later: its content stays.
      const twinId = await storeFile(d, live, "image/png");
      await runNow(d);
      await d.primary.t.run(async (ctx) => {
        await ctx.storage.delete(goneId as GenericId<"_storage">);
        await ctx.storage.delete(twinId as GenericId<"_storage">);
      });
      vi.setSystemTime(start + 2 * 3_600_000);
      await runNow(d);
      const heldShas = async () => (await d.backup.t.run((ctx) => ctx.db.query("files").collect())).map((f) => f.sha256).sort();
      expect(await heldShas()).toEqual([sha256Of(live), sha256Of(gone)].sort());

      // Run 1 falls out of the policy: the versions only it needed go, and with them the file only they named.
      vi.setSystemTime(start + 3 * 3_600_000);
      const step = await d.backup.t.mutation(backupInternal.retention.prune, { policy: { keepAllHours: 1, dailyDays: 0, weeklyWeeks: 0 } });
      expect(step).toMatchObject({ done: true, deletedFiles: 1 });
      expect(await heldShas()).toEqual([sha256Of(live)]);
      const stored = await d.backup.t.run((ctx) => ctx.db.system.query("_storage").collect());
      expect(stored.map((row) => row.sha256)).toEqual([sha256Of(live)]);
      // The kept point restores whole.
      const { zip } = await restore(backup, "latest");
      expect([...zipFiles(zip).values()].map((f) => sha256Of(f.bytes!))).toEqual([sha256Of(live)]);
    } finally {
      vi.useRealTimers();
    }
  });

  test("faults while copying (a lost recordFile reply, a 503, a cut connection) are retried: each content stored once, counts exact", async () => {
    const contents = [bytesOf(20 * KIB, 19), bytesOf(30 * KIB, 20), bytesOf(40 * KIB, 21)];
    for (const bytes of contents) await storeFile(d, bytes, "image/png");
    d.backup.server.faults
      .add({ path: "files:recordFile", fault: { kind: "loseReply" } })
      .add({ path: "files:uploadUrl", fault: { kind: "status", status: 503 }, skip: 1 })
      .add({ path: "files:missing", fault: { kind: "cut" } });

    const summary = await runNow(d);

    expect(d.backup.server.faults.applied).toEqual({ loseReply: 1, status: 1, cut: 1 });
    const total = contents.reduce((sum, c) => sum + c.length, 0);
    expect(storageOf(summary)).toMatchObject({ changed: 3, filesCopied: 3, fileBytesCopied: total });
    // No upload was repeated: the lost reply was answered again from the file recorded.
    expect(upload()).toMatchObject({ uploads: 3, bytesIn: total });
    const files = await d.backup.t.run((ctx) => ctx.db.query("files").collect());
    expect(files.map((f) => f.sha256).sort()).toEqual(contents.map(sha256Of).sort());
    expect(await d.backup.t.run((ctx) => ctx.db.system.query("_storage").collect())).toHaveLength(3);
    const { zip } = await restore(backup, "latest");
    expect([...zipFiles(zip).values()].map((f) => sha256Of(f.bytes!)).sort()).toEqual(contents.map(sha256Of).sort());
  });

  test("the backup refuses a _storage row whose file it does not hold, and an upload that is not the file named", async () => {
    const client = new ConvexHttpClient(d.backup.server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
    const mutation = (path: string) => makeFunctionReference<"mutation">(path) as FunctionReference<"mutation">;
    const secret = d.secret;
    const begun = (await client.mutation(mutation("runs:beginRun"), {
      secret, holder: "h", leaseMs: 60_000, tables: ["_storage"], source: "https://happy-animal-123.convex.cloud",
    })) as { runId: string };
    const lease = { secret, runId: begun.runId, holder: "h" };
    const sha256 = sha256Of(bytesOf(10, 15));
    const json = JSON.stringify({ _creationTime: 1, _id: "1000_storage", contentType: null, sha256, size: 10 });
    const hashText = await textSha256(json);
    const entry = { id: "1000_storage", creationTime: 1, hash: hashText, json };
    const apply = client.mutation(mutation("sync:applyRange"), {
      ...lease, batchId: "b", table: "_storage", range: { after: null, upTo: null }, digest: await rangeDigest([hashText]),
      upserts: [entry], deletedIdTags: [], replace: true,
    });
    await expect(apply).rejects.toMatchObject({ data: { code: "FILE_MISSING" } });
    expect(await d.backup.t.run((ctx) => ctx.db.query("versions").collect())).toHaveLength(0);

    // An upload whose bytes are not those named: deleted, not recorded.
    const url = (await client.mutation(mutation("files:uploadUrl"), lease)) as string;
    const posted = (await (await fetch(url, { method: "POST", body: bytesOf(10, 16) })).json()) as { storageId: string };
    const recorded = await client.mutation(mutation("files:recordFile"), { ...lease, storageId: posted.storageId, sha256, size: 10 });
    expect(recorded).toEqual({ outcome: "mismatch" });
    expect(await d.backup.t.run((ctx) => ctx.db.query("files").collect())).toHaveLength(0);
    expect(await d.backup.t.run((ctx) => ctx.db.system.query("_storage").collect())).toHaveLength(0);
  });
});

describe("fileStorage: false", () => {
  test("copies nothing: no _storage in the run, the restore point or the ZIP", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/noFiles", import.meta.url));
    const d = await startDeployments({ primaryDir: fixture });
    try {
      await storeFile(d, bytesOf(8 * KIB, 17), "image/png");
      const summary = (await d.primary.t.action(makeFunctionReference<"action">("backup:runNow"), {})) as RunSummary;
      expect(summary.status).toBe("completed");
      expect(summary.tables.map((t) => t.table)).not.toContain("_storage");
      expect(d.backup.server.stats.storage).toMatchObject({ uploads: 0, bytesIn: 0 });
      expect(d.primary.storage.traffic).toMatchObject({ downloads: 0 });
      expect(d.backup.server.stats.byPath["files:missing"]).toBeUndefined();
      const { result, zip } = await restore({ url: d.backup.server.url, restoreSecret: d.restoreSecret }, "latest");
      expect(result).toMatchObject({ files: null, filesLeftOut: false });
      expect(zip.storage).toBeNull();
    } finally {
      await d.close();
    }
  });
});

describe("a file far larger than an action's 64 MiB heap", () => {
  // FILE_STORAGE_MIB=1024 measures a larger file by hand (docs/file-storage.md); CI copies 160 MiB.
  const SIZE = Number(process.env.FILE_STORAGE_MIB ?? 160) * MIB;
  let w: WorkerDeployments;
  beforeEach(async () => {
    // The backup in a worker thread: this thread's heap is the primary and its action.
    w = await startDeploymentsWithWorkerBackup();
  });
  afterEach(async () => {
    await w.close();
  });

  test(`streams through the backup action (${SIZE / MIB} MiB) with its heap bounded, and restores byte for byte`, async () => {
    // Generated in 1 MiB parts of random bytes into a Blob (outside the V8 heap), hashed as it is made.
    const hash = createHash("sha256");
    const parts: Uint8Array<ArrayBuffer>[] = [];
    for (let i = 0; i < SIZE / MIB; i++) {
      const part = new Uint8Array(MIB);
      for (let at = 0; at < MIB; at += 65_536) crypto.getRandomValues(part.subarray(at, at + 65_536));
      hash.update(part);
      parts.push(part);
    }
    const sha256 = hash.digest("base64");
    await w.primary.t.run((ctx) => ctx.storage.store(new Blob(parts, { type: "video/mp4" })));
    parts.length = 0;

    // Bytes outside the V8 heap (ArrayBuffers, Buffers): what buffering the file would show.
    for (let i = 0; i < 3; i++) {
      exposedGc()?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const arrayBuffersBefore = memoryUsage().arrayBuffers;
    // Raw: garbage included. Live: right after a forced collection, what is still held.
    let arrayBuffersPeak = arrayBuffersBefore;
    let liveArrayBuffersPeak = arrayBuffersBefore;
    const raw = setInterval(() => {
      arrayBuffersPeak = Math.max(arrayBuffersPeak, memoryUsage().arrayBuffers);
    }, 5);
    const live = setInterval(() => {
      exposedGc()?.();
      liveArrayBuffersPeak = Math.max(liveArrayBuffersPeak, memoryUsage().arrayBuffers);
    }, 100);
    let measured: Awaited<ReturnType<typeof measureHeap<RunSummary>>>;
    let copyStarted = 0;
    let copyMs = 0;
    try {
      copyStarted = Date.now();
      measured = await measureHeap(() => w.primary.t.action(internal.backup.runNow, {}));
      copyMs = Date.now() - copyStarted;
    } finally {
      clearInterval(raw);
      clearInterval(live);
    }
    const { result: summary, heap } = measured;
    const stats = await w.backup.stats();
    console.log(
      `[file storage] ${SIZE / MIB} MiB file: uploaded ${(stats.storage.bytesIn / MIB).toFixed(1)} MiB in ${stats.storage.uploads} upload, ` +
        `the run in ${(copyMs / 1000).toFixed(1)} s (${(SIZE / MIB / (copyMs / 1000)).toFixed(1)} MiB/s); ` +
        `action's own heap peak ${(heap.runPeakBytes / MIB).toFixed(1)} MiB (live peak ${((heap.livePeakBytes ?? 0) / MIB).toFixed(1)} MiB, ` +
        `baseline ${(heap.baselineBytes / MIB).toFixed(1)} MiB, ${heap.liveSamples} samples); ` +
        `ArrayBuffers outside the heap: live peak +${((liveArrayBuffersPeak - arrayBuffersBefore) / MIB).toFixed(1)} MiB, ` +
        `raw peak +${((arrayBuffersPeak - arrayBuffersBefore) / MIB).toFixed(1)} MiB over the ${(arrayBuffersBefore / MIB).toFixed(1)} MiB ` +
        "before the run (the primary's stored file)",
    );
    expect(summary.status).toBe("completed");
    expect(storageOf(summary)).toMatchObject({ filesCopied: 1, fileBytesCopied: SIZE });
    expect(stats.storage).toMatchObject({ uploads: 1, bytesIn: SIZE });
    expect(heap.gcExposed).toBe(true);
    expect(heap.liveSamples).toBeGreaterThan(0);
    // Streamed: the action's heap holds chunks, never the file.
    expect(heap.runPeakBytes).toBeLessThan(16 * MIB);
    // Nor does this thread hold it as bytes outside the heap while the action runs: what is
    // in flight varies with the moment of the samples (1-26 MiB seen), the file would be 160.
    expect(liveArrayBuffersPeak - arrayBuffersBefore).toBeLessThan(64 * MIB);

    const { result, zip } = await restore({ url: w.backup.url, restoreSecret: w.restoreSecret }, "latest");
    expect(result.files).toEqual({ files: 1, bytes: SIZE });
    const [file] = zipFiles(zip).values();
    expect(file!.entry!.endsWith(".mp4")).toBe(true);
    expect(sha256Of(file!.bytes!)).toBe(sha256);
  }, 600_000);
});

