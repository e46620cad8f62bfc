// Restore points as a user checks them: the primary's state when a run
// finished, and a restore of that run (any --run selector) read back from its
// ZIP, compared table by table.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { Value } from "convex/values";
import type { Deployments } from "../../harness/deployments";
import { writeRestoreZip, type RestoreOptions, type RestoreResult } from "../../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { asRestored } from "./assertions";
import { primaryDocs } from "./backupContents";
import { readExportZip, type ExportZip } from "./exportReader";

export const SHOP_TABLES = ["users", "products", "orders"] as const;
/** table -> _id -> the document as a restore of that moment must hold it (redacted keys removed, placeholders given). */
export type PrimarySnapshot = Map<string, Map<string, Value>>;

/** The primary's documents now, minus what the backup never copies. */
export async function primarySnapshot(d: Deployments): Promise<PrimarySnapshot> {
  const snapshot: PrimarySnapshot = new Map();
  for (const table of SHOP_TABLES) {
    const docs = await primaryDocs(d, table);
    snapshot.set(table, new Map(docs.map((doc) => [doc._id as string, asRestored(table, doc)])));
  }
  return snapshot;
}

/** Restores `run` into a temporary folder and reads the ZIP back; the folder is removed. */
export async function restoreRun(
  d: Deployments,
  run: string,
  extra: Partial<RestoreOptions> = {},
): Promise<{ result: RestoreResult; zip: ExportZip }> {
  const dir = mkdtempSync(join(tmpdir(), "restore-point-"));
  try {
    const out = join(dir, "point.zip");
    const result = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run, out, ...extra });
    return { result, zip: readExportZip(readFileSync(out)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A restore of `run` holds exactly `expected` for the tables it holds, and
 * holds exactly `tables` (default: all three shop tables).
 */
export async function expectRestoreEquals(
  d: Deployments,
  run: string,
  expected: PrimarySnapshot,
  tables: readonly string[] = SHOP_TABLES,
): Promise<RestoreResult> {
  const { result, zip } = await restoreRun(d, run);
  expect([...zip.documents.keys()].sort(), `tables restored from ${run}`).toEqual([...tables].sort());
  for (const table of tables) {
    const restored = new Map((zip.documents.get(table) ?? []).map((doc) => [doc._id as string, doc as Value]));
    expect(restored, `${table} restored from ${run}`).toEqual(expected.get(table));
  }
  return result;
}

/** A restore that must fail: it rejects with `message` and leaves neither the ZIP nor a temporary file. */
export async function expectRestoreFails(
  d: Deployments,
  run: string,
  message: RegExp,
  extra: Partial<RestoreOptions> = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "restore-fail-"));
  try {
    const out = join(dir, "point.zip");
    await expect(writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run, out, ...extra })).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
