// Step 1 of a change-log run (read changes -> sanitize -> hash): the
// documents the app's wrapped mutations wrote since the cursor, read by id in
// the same query as the log rows, with secrets already removed. Then, once
// the backup acknowledged them, the drained rows are dropped.
import { getConvexSize, v, type GenericId } from "convex/values";
import {
  internalMutationGeneric,
  internalQueryGeneric,
  type GenericDatabaseReader,
  type GenericDataModel,
  type MutationBuilder,
  type QueryBuilder,
} from "convex/server";
import { RedactionReport, type Sanitizer } from "../sanitize";
import { jsonStringBytes } from "../requestBytes";
import { CHANGE_LOG_TABLE, LOG_ROW_MAX_BYTES, type ChangeLogDataModel } from "../changeLog/schema";
import { documentJson, hashedEntries, PAGE_MAX_DOCS, PAGE_MAX_REQUEST_BYTES, type Row } from "./readPage";
import { ReadBudget, rowsAfter, rowsAfterRow, tsOf, type LogRow } from "./logRead";
import { MAX_PAGE_REDACTIONS, vDocEntry, vLogCursor, vRedactedPath } from "../../shared/protocol";

// A page of the log holds up to LOG_PAGE_MAX_DOCS documents and stops after
// LOG_PAGE_MAX_READ_BYTES read (documents and log rows, at their stored size)
// or PAGE_MAX_REQUEST_BYTES of JSON to send: an hour's changes usually fit in
// one page, so they reach the backup in a few large batches, each stored
// range digest is adjusted once per batch, and few requests pay the
// network's latency. ReadBudget keeps every page inside a query's limits.
const LOG_PAGE_MAX_DOCS = 2 * PAGE_MAX_DOCS;
const LOG_PAGE_MAX_READ_BYTES = 8 * 1024 * 1024;
// Log rows are read in chunks until the page is full. A row holds up to
// MAX_IDS_PER_ROW ids (duplicates and other tables' ids count too), so a page
// also stops after LOG_PAGE_MAX_IDS ids and LOG_PAGE_MAX_ROWS rows: deleteRows
// then deletes at most that many rows in one mutation (a read, a write and
// an index range each: about half of a transaction's 4,096 ranges).
const LOG_ROWS_PER_CHUNK = 100;
const LOG_FIRST_CHUNK = 1;
const LOG_PAGE_MAX_ROWS = LOG_PAGE_MAX_DOCS;
const LOG_PAGE_MAX_IDS = 4 * LOG_PAGE_MAX_DOCS;
// The sweep (dropChanges) reads rows in chunks of DROP_CHUNK and deletes each
// (a second read of it): up to DROP_ROWS_PER_CALL rows and DROP_MAX_READ_BYTES a call.
const DROP_ROWS_PER_CALL = 1_000;
const DROP_CHUNK = 16;
const DROP_MAX_READ_BYTES = 15 * 1024 * 1024;

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

// The app's builders, typed for the change log (the rest of its schema is unknown here).
const internalQuery = internalQueryGeneric as QueryBuilder<ChangeLogDataModel, "internal">;
const internalMutation = internalMutationGeneric as MutationBuilder<ChangeLogDataModel, "internal">;

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
    // Per table: what the page sends (the documents' keys and JSON, never the documents themselves: they may be large).
    const byTable = new Map<string, { upserts: { doc: Row; json: string }[]; deletedIds: string[] }>();
    const seen = new Set<string>();
    const budget = new ReadBudget();
    let cursor = after;
    let docs = 0;
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
    // chunk is sized from the ids per row seen so far, shrinks as the page
    // fills, and is never more rows of the largest size than the budget has room for.
    const chunkSize = () => {
      const idsPerRow = Math.max(1, idsRead / Math.max(1, rowsRead));
      const fits = Math.ceil(Math.min(LOG_PAGE_MAX_DOCS - docs, LOG_PAGE_MAX_IDS - idsRead) / idsPerRow);
      return Math.min(budget.rowsThatFit(), Math.max(1, Math.min(LOG_ROWS_PER_CHUNK, LOG_PAGE_MAX_ROWS - rowsRead, fits)));
    };
    // A page holds at least one id (and one document), then stops at its budget; never past a query's limits.
    const pageFull = () =>
      idsRead >= LOG_PAGE_MAX_IDS ||
      !budget.roomForDocument() ||
      (docs > 0 && (docs >= LOG_PAGE_MAX_DOCS || budget.bytes >= LOG_PAGE_MAX_READ_BYTES || requestBytes >= PAGE_MAX_REQUEST_BYTES));
    let wanted = LOG_FIRST_CHUNK;
    let rows: LogRow[] = await rowsAfter(ctx, budget, after, wanted);
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
          const doc = (await db.get(table, id as GenericId<string>)) as Row | null;
          budget.read(doc);
          docs += 1;
          if (doc === null) {
            group.deletedIds.push(id);
            continue;
          }
          const json = documentJson(sanitizer, table, doc, report);
          requestBytes += jsonStringBytes(json);
          group.upserts.push({ doc: { _id: doc._id, _creationTime: doc._creationTime }, json });
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
      if (wanted === 0) break;
      rows = await rowsAfterRow(ctx, budget, rows.at(-1)!, wanted);
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

/**
 * Where the log stands now: the snapshot's timestamp, on the clock of the
 * rows' commit timestamps. Every row committed so far is at or before it and
 * every later one after it, so a reconciliation scan that starts now covers
 * every row up to it, and the next run drains from there: a cursor even when
 * the log is empty (an idle app, or data from an import).
 */
const defineLogEnd = () =>
  internalQuery({
  args: {},
  returns: v.union(vLogCursor, v.null()),
  // Past every part at the snapshot's timestamp: the rows committed at it are visible, hence covered.
  handler: async (ctx) => ({ ts: ctx.meta.getSnapshotTs(), part: Number.MAX_SAFE_INTEGER, offset: 0 }),
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
 * and deleting them. Run by reconciliations; bounded per call (rows and bytes).
 */
const defineDropChanges = () =>
  internalMutation({
  args: { through: vLogCursor },
  returns: v.object({ deleted: v.number(), done: v.boolean() }),
  handler: async (ctx, { through }) => {
    // Rows not drained yet are all at `through.ts`, after its part: the end of the range.
    const drained = (row: LogRow) =>
      tsOf(row) < through.ts || row.part < through.part || (row.part === through.part && through.offset >= row.ids.length);
    let deleted = 0;
    let bytesRead = 0;
    for (;;) {
      const rows = await ctx.db
        .query(CHANGE_LOG_TABLE)
        .withIndex("by_ts", (q) => q.lte("ts", through.ts))
        .take(DROP_CHUNK);
      for (const row of rows) {
        if (!drained(row)) return { deleted, done: true };
        // Read by the query, and again by the delete.
        bytesRead += 2 * getConvexSize(row);
        await ctx.db.delete(CHANGE_LOG_TABLE, row._id);
        deleted += 1;
      }
      if (rows.length < DROP_CHUNK) return { deleted, done: true };
      if (deleted >= DROP_ROWS_PER_CALL || bytesRead + 2 * DROP_CHUNK * LOG_ROW_MAX_BYTES > DROP_MAX_READ_BYTES) return { deleted, done: false };
    }
  },
});
