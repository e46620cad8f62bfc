// The change log: which documents the app's mutations wrote, in commit
// order. Spread into the app's schema (`...backupTables`) to turn change
// capture on; without it every backup run scans every table.
import { defineTable, type DataModelFromSchemaDefinition, type SchemaDefinition } from "convex/server";
import { v } from "convex/values";

export const CHANGE_LOG_TABLE = "backupChanges";

/** Ids per log row: a mutation writing more documents writes several rows (parts). */
export const MAX_IDS_PER_ROW = 1_000;

export const vChangeLogFields = {
  /** The writing mutation's commit timestamp (ctx.db.vars.commitTs): strictly follows commit order. */
  ts: v.commitTs(),
  /** 0, 1, ... when one mutation wrote more than MAX_IDS_PER_ROW documents. */
  part: v.number(),
  /** Ids of the documents the mutation inserted, patched, replaced or deleted. */
  ids: v.array(v.string()),
};

export const backupTables = {
  // Written by the wrapped mutation builders (one row per mutation, in the
  // same transaction as its writes); read by readChanges; deleted by
  // deleteRows and dropChanges once the backup acknowledged them.
  [CHANGE_LOG_TABLE]: defineTable(vChangeLogFields).index("by_ts", ["ts", "part"]),
};

/** The slice of every app's data model the library's own functions use. */
export type ChangeLogDataModel = DataModelFromSchemaDefinition<SchemaDefinition<typeof backupTables, true>>;
