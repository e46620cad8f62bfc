// One page of a restore point: the documents of a table as of run `seq`.
//
// Step 1 paginates the table's versions in key order (one .paginate()).
// Step 2 reads the content of the live ones with ONE index range over
// contents.by_key spanning the page's first..last live key, so the number of
// queries grows with pages, not documents. That range also holds the content
// of other versions of the same documents (older or newer than the point), so
// it is read lazily against a byte and a row budget:
//   - once SOFT_BUDGET is passed and at least one document is complete, the
//     page is cut after the complete ones: the caller asks again from the same
//     cursor for just those versions (`retry`), which then fit;
//   - when HARD_BUDGET or MAX_CONTENT_ROWS is reached before any document is
//     complete (the first document's history is that large), the page is cut
//     after the first document; a page with one live document reads its
//     content through contents.by_version alone, never its history.
// A query thus reads at most 2 MiB of versions and HARD_BUDGET + one chunk of
// contents, or one document (at most MAX_BATCH_BYTES), and scans at most
// MAX_VERSIONS_PER_PAGE + MAX_CONTENT_ROWS rows: inside Convex's 16 MiB and
// 32,000-document limits whatever the history looks like.
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { compareKeys } from "../../shared/keys";
import { utf8Length } from "../../shared/digest";
import { CHUNK_CHARS, versionKey } from "./versions";
import { MAX_BATCH_BYTES } from "./validateBatch";
import type { RestorePage } from "./restoreProtocol";

export const MAX_VERSIONS_PER_PAGE = 2_000;
export const VERSIONS_MAX_BYTES = 2 * 1024 * 1024;
export const SOFT_BUDGET = 3 * 1024 * 1024;
export const HARD_BUDGET = 6 * 1024 * 1024;
export const MAX_CONTENT_ROWS = 8_000;
/** A stored document is at most MAX_BATCH_BYTES of JSON, so at most this many chunks. */
const MAX_VERSION_CHUNKS = Math.ceil(MAX_BATCH_BYTES / CHUNK_CHARS);
/** What a content row costs besides its text (ids, key fields). */
const ROW_OVERHEAD = 128;

export function isLiveAt(version: Doc<"versions">, seq: number): boolean {
  return version.fromSeq <= seq && (version.toSeq === null || version.toSeq > seq);
}

export async function readRestorePage(
  db: DatabaseReader,
  args: { seq: number; table: string; cursor: string | null; numItems: number },
): Promise<RestorePage> {
  const numItems = Math.max(1, Math.min(MAX_VERSIONS_PER_PAGE, Math.floor(args.numItems)));
  const page = await db
    .query("versions")
    .withIndex("by_key", (q) => q.eq("table", args.table))
    .paginate({ cursor: args.cursor, numItems, maximumBytesRead: VERSIONS_MAX_BYTES });
  const live = page.page.filter((version) => isLiveAt(version, args.seq));
  const done = { continueCursor: page.continueCursor, isDone: page.isDone };
  if (live.length === 0) return { kind: "page", documents: [], bytes: 0, ...done };

  const read = await readLiveContents(db, args.table, live);
  if (read.complete < live.length) {
    // Cut after the last complete document: every version up to its key, and no further.
    const last = versionKey(live[Math.max(read.complete, 1) - 1]!);
    const fits = page.page.filter((version) => compareKeys(versionKey(version), last) <= 0).length;
    return { kind: "retry", numItems: fits };
  }
  return { kind: "page", documents: read.texts, bytes: read.bytes, ...done };
}

type ContentRead = { texts: string[]; complete: number; bytes: number };

/** The live versions' texts in order; `complete` < live.length when a budget cut the read short. */
async function readLiveContents(
  db: DatabaseReader,
  table: string,
  live: Doc<"versions">[],
): Promise<ContentRead> {
  if (live.length === 1) {
    const text = await readVersionDirectly(db, live[0]!);
    return { texts: [text], complete: 1, bytes: utf8Length(text) };
  }
  // Small documents are inline in their version; only the others need content rows.
  const parts = new Map(live.map((version) => [version._id as string, version.text === undefined ? [] : [version.text]]));
  const remaining = new Map(live.map((version) => [version._id as string, version.text === undefined ? version.chunks : 0]));
  let complete = 0;
  let bytes = live.reduce((sum, version) => sum + (version.text === undefined ? 0 : utf8Length(version.text)), 0);
  let rows = 0;
  while (complete < live.length && remaining.get(live[complete]!._id) === 0) complete += 1;
  const chunked = live.filter((version) => version.text === undefined);
  if (chunked.length === 0) return { texts: live.map((version) => version.text!), complete: live.length, bytes };
  const first = chunked[0]!.creationTime;
  const last = chunked[chunked.length - 1]!.creationTime;
  const range = db
    .query("contents")
    .withIndex("by_key", (q) => q.eq("table", table).gte("creationTime", first).lte("creationTime", last));
  for await (const chunk of range) {
    if (bytes >= SOFT_BUDGET && complete > 0) break;
    // Nothing complete yet: the caller retries with the first document alone.
    if (bytes >= HARD_BUDGET || rows >= MAX_CONTENT_ROWS) break;
    bytes += utf8Length(chunk.text) + ROW_OVERHEAD;
    rows += 1;
    const own = parts.get(chunk.versionId);
    if (own === undefined) continue;
    own[chunk.index] = chunk.text;
    const left = remaining.get(chunk.versionId)! - 1;
    remaining.set(chunk.versionId, left);
    // Contents come in key order, so documents complete in the order of `live`.
    while (complete < live.length && remaining.get(live[complete]!._id) === 0) complete += 1;
    if (complete === live.length) break;
  }
  const texts = live.slice(0, complete).map((version) => parts.get(version._id)!.join(""));
  return { texts, complete, bytes };
}

/** One version's text through contents.by_version: its own chunks only, never its history. */
export async function readVersionDirectly(db: DatabaseReader, version: Doc<"versions">): Promise<string> {
  if (version.text !== undefined) return version.text;
  const chunks = await db
    .query("contents")
    .withIndex("by_version", (q) => q.eq("versionId", version._id))
    .take(Math.min(version.chunks, MAX_VERSION_CHUNKS));
  return chunks.map((chunk) => chunk.text).join("");
}
