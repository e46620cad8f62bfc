// Step 1 of the data path (read page -> sanitize -> hash): one page of a
// table, read inside the primary, with secrets already removed. The table
// "_storage" is the primary's file metadata (a system table, read with
// ctx.db.system): its rows are Convex's own, sent as they are.
// A reconciliation asks for keys and hashes only (json: false): the page
// waits for the backup's diff without its documents' JSON, and the action
// then reads just the documents that differ (readDocs.ts, same code path).
import { v, type Infer } from "convex/values";
import type { Value } from "convex/values";
import { internalQueryGeneric, type GenericDataModel, type GenericQueryCtx, type PaginationResult } from "convex/server";
import { RedactionReport, type Sanitizer } from "../sanitize";
import { canonicalJson, sha256Sync } from "../../shared/digest";
import { jsonStringBytes, pageRequestBytes } from "../requestBytes";
import { MAX_PAGE_REDACTIONS, vDocEntry, vRedactedPath, type DocEntry } from "../../shared/protocol";
import { STORAGE_TABLE, type FileMetadata } from "../../shared/files";

// Far inside one query's limits (32,000 documents, 16 MiB read, 16 MiB
// returned): a page holds at most 1,000 documents and stops after ~4 MiB read.
export const PAGE_MAX_DOCS = 1_000;
export const PAGE_MAX_BYTES = 4 * 1024 * 1024;
// A document's JSON, sent as a string in a request body, can be several times
// its stored size (a control character, 1 byte, becomes 7: \\u0001).
// A page whose request bytes exceed this is refused so the caller re-reads it
// smaller, keeping the return value, the batch and the action's memory far
// from their limits. A single document always goes, alone: 1 MiB at most 7x.
export const PAGE_MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/** Creation times (ms) bounding the documents a page reads: after < _creationTime <= upTo. */
export const vCreatedWindow = v.object({ after: v.number(), upTo: v.number() });
export type CreatedWindow = Infer<typeof vCreatedWindow>;

/** A document of a page without its JSON: its key and the hash of its sanitized JSON. */
export const vEntryKey = v.object({ id: v.string(), creationTime: v.number(), hash: v.string() });

export const vPage = v.object({
  /** The page's documents with their JSON; empty when read with json: false. */
  entries: v.array(vDocEntry),
  /** With json: false, the page's documents without their JSON (the same keys and hashes). */
  keys: v.optional(v.array(vEntryKey)),
  /** What the page's documents weigh as a request body (requestBytes), JSON read or not. */
  requestBytes: v.number(),
  continueCursor: v.string(),
  isDone: v.boolean(),
  /** The page was over PAGE_MAX_REQUEST_BYTES: nothing returned, read it again with `fits` documents. */
  tooLarge: v.boolean(),
  fits: v.number(),
  /**
   * What redaction removed from this page's documents: each distinct path
   * with its kind and count, never a value; at most MAX_PAGE_REDACTIONS
   * paths (the table is then listed in redactionsCapped). Empty when tooLarge.
   */
  redactions: v.array(vRedactedPath),
  redactionsCapped: v.array(v.string()),
});

/** The app's internal query `readPage`: one page of a table, sanitized and hashed. */
export const defineReadPage = (sanitizer: Sanitizer) =>
  internalQueryGeneric({
  args: {
    table: v.string(),
    cursor: v.union(v.string(), v.null()),
    maxDocs: v.optional(v.number()),
    /** false: keys and hashes only (the JSON is still made and hashed here, and sizes the page). Default true. */
    json: v.optional(v.boolean()),
    /**
     * Only documents created in (after, upTo] (ms), through the by_creation_time
     * index: a change-log run's new-documents check (verification.ts). Not for "_storage".
     */
    created: v.optional(vCreatedWindow),
  },
  returns: vPage,
  handler: async (ctx, { table, cursor, maxDocs, json, created }) => {
    const page = await readTable(ctx, table, cursor, maxDocs ?? PAGE_MAX_DOCS, created);
    const report = new RedactionReport(MAX_PAGE_REDACTIONS);
    const jsons = page.page.map((doc) => documentJson(sanitizer, table, doc, report));
    let bytes = 0;
    let fits = 0;
    for (const json of jsons) {
      bytes += jsonStringBytes(json);
      if (bytes > PAGE_MAX_REQUEST_BYTES) break;
      fits += 1;
    }
    if (fits < jsons.length && jsons.length > 1) {
      return {
        entries: [],
        requestBytes: 0,
        continueCursor: cursor ?? "",
        isDone: false,
        tooLarge: true,
        fits: Math.max(1, fits),
        redactions: [],
        redactionsCapped: [],
      };
    }
    const entries = hashedEntries(page.page, jsons);
    // The page fits (or is a single document): `bytes` counted every document's JSON.
    const requestBytes = pageRequestBytes(bytes, jsons.length);
    const documents =
      json === false
        ? { entries: [], keys: entries.map(({ id, creationTime, hash }) => ({ id, creationTime, hash })) }
        : { entries };
    return {
      ...documents,
      requestBytes,
      continueCursor: page.continueCursor,
      isDone: page.isDone,
      tooLarge: false,
      fits: entries.length,
      redactions: report.entries(),
      redactionsCapped: report.capped(),
    };
  },
});

export type Row = { _id: string; _creationTime: number } & Record<string, Value>;

/** A document's JSON as the backup stores it: sanitized (redactions counted in `report` if given), keys sorted. */
export function documentJson(sanitizer: Sanitizer, table: string, doc: Row, report?: RedactionReport): string {
  return table === STORAGE_TABLE
    ? canonicalJson(fileMetadata(doc))
    : canonicalJson(sanitizer.sanitizeDocument(table, doc, report));
}

/** Documents with their JSON and its hash (synchronous: no promise per document). */
export function hashedEntries(docs: readonly Row[], jsons: readonly string[]): DocEntry[] {
  return docs.map((doc, i) => ({ id: doc._id, creationTime: doc._creationTime, hash: sha256Sync(jsons[i]!), json: jsons[i]! }));
}

/** One page of `table` in key order; "_storage" through the system reader. */
async function readTable(
  ctx: GenericQueryCtx<GenericDataModel>,
  table: string,
  cursor: string | null,
  numItems: number,
  created: CreatedWindow | undefined,
): Promise<PaginationResult<Row>> {
  const options = { cursor, numItems, maximumBytesRead: PAGE_MAX_BYTES };
  const page =
    table === STORAGE_TABLE
      ? await ctx.db.system.query(STORAGE_TABLE).order("asc").paginate(options)
      : created !== undefined
        ? await ctx.db
            .query(table)
            .withIndex("by_creation_time", (q) => q.gt("_creationTime", created.after).lte("_creationTime", created.upTo))
            .order("asc")
            .paginate(options)
        : await ctx.db.query(table).order("asc").paginate(options);
  return page as PaginationResult<Row>;
}

/** A `_storage` row with exactly the fields Convex gives it (contentType null when none was stored). */
function fileMetadata(doc: Record<string, unknown>): FileMetadata {
  const { _id, _creationTime, sha256, size, contentType } = doc as Partial<FileMetadata>;
  return { _id: _id!, _creationTime: _creationTime!, sha256: sha256!, size: size!, contentType: contentType ?? null };
}
