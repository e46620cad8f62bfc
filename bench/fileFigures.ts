// Benchmark only: what file storage costs a run, in file bytes copied, on a
// shop of its own with product pictures (harness/shopData.ts: every 10th
// product its own PNG, the 5th of each ten its category's placeholder). The
// first run copies each distinct content once; an idle hour copies nothing;
// an hour that replaces some pictures copies those new files and nothing
// else. File bytes are storage and bandwidth on Convex's bill, not database
// I/O: they are counted by the loopback servers that serve each deployment's
// files (harness/storageServer.ts), beside the run's own report.
import { internal } from "../convex/_generated/api";
import type { RunSummary } from "convex-hourly-backup";
import { startDeployments, type Deployments } from "../harness/deployments";
import { changeShop, PICTURE_EVERY, seedShop } from "../harness/shopData";
import { shopSizeFor } from "./shopSize";

export type FileRun = {
  /** `_storage` rows the run listed, recorded new, and recorded deleted. */
  listed: number;
  changed: number;
  deleted: number;
  /** Files the backup stored (distinct contents) and their bytes, as the run reported them. */
  filesCopied: number;
  bytesCopied: number;
  /** What the servers counted: bytes the primary's storage served, bytes the backup's received. */
  downloadedBytes: number;
  uploadedBytes: number;
  /** Function calls to the backup (files:missing, uploadUrl, recordFile among them). */
  requests: number;
};

export type FileFigures = {
  docs: number;
  /** The shop's files: ids, distinct contents, and the contents' bytes. */
  files: number;
  contents: number;
  contentBytes: number;
  first: FileRun;
  idle: FileRun;
  /** The hour: pictures replaced (new files, old ones deleted) and the new files' bytes. */
  picturesReplaced: number;
  newBytes: number;
  changed: FileRun;
};

/** Pictures replaced in the changed hour: 1 % of the products with their own, at least one. */
export function picturesToReplace(products: number): number {
  return Math.max(1, Math.round(products / PICTURE_EVERY / 100));
}

async function fileRun(pair: Deployments): Promise<FileRun> {
  pair.backup.server.resetStats();
  pair.primary.storage.routes.resetTraffic();
  const summary: RunSummary = await pair.primary.t.action(internal.backup.runNow, {});
  if (summary.status !== "completed") throw new Error(`A file storage run ended ${summary.status}.`);
  const files = summary.tables.find((t) => t.table === "_storage");
  return {
    listed: files?.scanned ?? 0,
    changed: files?.changed ?? 0,
    deleted: files?.deleted ?? 0,
    filesCopied: files?.filesCopied ?? 0,
    bytesCopied: files?.fileBytesCopied ?? 0,
    downloadedBytes: pair.primary.storage.traffic.bytesOut,
    uploadedBytes: pair.backup.server.stats.storage.bytesIn,
    requests: pair.backup.server.stats.requests,
  };
}

/** First run, idle hour, and an hour with 1 % of the pictures replaced, on a shop of `docs` documents with pictures. */
export async function measureFiles(docs: number, step: <T>(label: string, work: () => Promise<T>) => Promise<T>): Promise<FileFigures> {
  const pair = await startDeployments();
  try {
    const size = shopSizeFor(docs);
    const ids = await step(`file storage: seed ${docs} documents with pictures`, () => seedShop(pair.primary, size, 1, { pictures: true }));
    const rows = await pair.primary.t.run((ctx) => ctx.db.system.query("_storage").collect());
    const contents = new Map(rows.map((row) => [row.sha256, row.size]));
    const first = await step("file storage: first run", () => fileRun(pair));
    const idle = await step("file storage: idle hour", () => fileRun(pair));
    const change = await step("file storage: replace 1 % of the pictures (and change 1 % of documents)", () =>
      changeShop(pair.primary, ids, { fraction: 0.01, deletes: 0, inserts: 0, seed: 5, pictures: picturesToReplace(size.products) }),
    );
    const changed = await step("file storage: the changed hour", () => fileRun(pair));
    return {
      docs,
      files: rows.length,
      contents: contents.size,
      contentBytes: [...contents.values()].reduce((sum, bytes) => sum + bytes, 0),
      first,
      idle,
      picturesReplaced: change.picturesReplaced,
      newBytes: change.pictureBytes,
      changed,
    };
  } finally {
    await pair.close();
  }
}
