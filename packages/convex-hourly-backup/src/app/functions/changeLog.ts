// Step 1 of a change-log run (read changes -> sanitize -> hash): the
// documents the app's wrapped mutations wrote since the cursor, read by id in
// the same query as the log rows, with secrets already removed. Then, once
// the backup acknowledged them, the drained rows are dropped.
import { v } from "convex/values";
import {
  internalMutationGeneric,
  internalQueryGeneric,
  type DocumentByName,
  type GenericDatabaseReader,
  type GenericDataModel,
  type GenericQueryCtx,
  type MutationBuilder,
  type QueryBuilder,
} from "convex/server";
import type { GenericId } from "convex/values";
import { RedactionReport, type Sanitizer } from "../sanitize";
import { jsonStringBytes } from "../requestBytes";
import { CHANGE_LOG_TABLE, type ChangeLogDataModel } from "../changeLog/schema";
import { documentJson, hashedEntries, PAGE_MAX_BYTES, PAGE_MAX_DOCS, PAGE_MAX_REQUEST_BYTES, type Row } from "./readPage";
import { utf8Length } from "../../shared/digest";
import { MAX_PAGE_REDACTIONS, vDocEntry, vLogCursor, vRedactedPath, type LogCursor } from "../../shared/protocol";

// A page of the log holds up to LOG_PAGE_MAX_DOCS documents (PAGE_MAX_BYTES
// and PAGE_MAX_REQUEST_BYTES bound their size, as for a scan's page): an
// hour's changes usually fit in one page, so they reach the backup in a few
// large batches, each stored range digest is adjusted once per batch, and
// few requests pay the network's latency.
const LOG_PAGE_MAX_DOCS = 2 * PAGE_MAX_DOCS;
// Log rows are read in chunks until the page is full. A row holds up to
// MAX_IDS_PER_ROW ids (duplicates and other tables' ids count too), so a page
// also stops after LOG_PAGE_MAX_IDS ids and LOG_PAGE_MAX_ROWS rows: deleteRows
// then deletes at most that many rows in one mutation (a read, a write and
// an index range each: about half of a transaction's 4,096 ranges).
const LOG_ROWS_PER_CHUNK = 100;
const LOG_FIRST_CHUNK = 1;
const LOG_PAGE_MAX_ROWS = LOG_PAGE_MAX_DOCS;
const LOG_PAGE_MAX_IDS = 4 * LOG_PAGE_MAX_DOCS;
// Rows dropped per mutation (each delete is a read, a write and an index range).
const DROP_ROWS_PER_CALL = 1_000;

export const vTableChanges = v.object({
  table: v.string(),
  upserts: v.array(vDocEntry),
  /** Ids whose documents no longer exist. */
  deletedIds: v.array(v.string()),
});

export const vChangesPage = v.object({
  tables: v.array(vTableChanges),
  /** Where the next page starts (unchanged when the log held nothing new). */
  cursor: v.union(vLogCursor, v.null()),
  /** The log held nothing after `cursor` when this page was read. */
  isDone: v.boolean(),
  /** Ids read from the log, duplicates and other tables' included. */
  idsRead: v.number(),
  /** Log rows read to their end in this page: deleted once the backup acknowledged the page. */
  drainedRows: v.array(v.id(CHANGE_LOG_TABLE)),
  /** What redaction removed from the page's documents, per table and path, never a value (see readPage's vPage). */
  redactions: v.array(vRedactedPath),
  redactionsCapped: v.array(v.string()),
});

type LogRow = DocumentByName<ChangeLogDataModel, typeof CHANGE_LOG_TABLE>;

// The app's builders, typed for the change log (the rest of its schema is unknown here).
const internalQuery = internalQueryGeneric as QueryBuilder<ChangeLogDataModel, "internal">;
const internalMutation = internalMutationGeneric as MutationBuilder<ChangeLogDataModel, "internal">;

/** A committed row's timestamp (only the writing mutation itself sees the placeholder). */
const tsOf = (row: LogRow) => row.ts as bigint;

