// Benchmark only: documents written, counted in the deployment itself. A
// snapshot holds a fingerprint and the size of every document of every table;
// the writes between two snapshots are the documents inserted, changed or
// deleted (a document written twice in between counts once), their bytes the
// sizes of what was inserted or rewritten. Versions are the backup documents
// proper: rows of the backup's `versions` table inserted in between.
import { convexToJson, type Value } from "convex/values";
import type { GenericDataModel } from "convex/server";
import type { TestConvexForDataModel } from "convex-test";

export type Snapshot = Map<string, { table: string; print: number; size: number }>;
export type Writes = { rows: number; bytes: number; versions: number };

const SNAPSHOT_PAGE_DOCS = 2_000;
const SNAPSHOT_PAGE_BYTES = 8 * 1024 * 1024;

/** FNV-1a, 32 bits: enough to tell a changed document from an unchanged one. */
function fingerprint(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export async function snapshot(t: TestConvexForDataModel<GenericDataModel>, tables: readonly string[]): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const table of tables) {
    let cursor: string | null = null;
    for (;;) {
      const page: { prints: [string, number, number][]; isDone: boolean; continueCursor: string } = await t.run(async (ctx) => {
        const result = await ctx.db
          .query(table)
          .paginate({ cursor, numItems: SNAPSHOT_PAGE_DOCS, maximumBytesRead: SNAPSHOT_PAGE_BYTES });
        const prints = result.page.map((doc): [string, number, number] => {
          const json = JSON.stringify(convexToJson(doc as Value));
          return [doc._id as string, fingerprint(json), json.length];
        });
        return { prints, isDone: result.isDone, continueCursor: result.continueCursor };
      });
      for (const [id, print, size] of page.prints) out.set(id, { table, print, size });
      if (page.isDone) break;
      cursor = page.continueCursor;
    }
  }
  return out;
}

export function countWrites(before: Snapshot, after: Snapshot): Writes {
  const writes: Writes = { rows: 0, bytes: 0, versions: 0 };
  for (const [id, doc] of after) {
    const old = before.get(id);
    if (old?.print === doc.print) continue;
    writes.rows += 1;
    writes.bytes += doc.size;
    if (old === undefined && doc.table === "versions") writes.versions += 1;
  }
  for (const id of before.keys()) if (!after.has(id)) writes.rows += 1;
  return writes;
}
