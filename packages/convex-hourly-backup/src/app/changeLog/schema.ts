// The change log: which documents the app's mutations wrote, in commit
// order. Spread into the app's schema (`...backupTables`) to turn change
// capture on; without it every backup run scans every table.
import { defineTable, type DataModelFromSchemaDefinition, type SchemaDefinition } from "convex/server";
import { v } from "convex/values";

export const CHANGE_LOG_TABLE = "backupChanges";

/**
 * Ids per log row: Convex's limit on array elements. A mutation writing N
 * distinct documents writes ceil(N / 8,192) rows, each a write of its own: a
 * wrapped mutation stays within Convex's 16,000 writes when its own writes
 * plus its rows do (15,998 documents written once each).
 */
export const MAX_IDS_PER_ROW = 8_192;
/**
 * Bytes of ids per log row (getConvexSize): a real id is at most 37
 * characters (39 bytes), so 8,192 of them fit; longer ids (convex-test's) make
 * more rows. Bounds a row's stored size (LOG_ROW_MAX_BYTES), which is what a
 * reader of the log must plan for.
 */
export const MAX_ID_BYTES_PER_ROW = 320 * 1024;
/** The largest stored log row: its ids plus _id, _creationTime, ts and part. */
export const LOG_ROW_MAX_BYTES = MAX_ID_BYTES_PER_ROW + 1024;

/**
 * Recorders of one transaction share its commit timestamp (a mutation called
 * with ctx.runMutation from a mutation runs in its caller's transaction), so
 * each numbers its rows from a random base of its own: base + 0, base + 1, ...
 * with base a multiple of PARTS_PER_RECORDER below 2^53. Rows written by
 * earlier versions have parts 0, 1, ... and are read the same way.
 */
export const PARTS_PER_RECORDER = 2 ** 12;

export const vChangeLogFields = {
  /** The writing mutation's commit timestamp (ctx.db.vars.commitTs): strictly follows commit order. */
  ts: v.commitTs(),
  /** Unique among the rows of one commit timestamp (see PARTS_PER_RECORDER). */
  part: v.number(),
  /** Ids of the documents the mutation inserted, patched, replaced or deleted. */
  ids: v.array(v.string()),
};

export const backupTables = {
  // Written by the wrapped mutation builders (a row per recorder and
  // MAX_IDS_PER_ROW ids, in the same transaction as its writes); read by
  // readChanges; deleted by deleteRows and dropChanges once the backup
  // acknowledged them.
  [CHANGE_LOG_TABLE]: defineTable(vChangeLogFields).index("by_ts", ["ts", "part"]),
};

/** The slice of every app's data model the library's own functions use. */
export type ChangeLogDataModel = DataModelFromSchemaDefinition<SchemaDefinition<typeof backupTables, true>>;
