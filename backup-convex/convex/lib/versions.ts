// Reading and writing versions. The open versions of a key range are the
// backup's current state of that range; one index range reads them all, so
// the cost of a diff grows with pages, not documents.
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";
import { compareKeys, inRange, type KeyRange } from "../../../shared/keys";
import type { DocEntry } from "../../../shared/protocol";

// A content chunk stays far below the 1 MiB document limit whatever its
// characters (at most 3 UTF-8 bytes per UTF-16 unit).
export const CHUNK_CHARS = 256 * 1024;

export function versionKey(version: Doc<"versions">) {
  return { creationTime: version.creationTime, id: version.docId };
}

/** The open versions of `table` inside `range`, in key order. */
export async function openVersionsInRange(
  db: DatabaseReader,
  table: string,
  range: KeyRange,
): Promise<Doc<"versions">[]> {
  const { after, upTo } = range;
  const rows = await db
    .query("versions")
    .withIndex("by_open_key", (q) => {
      const open = q.eq("table", table).eq("toSeq", null);
      if (after !== null && upTo !== null) {
        return open.gte("creationTime", after.creationTime).lte("creationTime", upTo.creationTime);
      }
      if (after !== null) return open.gte("creationTime", after.creationTime);
      if (upTo !== null) return open.lte("creationTime", upTo.creationTime);
      return open;
    })
    .collect();
  return rows
    .filter((row) => inRange(versionKey(row), range))
    .sort((a, b) => compareKeys(versionKey(a), versionKey(b)));
}

export function splitIntoChunks(json: string): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < json.length) {
    let end = Math.min(start + CHUNK_CHARS, json.length);
    // Never split a surrogate pair: each chunk must be valid UTF-16.
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    chunks.push(json.slice(start, end));
    start = end;
  }
  return chunks.length === 0 ? [""] : chunks;
}

/** Inserts a new open version and its content. Returns documents written. */
export async function insertVersion(
  db: DatabaseWriter,
  table: string,
  entry: DocEntry,
  tag: string,
  seq: number,
): Promise<number> {
  const chunks = splitIntoChunks(entry.json);
  const versionId: Id<"versions"> = await db.insert("versions", {
    table,
    docId: entry.id,
    creationTime: entry.creationTime,
    hash: entry.hash,
    tag,
    fromSeq: seq,
    toSeq: null,
    chunks: chunks.length,
  });
  for (const [index, text] of chunks.entries()) {
    await db.insert("contents", {
      versionId,
      table,
      creationTime: entry.creationTime,
      docId: entry.id,
      index,
      text,
    });
  }
  return 1 + chunks.length;
}