/** Log rows after `cursor` in commit order, the cursor's own row first when it is not drained yet. */
async function rowsAfter(ctx: GenericQueryCtx<ChangeLogDataModel>, cursor: LogCursor | null, limit: number): Promise<LogRow[]> {
  const log = () => ctx.db.query(CHANGE_LOG_TABLE);
  if (cursor === null) return log().withIndex("by_ts").take(limit);
  const rows: LogRow[] = [];
  const own = await log()
    .withIndex("by_ts", (q) => q.eq("ts", cursor.ts).eq("part", cursor.part))
    .first();
  if (own !== null && cursor.offset < own.ids.length) rows.push(own);
  rows.push(...(await log().withIndex("by_ts", (q) => q.eq("ts", cursor.ts).gt("part", cursor.part)).take(limit - rows.length)));
  if (rows.length < limit) rows.push(...(await log().withIndex("by_ts", (q) => q.gt("ts", cursor.ts)).take(limit - rows.length)));
  return rows;
}

/** Log rows after the row (ts, part), in commit order: the next chunk of a page. */
async function rowsAfterRow(ctx: GenericQueryCtx<ChangeLogDataModel>, row: LogRow, limit: number): Promise<LogRow[]> {
  const log = () => ctx.db.query(CHANGE_LOG_TABLE);
  const ts = tsOf(row);
  const rows = await log().withIndex("by_ts", (q) => q.eq("ts", ts).gt("part", row.part)).take(limit);
  if (rows.length < limit) rows.push(...(await log().withIndex("by_ts", (q) => q.gt("ts", ts)).take(limit - rows.length)));
  return rows;
}

/** The app's internal functions that read and drain the change log. */
export function defineChangeLogFunctions(sanitizer: Sanitizer) {
  return { readChanges: defineReadChanges(sanitizer), logEnd: defineLogEnd(), deleteRows: defineDeleteRows(), dropChanges: defineDropChanges() };
}

const defineReadChanges = (sanitizer: Sanitizer) =>
  internalQuery({
  args: {
    after: v.union(vLogCursor, v.null()),
    /** The tables backed up: ids of other tables (excluded ones) are skipped. */
    tables: v.array(v.string()),
  },
  returns: vChangesPage,
  handler: async (ctx, { after, tables }) => {
    const byTable = new Map<string, { upserts: { doc: Row; json: string }[]; deletedIds: string[] }>();
    const seen = new Set<string>();
    let cursor = after;
    let docs = 0;
    let bytesRead = 0;
    let requestBytes = 0;
    let idsRead = 0;
    let rowsRead = 0;
    let full = false;
    let logEnded = false;
    const drainedRows: GenericId<typeof CHANGE_LOG_TABLE>[] = [];
    // The app's own tables, by name.
    const db = ctx.db as unknown as GenericDatabaseReader<GenericDataModel>;
    const report = new RedactionReport(MAX_PAGE_REDACTIONS);
    // Few rows more than the page can take are read (each is billed): the next
    // chunk is sized from the ids per row seen so far, and shrinks as the page fills.
    const chunkSize = () => {
      const idsPerRow = Math.max(1, idsRead / Math.max(1, rowsRead));
      const fits = Math.ceil(Math.min(LOG_PAGE_MAX_DOCS - docs, LOG_PAGE_MAX_IDS - idsRead) / idsPerRow);
      return Math.max(1, Math.min(LOG_ROWS_PER_CHUNK, LOG_PAGE_MAX_ROWS - rowsRead, fits));
    };
    // A page holds at least one id (and one document), then stops at its budget.
    const pageFull = () =>
      idsRead >= LOG_PAGE_MAX_IDS ||
      (docs > 0 && (docs >= LOG_PAGE_MAX_DOCS || bytesRead >= PAGE_MAX_BYTES || requestBytes >= PAGE_MAX_REQUEST_BYTES));
    let wanted = LOG_FIRST_CHUNK;
    let rows = await rowsAfter(ctx, after, wanted);
    for (;;) {
      for (const row of rows) {
        const ts = tsOf(row);
        const start = cursor !== null && cursor.ts === ts && cursor.part === row.part ? cursor.offset : 0;
        for (let i = start; i < row.ids.length; i++) {
          if (pageFull()) {
            full = true;
            break;
          }
          cursor = { ts, part: row.part, offset: i + 1 };
          idsRead += 1;
          const id = row.ids[i]!;
          if (seen.has(id)) continue;
          seen.add(id);
          const table = tables.find((name) => db.normalizeId(name, id) !== null);
          if (table === undefined) continue;
          const group = byTable.get(table) ?? { upserts: [], deletedIds: [] };
          byTable.set(table, group);
          const doc = await db.get(table, id as GenericId<string>);
          docs += 1;
          if (doc === null) {
            group.deletedIds.push(id);
            continue;
          }
          const json = documentJson(sanitizer, table, doc as Row, report);
          bytesRead += utf8Length(json);
          requestBytes += jsonStringBytes(json);
          group.upserts.push({ doc: doc as Row, json });
        }
        if (full) break;
        drainedRows.push(row._id);
        rowsRead += 1;
      }
      if (full) break;
      if (rows.length < wanted) {
        logEnded = true;
        break;
      }
      // Full at a row's end: the next chunk would not be used.
      if (rowsRead >= LOG_PAGE_MAX_ROWS || pageFull()) break;
      wanted = chunkSize();
      rows = await rowsAfterRow(ctx, rows.at(-1)!, wanted);
    }
    const out = [...byTable].map(([table, group]) => ({
      table,
      upserts: hashedEntries(group.upserts.map(({ doc }) => doc), group.upserts.map(({ json }) => json)),
      deletedIds: group.deletedIds,
    }));
    const isDone = logEnded;
    return { tables: out, cursor, isDone, idsRead, drainedRows, redactions: report.entries(), redactionsCapped: report.capped() };
  },
});

