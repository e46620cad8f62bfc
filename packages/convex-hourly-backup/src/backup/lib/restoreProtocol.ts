// The restore contract: what scripts/restore asks the backup deployment and
// what it answers. Validators are defined once here; restore.ts uses them as
// args/returns and the restore script derives its types from them.
import { v, type Infer } from "convex/values";
import { vRedactedPath } from "../../shared/protocol";

/**
 * Which completed run to restore: the newest, a run id, a run's sequence
 * number, or the newest that started at or before `time` (ms).
 */
export const vRunSelector = v.union(
  v.object({ kind: v.literal("latest") }),
  v.object({ kind: v.literal("runId"), runId: v.string() }),
  v.object({ kind: v.literal("seq"), seq: v.number() }),
  v.object({ kind: v.literal("atOrBefore"), time: v.number() }),
);
export type RunSelector = Infer<typeof vRunSelector>;

export const vRestoreTable = v.object({
  table: v.string(),
  /** Live documents the run recorded for the table (its `scanned` count). */
  documents: v.number(),
  /** Any stored document id of the table, to learn its table number when it has no live document. */
  sampleId: v.union(v.string(), v.null()),
});
export type RestoreTable = Infer<typeof vRestoreTable>;

export const vRestorePoint = v.object({
  runId: v.string(),
  seq: v.number(),
  startedAt: v.number(),
  finishedAt: v.union(v.number(), v.null()),
  tables: v.array(vRestoreTable),
  /**
   * Tables the primary was configured to back up when the run finished but
   * that the point holds no data for (a first run limited with `tables`): a
   * ZIP of this point is partial, so import it with --replace, never
   * --replace-all (which would empty them).
   */
  missingTables: v.array(v.string()),
  /**
   * The primary's schema at this run (restore:getSchema reads it); null for
   * runs from before schemas were stored: their documents are not checked.
   */
  schemaHash: v.union(v.string(), v.null()),
  /**
   * Paths redaction removed that were known at this point (never values; at
   * most MAX_RUN_REDACTIONS): a required field among them needs a placeholder.
   */
  redactions: v.array(vRedactedPath),
});
export type RestorePoint = Infer<typeof vRestorePoint>;

export const getRestorePointArgs = { secret: v.string(), selector: vRunSelector };

/** The schema JSON stored under a restore point's schemaHash (see shared/protocol vRunSchema), or null. */
export const getSchemaArgs = { secret: v.string(), hash: v.string() };
export const vStoredSchema = v.union(v.string(), v.null());

export const readRestorePageArgs = {
  secret: v.string(),
  /** The restore point's seq: documents are the versions live at it. */
  seq: v.number(),
  table: v.string(),
  /** Cursor over the table's versions; null for the first page. */
  cursor: v.union(v.string(), v.null()),
  /** Versions (not documents) to read; the caller adapts it to keep pages near their byte target. */
  numItems: v.number(),
};

/**
 * `page`: the restore point's documents in this stretch of versions, as canonical JSON (with `_id`
 * and `_creationTime`), in (creationTime, id) order. `retry`: the stretch held more content than
 * one query should read; ask again from the same cursor with `numItems`.
 */
export const vRestorePage = v.union(
  v.object({
    kind: v.literal("page"),
    documents: v.array(v.string()),
    continueCursor: v.string(),
    isDone: v.boolean(),
    /** Bytes of content read, to size the next request. */
    bytes: v.number(),
  }),
  v.object({ kind: v.literal("retry"), numItems: v.number() }),
);
export type RestorePage = Infer<typeof vRestorePage>;
