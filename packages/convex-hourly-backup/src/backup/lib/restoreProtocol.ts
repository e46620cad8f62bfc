// The restore contract: what scripts/restore asks the backup deployment and
// what it answers. Validators are defined once here; restore.ts uses them as
// args/returns and the restore script derives its types from them.
import { v, type Infer } from "convex/values";
import { vRedactedPath } from "../../shared/protocol";
import { vTableHolds } from "../../shared/pointHolds";
import { vLackingFiles } from "../../shared/files";

/**
 * Which completed run to restore: the newest whole one (or the newest), a run id, a run's sequence
 * number, the newest that started at or before `time` (ms), or the run
 * carrying a label. A `runId` that is no id of a run is tried as a label.
 */
export const vRunSelector = v.union(
  /** The newest WHOLE point (every configured table held); `any: true`: the newest point, whole or partial. */
  v.object({ kind: v.literal("latest"), any: v.optional(v.boolean()) }),
  v.object({ kind: v.literal("runId"), runId: v.string() }),
  v.object({ kind: v.literal("seq"), seq: v.number() }),
  v.object({ kind: v.literal("atOrBefore"), time: v.number() }),
  v.object({ kind: v.literal("label"), label: v.string() }),
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
   * Tables the completed point before this one held that this one neither
   * holds nor lists as configured (excluded since, gone from the schema, or a
   * run that left them out): --replace-all would empty them, so the ZIP gets
   * --replace. Absent from backups older than 0.4.
   */
  droppedTables: v.optional(v.array(v.string())),
  /**
   * Whether the point is whole: it holds at least one table and every table
   * its run listed as configured. `latest` names the newest whole point.
   */
  whole: v.optional(v.boolean()),
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
  /** Per table, how the point was made and when every document was last verified (absent from older backups). */
  holds: v.optional(v.array(vTableHolds)),
  /**
   * Files of the primary this point lacks (too large, or their copy failed):
   * their rows are not in the point; documents naming them point at no file.
   */
  lackingFiles: v.optional(vLackingFiles),
  /** The point's label (pin --label, run --label), if any. */
  label: v.optional(v.string()),
  /** Retention keeps the point until it is unpinned. */
  pinned: v.optional(v.boolean()),
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

/** Most ids one readDocuments call takes; a restore of more ids makes several calls. */
export const MAX_DOCUMENT_IDS = 100;

export const readDocumentsArgs = {
  secret: v.string(),
  /** The restore point's seq: each document as the version live at it. */
  seq: v.number(),
  table: v.string(),
  /** Document ids (at most MAX_DOCUMENT_IDS), read in this order. */
  ids: v.array(v.string()),
};

/**
 * The documents among `ids[0 .. next)` that the table held at the point, as
 * canonical JSON, and the ids it did not hold then (`missing`). `next` <
 * ids.length when the read stopped at its byte budget: ask again with the rest.
 */
export const vDocumentsRead = v.object({
  documents: v.array(v.string()),
  missing: v.array(v.string()),
  next: v.number(),
});
export type DocumentsRead = Infer<typeof vDocumentsRead>;

/** pins:pin names a completed run and, optionally, a label to give it. */
export const pinArgs = { secret: v.string(), selector: vRunSelector, label: v.optional(v.string()) };
export const unpinArgs = { secret: v.string(), selector: vRunSelector };
/** pins:label names a completed run without pinning it. */
export const labelArgs = { secret: v.string(), selector: vRunSelector, label: v.string() };

/** The run pin or unpin acted on, as it is now. */
export const vPinnedRun = v.object({
  runId: v.string(),
  seq: v.number(),
  startedAt: v.number(),
  finishedAt: v.union(v.number(), v.null()),
  label: v.union(v.string(), v.null()),
  pinned: v.boolean(),
  /** false: it was already so (pinned, or not pinned), nothing changed but perhaps the label. */
  changed: v.boolean(),
});
export type PinnedRun = Infer<typeof vPinnedRun>;