/** The log's current end: a reconciliation scan that starts now covers every row up to it. */
const defineLogEnd = () =>
  internalQuery({
  args: {},
  returns: v.union(vLogCursor, v.null()),
  handler: async (ctx) => {
    const last = await ctx.db.query(CHANGE_LOG_TABLE).withIndex("by_ts").order("desc").first();
    return last === null ? null : { ts: tsOf(last), part: last.part, offset: last.ids.length };
  },
});

/** Deletes log rows a page read to their end, once the backup acknowledged the page (at most a page's rows). */
const defineDeleteRows = () =>
  internalMutation({
  args: { ids: v.array(v.id(CHANGE_LOG_TABLE)) },
  returns: v.null(),
  handler: async (ctx, { ids }) => {
    for (const id of ids) {
      try {
        await ctx.db.delete(CHANGE_LOG_TABLE, id);
      } catch {
        // Already gone (a resumed run repeating this): nothing to do. No get
        // first: a delete reads the row anyway, a get would read it twice.
      }
    }
    return null;
  },
});

/**
 * Deletes every drained row up to `through`, reading the log from its start:
 * the sweep for rows left behind when a run died between saving its cursor
 * and deleting them. Run by reconciliations; bounded per call.
 */
const defineDropChanges = () =>
  internalMutation({
  args: { through: vLogCursor },
  returns: v.object({ deleted: v.number(), done: v.boolean() }),
  handler: async (ctx, { through }) => {
    const rows = await ctx.db
      .query(CHANGE_LOG_TABLE)
      .withIndex("by_ts", (q) => q.lte("ts", through.ts))
      .take(DROP_ROWS_PER_CALL + 1);
    let deleted = 0;
    for (const row of rows.slice(0, DROP_ROWS_PER_CALL)) {
      const drained =
        tsOf(row) < through.ts || row.part < through.part || (row.part === through.part && through.offset >= row.ids.length);
      if (!drained) continue;
      await ctx.db.delete(CHANGE_LOG_TABLE, row._id);
      deleted += 1;
    }
    return { deleted, done: rows.length <= DROP_ROWS_PER_CALL };
  },
});
