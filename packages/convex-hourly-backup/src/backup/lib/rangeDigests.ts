// Stored range digests: an unchanged key range is recognised by one read
// instead of reading every open version in it. The invariant every writer
// keeps: a stored range's digest equals the XOR of the hashes of the open
// versions inside it, and stored ranges never overlap.
//   - diffRange and applyRange store the digest of a range they know whole
//     (putRangeDigest first deletes what overlaps it);
//   - applyChanges, which changes single documents, updates the digest of the
//     range holding each one (adjustRangeDigests);
//   - retireTable deletes a table's ranges.
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";
import { compareKeys, type DocKey, type KeyRange } from "../../shared/keys";
import { xorDigests } from "../../shared/digest";

// Most ranges one store may replace; a range overlapping more stays unstored.
const MAX_OVERLAPPING = 64;

const OPEN_END = { creationTime: Infinity, id: "" };
const OPEN_START = { creationTime: -Infinity, id: "" };

function upToOf(row: Doc<"rangeDigests">): DocKey {
  return { creationTime: row.upToCreationTime, id: row.upToId };
}
function afterOf(row: Doc<"rangeDigests">): DocKey {
  return { creationTime: row.afterCreationTime, id: row.afterId };
}
const sameKey = (a: DocKey, b: DocKey) => a.creationTime === b.creationTime && a.id === b.id;

/** The first stored range of `table` ending at or after `key`: the only one that can hold it. */
async function rangeEndingAtOrAfter(db: DatabaseReader, table: string, key: DocKey): Promise<Doc<"rangeDigests"> | null> {
  const tie = await db
    .query("rangeDigests")
    .withIndex("by_up_to", (q) => q.eq("table", table).eq("upToCreationTime", key.creationTime).gte("upToId", key.id))
    .first();
  if (tie !== null) return tie;
  return db
    .query("rangeDigests")
    .withIndex("by_up_to", (q) => q.eq("table", table).gt("upToCreationTime", key.creationTime))
    .first();
}

/** The stored digest of exactly this range, or null. One index range. */
export async function storedRangeDigestRow(db: DatabaseReader, table: string, range: KeyRange): Promise<Doc<"rangeDigests"> | null> {
  const upTo = range.upTo ?? OPEN_END;
  const row = await db
    .query("rangeDigests")
    .withIndex("by_up_to", (q) => q.eq("table", table).eq("upToCreationTime", upTo.creationTime).eq("upToId", upTo.id))
    .first();
  return row !== null && sameKey(afterOf(row), range.after ?? OPEN_START) ? row : null;
}

/** Stores `digest` as the range's, replacing what overlaps it (bounded; else nothing is stored). */
export async function putRangeDigest(db: DatabaseWriter, table: string, range: KeyRange, digest: string): Promise<void> {
  const after = range.after ?? OPEN_START;
  const upTo = range.upTo ?? OPEN_END;
  // Overlapping: every range ending inside (after, upTo], and the one ending past it if it starts before upTo.
  const inside = await db
    .query("rangeDigests")
    .withIndex("by_up_to", (q) => {
      const t = q.eq("table", table);
      return range.after === null ? t.lte("upToCreationTime", upTo.creationTime) : t.gte("upToCreationTime", after.creationTime).lte("upToCreationTime", upTo.creationTime);
    })
    .take(MAX_OVERLAPPING * 2);
  const overlapping = inside.filter((row) => compareKeys(upToOf(row), after) > 0 && compareKeys(upToOf(row), upTo) <= 0);
  const next = range.upTo === null ? null : await rangeEndingAtOrAfter(db, table, { creationTime: upTo.creationTime, id: upTo.id + "\u0000" });
  if (next !== null && compareKeys(afterOf(next), upTo) < 0) overlapping.push(next);
  if (overlapping.length > MAX_OVERLAPPING || inside.length === MAX_OVERLAPPING * 2) {
    for (const row of overlapping.slice(0, MAX_OVERLAPPING)) await db.delete("rangeDigests", row._id);
    return;
  }
  for (const row of overlapping) await db.delete("rangeDigests", row._id);
  await db.insert("rangeDigests", {
    table,
    afterCreationTime: after.creationTime,
    afterId: after.id,
    upToCreationTime: upTo.creationTime,
    upToId: upTo.id,
    digest,
  });
}

/**
 * Keeps stored digests current after single documents changed: each change
 * is the key and the hashes leaving and entering the open versions there.
 * Changes are grouped by range so each range is read and written once.
 */
export async function adjustRangeDigests(
  db: DatabaseWriter,
  table: string,
  changes: readonly { key: DocKey; hashes: string[] }[],
): Promise<void> {
  const sorted = [...changes].sort((a, b) => compareKeys(a.key, b.key));
  let i = 0;
  while (i < sorted.length) {
    const row = await rangeEndingAtOrAfter(db, table, sorted[i]!.key);
    const end = row === null ? OPEN_END : upToOf(row);
    const hashes: string[] = [];
    for (; i < sorted.length && compareKeys(sorted[i]!.key, end) <= 0; i++) {
      if (row !== null && compareKeys(sorted[i]!.key, afterOf(row)) > 0) hashes.push(...sorted[i]!.hashes);
    }
    if (row !== null && hashes.length > 0) {
      await db.patch("rangeDigests", row._id, { digest: xorDigests(row.digest, hashes) });
    }
    if (row === null) break;
  }
}

/** Deletes up to `limit` of a table's stored ranges; true when none is left. */
export async function deleteRangeDigests(db: DatabaseWriter, table: string, limit: number): Promise<boolean> {
  const rows = await db
    .query("rangeDigests")
    .withIndex("by_up_to", (q) => q.eq("table", table))
    .take(limit + 1);
  for (const row of rows.slice(0, limit)) await db.delete("rangeDigests", row._id);
  return rows.length <= limit;
}
