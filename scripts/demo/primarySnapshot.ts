// What the primary holds, as the backup sees it: every document's id and the
// hash of its sanitized form, read the way backup:runNow reads it. Two
// snapshots give what a run must find; one gives what the backup must equal.
import { tableRanges } from "../../packages/convex-hourly-backup/src/app/tableRanges";
import { backupFunctionRefs } from "../../packages/convex-hourly-backup/src/app/appContext";
import type { PrimaryDeployment } from "../../harness/deployments";

/** table -> document id -> hash of the sanitized document, as backup:runNow reads it. */
export type Snapshot = Map<string, Map<string, string>>;

export async function snapshotPrimary(primary: PrimaryDeployment, tables: string[]): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  for (const table of tables) {
    const hashes = new Map<string, string>();
    // The shop exports its backup functions from convex/backup.ts.
    const ctx = { runQuery: primary.t.query, backupFunctions: backupFunctionRefs("backup") } as Parameters<typeof tableRanges>[0];
    for await (const { entries } of tableRanges(ctx, table)) {
      for (const entry of entries) hashes.set(entry.id, entry.hash);
    }
    snapshot.set(table, hashes);
  }
  return snapshot;
}

export type TableChange = { table: string; updated: number; inserted: number; deleted: number };

/** What a backup run must find between two snapshots: new, changed and deleted documents. */
export function compareSnapshots(before: Snapshot, after: Snapshot): TableChange[] {
  return [...after].map(([table, hashes]) => {
    const old = before.get(table) ?? new Map<string, string>();
    let updated = 0;
    let inserted = 0;
    for (const [id, hash] of hashes) {
      const previous = old.get(id);
      if (previous === undefined) inserted += 1;
      else if (previous !== hash) updated += 1;
    }
    const deleted = [...old.keys()].filter((id) => !hashes.has(id)).length;
    return { table, updated, inserted, deleted };
  });
}

/** The primary's file storage: files (ids), distinct contents, and bytes of each. */
export type FilesSnapshot = { files: number; bytes: number; contents: number; contentBytes: number };

export async function primaryFiles(primary: PrimaryDeployment): Promise<FilesSnapshot> {
  const rows = await primary.t.run((ctx) => ctx.db.system.query("_storage").collect());
  const contents = new Map(rows.map((row) => [row.sha256, row.size]));
  return {
    files: rows.length,
    bytes: rows.reduce((sum, row) => sum + row.size, 0),
    contents: contents.size,
    contentBytes: [...contents.values()].reduce((sum, size) => sum + size, 0),
  };
}

export function countOf(snapshot: Snapshot, table: string): number {
  return snapshot.get(table)?.size ?? 0;
}
