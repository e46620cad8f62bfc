// Step 1 of the data path (read page -> sanitize -> hash): one page of a
// table, read inside the primary, with secrets already removed.
import { v } from "convex/values";
import type { Value } from "convex/values";
import { internalQuery } from "./_generated/server";
import type { TableNames } from "./_generated/dataModel";
import { sanitizeDocument } from "./lib/sanitize";
import { canonicalJson, sha256 } from "../shared/digest";
import { vDocEntry, type DocEntry } from "../shared/protocol";

// Far inside one query's limits (32,000 documents, 16 MiB read, 16 MiB
// returned): a page holds at most 1,000 documents and stops after ~4 MiB.
export const PAGE_MAX_DOCS = 1_000;
export const PAGE_MAX_BYTES = 4 * 1024 * 1024;

export const readPage = internalQuery({
  args: {
    table: v.string(),
    cursor: v.union(v.string(), v.null()),
    maxDocs: v.optional(v.number()),
    maxBytes: v.optional(v.number()),
  },
  returns: v.object({
    entries: v.array(vDocEntry),
    continueCursor: v.string(),
    isDone: v.boolean(),
  }),
  handler: async (ctx, { table, cursor, maxDocs, maxBytes }) => {
    const page = await ctx.db
      .query(table as TableNames)
      .order("asc")
      .paginate({
        cursor,
        numItems: maxDocs ?? PAGE_MAX_DOCS,
        maximumBytesRead: maxBytes ?? PAGE_MAX_BYTES,
      });
    const entries: DocEntry[] = [];
    for (const doc of page.page) {
      const json = canonicalJson(sanitizeDocument(table, doc as { [key: string]: Value }));
      entries.push({ id: doc._id, creationTime: doc._creationTime, hash: await sha256(json), json });
    }
    return { entries, continueCursor: page.continueCursor, isDone: page.isDone };
  },
});
