// Reading and writing versions. The open versions of a key range are the
// backup's current state of that range; a few exact index ranges read them,
// bounded, so the cost of a diff grows with pages, not documents.
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";
import type { IndexRange, IndexRangeBuilder } from "convex/server";
import type { KeyRange } from "../../shared/keys";
import type { DocEntry } from "../../shared/protocol";
import { ID_TAG_LENGTH, utf8Length } from "../../shared/digest";
import { fileSha256Of } from "./files";

// A content chunk stays far below the 1 MiB document limit whatever its
// characters (at most 3 UTF-8 bytes per UTF-16 unit).
export const CHUNK_CHARS = 256 * 1024;

// A small document's JSON is stored in its version row: one row per change
// instead of two, and the row (about 300 bytes of key fields besides the
// text) stays within 1 KiB, the unit Convex's database I/O billing rounds to.
export const INLINE_MAX_BYTES = 720;

export function versionKey(version: Doc<"versions">) {
  return { creationTime: version.creationTime, id: version.docId };
}

export type OpenVersions = {
  /** In key order: all of the range's open versions, or its first `limit` when `complete` is false. */
  rows: Doc<"versions">[];
  complete: boolean;
};

/**
 * The open versions of `table` inside `range`, in key order, reading at most
 * `limit` + 1 rows however many the range holds. The range (after, upTo] is
 * read as up to three exact index ranges (the rest of after's creation time,
 * the times strictly between, the start of upTo's), so no row outside it is
 * read and a bounded read always makes progress.
 */
export async function openVersionsInRange(
  db: DatabaseReader,
  table: string,
  range: KeyRange,
  limit: number,
): Promise<OpenVersions> {
  const rows: Doc<"versions">[] = [];
  for (const piece of rangePieces(range)) {
    const wanted = limit + 1 - rows.length;
    const read = await db
      .query("versions")
      .withIndex("by_open_key", (q) => piece(q.eq("table", table).eq("toSeq", null)))
      .take(wanted);
    rows.push(...read);
    if (rows.length > limit) return { rows: rows.slice(0, limit), complete: false };
  }
  return { rows, complete: true };
}

// The index query builder after table and toSeq are fixed.
type OpenKeyQuery = IndexRangeBuilder<Doc<"versions">, ["table", "toSeq", "creationTime", "docId", "_creationTime"], 2>;
type Piece = (q: OpenKeyQuery) => IndexRange;

/** (after, upTo] as exact index ranges over (creationTime, docId), in key order. */
function rangePieces({ after, upTo }: KeyRange): Piece[] {
  if (after !== null && upTo !== null && after.creationTime === upTo.creationTime) {
    return [(q) => q.eq("creationTime", after.creationTime).gt("docId", after.id).lte("docId", upTo.id)];
  }
  const pieces: Piece[] = [];
  if (after !== null) pieces.push((q) => q.eq("creationTime", after.creationTime).gt("docId", after.id));
  pieces.push((q) => {
    if (after !== null && upTo !== null) return q.gt("creationTime", after.creationTime).lt("creationTime", upTo.creationTime);
    if (after !== null) return q.gt("creationTime", after.creationTime);
    if (upTo !== null) return q.lt("creationTime", upTo.creationTime);
    return q;
  });
  if (upTo !== null) pieces.push((q) => q.eq("creationTime", upTo.creationTime).lte("docId", upTo.id));
  return pieces;
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

/** Inserts a new open version and its content (inline when small). Returns documents written. */
export async function insertVersion(
  db: DatabaseWriter,
  table: string,
  entry: DocEntry,
  tag: string,
  seq: number,
): Promise<number> {
  const idTag = tag.slice(0, ID_TAG_LENGTH);
  const fileSha256 = fileSha256Of(table, entry.json);
  const fields = {
    table, docId: entry.id, creationTime: entry.creationTime, hash: entry.hash, tag, idTag, fromSeq: seq, toSeq: null,
    // A file's metadata names its content: retention keeps the file while a version does.
    ...(fileSha256 === undefined ? {} : { fileSha256 }),
  };
  if (utf8Length(entry.json) <= INLINE_MAX_BYTES) {
    await db.insert("versions", { ...fields, chunks: 0, text: entry.json });
    return 1;
  }
  const chunks = splitIntoChunks(entry.json);
  const versionId: Id<"versions"> = await db.insert("versions", { ...fields, chunks: chunks.length });
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
