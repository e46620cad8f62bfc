// Restore points checked against what the primary held when each run ended:
// snapshot the primary right after a run, restore that run later, compare.
// Reads page by page so tables of any size stay inside Convex's read limits.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { Value } from "convex/values";
import type { Deployments } from "../../harness/deployments";
import { writeRestoreZip } from "../../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { readExportZip } from "./exportReader";
import { asRestored } from "./assertions";
import type { StoredDoc } from "./backupContents";

/** table -> id -> document as a restore should give it back (secrets removed, placeholders given). */
export type Snapshot = Map<string, Map<string, Value>>;

/** Every document of `table` on the primary, a page per transaction. */
export async function primaryTable(d: Deployments, table: string): Promise<StoredDoc[]> {
  const out: StoredDoc[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: { page: StoredDoc[]; isDone: boolean; continueCursor: string } = await d.primary.t.run((ctx) =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      ctx.db.query(table as any).paginate({ cursor, numItems: 8_000, maximumBytesRead: 8 * 1024 * 1024 }),
    );
    out.push(...page.page);
    if (page.isDone) return out;
    cursor = page.continueCursor;
  }
}

/** What a restore point taken now should hold, for these tables. */
export async function snapshotPrimary(d: Deployments, tables: readonly string[]): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  for (const table of tables) {
    const docs = await primaryTable(d, table);
    snapshot.set(table, new Map(docs.map((doc) => [doc._id as string, asRestored(table, doc)])));
  }
  return snapshot;
}

/** Restores `run` ("latest", a run id, ...) into a ZIP and reads it back as import would. */
export async function restoreRun(d: Deployments, run: string): Promise<Map<string, Map<string, Value>>> {
  const dir = mkdtempSync(join(tmpdir(), "restore-point-"));
  try {
    const out = join(dir, "point.zip");
    await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run, out });
    const zip = readExportZip(readFileSync(out));
    const tables = new Map<string, Map<string, Value>>();
    for (const { name } of zip.tables) {
      tables.set(name, new Map((zip.documents.get(name) ?? []).map((doc) => [doc._id as string, doc as Value])));
    }
    return tables;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The restore of `run` holds exactly the snapshot's tables and documents. */
export async function expectRestoreEquals(d: Deployments, run: string, expected: Snapshot): Promise<void> {
  const restored = await restoreRun(d, run);
  expect([...restored.keys()].sort(), `tables restored from ${run}`).toEqual([...expected.keys()].sort());
  for (const [table, docs] of expected) {
    const got = restored.get(table)!;
    expect(got.size, `${table} documents restored from ${run}`).toBe(docs.size);
    expect(got, `${table} restored from ${run}`).toEqual(docs);
  }
}

/** The id of the completed run with this sequence number. */
export async function runIdOf(d: Deployments, seq: number): Promise<string> {
  const run = await d.backup.t.run((ctx) => ctx.db.query("runs").withIndex("by_seq", (q) => q.eq("seq", seq)).unique());
  if (run === null) throw new Error(`No run ${seq}`);
  return run._id;
}
