// What applyRange will close and add in a key range, planned before anything
// is written. Two ways to plan, one answer:
//   - by lookup, when the range's digest is stored and the batch is small:
//     each changed document's open version by id, each deleted one by its id
//     tag; the range's new digest is the stored one with those hashes XORed
//     in and out. A changed page then costs the backup one read per change,
//     not a second read of the whole range (diffRange already read it once).
//   - by reading the range's open versions (bounded), as before.
// Either way the caller refuses the batch unless the digest after equals the
// primary's.
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import type { DocEntry } from "../../shared/protocol";
import { inRange, type KeyRange } from "../../shared/keys";
import { ID_TAG_LENGTH, rangeDigest, xorDigests } from "../../shared/digest";
import { MAX_RANGE_VERSIONS } from "../../shared/protocol";
import { openVersionsInRange, versionKey } from "./versions";

// Lookups (one index range each) plus closes stay far inside 4,096.
export const MAX_LOOKUPS = 500;

export type RangePlan = {
  toClose: Doc<"versions">[];
  toAdd: DocEntry[];
  /** Versions closed because the primary no longer has the document. */
  deleted: number;
  /** The range's digest once the plan is applied. */
  digestAfter: string;
};

export type PlanRequest = {
  table: string;
  range: KeyRange;
  upserts: readonly DocEntry[];
  deletedIdTags: readonly string[];
  /** Close every open version in the range that is not in upserts. */
  replace: boolean;
};

/** The open version of one document, if any (one index range). */
export function openVersionOf(db: DatabaseReader, table: string, docId: string): Promise<Doc<"versions"> | null> {
  return db
    .query("versions")
    .withIndex("by_doc", (q) => q.eq("table", table).eq("docId", docId).eq("toSeq", null))
    .first();
}

/** Plans by lookup; null when it cannot (too many changes, a tag not found or ambiguous): read the range then. */
export async function planByLookup(db: DatabaseReader, request: PlanRequest, storedDigest: string): Promise<RangePlan | null> {
  const { table, range, upserts, deletedIdTags } = request;
  if (request.replace || upserts.length + deletedIdTags.length > MAX_LOOKUPS) return null;
  const toClose = new Map<Id<"versions">, Doc<"versions">>();
  const toAdd: DocEntry[] = [];
  for (const entry of upserts) {
    const open = await openVersionOf(db, table, entry.id);
    if (open?.hash === entry.hash) continue;
    toAdd.push(entry);
    if (open !== null) toClose.set(open._id, open);
  }
  const upsertIds = new Set(upserts.map((entry) => entry.id));
  let deleted = 0;
  for (const idTag of deletedIdTags) {
    // Id tags are 36 bits: another document may share one, so keep only those in this range.
    const candidates = (
      await db
        .query("versions")
        .withIndex("by_open_id_tag", (q) => q.eq("table", table).eq("toSeq", null).eq("idTag", idTag))
        .take(8)
    ).filter((row) => inRange(versionKey(row), range) && !upsertIds.has(row.docId));
    if (candidates.length !== 1) return null;
    if (!toClose.has(candidates[0]!._id)) deleted += 1;
    toClose.set(candidates[0]!._id, candidates[0]!);
  }
  const hashes = [...[...toClose.values()].map((row) => row.hash), ...toAdd.map((entry) => entry.hash)];
  return { toClose: [...toClose.values()], toAdd, deleted, digestAfter: xorDigests(storedDigest, hashes) };
}

/** Plans from the range's open versions; null when the range holds more than one call may read. */
export async function planByReading(db: DatabaseReader, request: PlanRequest): Promise<RangePlan | null> {
  const { table, range, upserts, deletedIdTags, replace } = request;
  const { rows: open, complete } = await openVersionsInRange(db, table, range, MAX_RANGE_VERSIONS);
  if (!complete) return null;
  const openById = new Map(open.map((row) => [row.docId, row]));
  const upsertIds = new Set(upserts.map((entry) => entry.id));
  const toClose = new Map<Id<"versions">, Doc<"versions">>();
  const toAdd = upserts.filter((entry) => openById.get(entry.id)?.hash !== entry.hash);
  for (const entry of toAdd) {
    const current = openById.get(entry.id);
    if (current !== undefined) toClose.set(current._id, current);
  }
  const deletedTags = new Set(deletedIdTags);
  let deleted = 0;
  for (const row of open) {
    if (upsertIds.has(row.docId)) continue;
    if (replace || deletedTags.has(row.tag.slice(0, ID_TAG_LENGTH))) {
      toClose.set(row._id, row);
      deleted += 1;
    }
  }
  const kept = open.filter((row) => !toClose.has(row._id)).map((row) => row.hash);
  const digestAfter = await rangeDigest([...kept, ...toAdd.map((entry) => entry.hash)]);
  return { toClose: [...toClose.values()], toAdd, deleted, digestAfter };
}
