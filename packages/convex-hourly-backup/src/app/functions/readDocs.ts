// The documents a reconciliation found different, read again by id: a page
// is read with keys and hashes only (readPage, json: false) and diffed, and
// only the documents the backup lacks or holds otherwise are read with their
// JSON, through readPage's own sanitize and hash code. Redactions are not
// reported here: readPage counted them when it read the page.
import { v } from "convex/values";
import { getConvexSize } from "convex/values";
import { internalQueryGeneric, type GenericDataModel, type GenericQueryCtx } from "convex/server";
import type { Sanitizer } from "../sanitize";
import { jsonStringBytes } from "../requestBytes";
import { vDocEntry } from "../../shared/protocol";
import { STORAGE_TABLE } from "../../shared/files";
import { documentJson, hashedEntries, PAGE_MAX_BYTES, PAGE_MAX_DOCS, PAGE_MAX_REQUEST_BYTES, type Row } from "./readPage";

export const vDocsRead = v.object({
  /**
   * The documents of the first ids, in order: each as readPage gives it, or
   * null when it is gone. Fewer than asked when the next would pass a page's
   * bounds (PAGE_MAX_BYTES read, PAGE_MAX_REQUEST_BYTES of JSON): ask again
   * for the rest. At least one.
   */
  docs: v.array(v.union(vDocEntry, v.null())),
});

/** The app's internal query `readDocs`: documents of one table by id, sanitized and hashed. */
export const defineReadDocs = (sanitizer: Sanitizer) =>
  internalQueryGeneric({
    args: { table: v.string(), ids: v.array(v.string()) },
    returns: vDocsRead,
    handler: async (ctx, { table, ids }) => {
      if (ids.length > PAGE_MAX_DOCS) throw new Error(`readDocs: at most ${PAGE_MAX_DOCS} ids a call, got ${ids.length}.`);
      const found: (Row | null)[] = [];
      const jsons: string[] = [];
      let bytesRead = 0;
      let requestBytes = 0;
      for (const id of ids) {
        if (found.length > 0 && bytesRead >= PAGE_MAX_BYTES) break;
        const doc = await readDoc(ctx, table, id);
        if (doc === null) {
          found.push(null);
          continue;
        }
        const json = documentJson(sanitizer, table, doc);
        requestBytes += jsonStringBytes(json);
        if (found.length > 0 && requestBytes > PAGE_MAX_REQUEST_BYTES) break;
        bytesRead += getConvexSize(doc);
        found.push(doc);
        jsons.push(json);
      }
      const entries = hashedEntries(found.filter((doc) => doc !== null), jsons);
      let next = 0;
      return { docs: found.map((doc) => (doc === null ? null : entries[next++]!)) };
    },
  });

/** A document of `table` by id; null when gone (or when the id is not one of the table's). */
async function readDoc(ctx: GenericQueryCtx<GenericDataModel>, table: string, id: string): Promise<Row | null> {
  if (table === STORAGE_TABLE) {
    const storageId = ctx.db.system.normalizeId(STORAGE_TABLE, id);
    return storageId === null ? null : ((await ctx.db.system.get(storageId)) as Row | null);
  }
  const docId = ctx.db.normalizeId(table, id);
  return docId === null ? null : ((await ctx.db.get(docId)) as Row | null);
}
