// The backup deployment stores any table's documents without knowing their
// fields: each version keeps the original _id and _creationTime in ordinary
// fields and the sanitized document as canonical JSON text in `contents`.
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vLogState,
  vPrunePass,
  vRedactedPath,
  vRunStatus,
  vTableCheckpoint,
  vTableCounts,
} from "../shared/protocol";
import { vRunAlertState } from "./lib/runAlerts";

export const vRunFields = {
  seq: v.number(),
  startedAt: v.number(),
  finishedAt: v.optional(v.number()),
  status: vRunStatus,
  /** Final per-table counts, written when the run completes. */
  tables: v.array(vTableCounts),
  /** Last error of an interrupted attempt (no secrets, no document values). */
  error: v.optional(v.string()),
  /** Tables the run scans; a resumed run keeps them. */
  plannedTables: v.optional(v.array(v.string())),
  /** The lease: one live holder at a time; an expired lease is taken over and the run resumed. */
  holder: v.optional(v.string()),
  leaseExpiresAt: v.optional(v.number()),
  attempts: v.optional(v.number()),
  checkpoints: v.optional(v.array(vTableCheckpoint)),
  /** The primary deployment the run came from (its BACKUP_SOURCE or CONVEX_CLOUD_URL). */
  source: v.optional(v.string()),
  /**
   * Every table the primary was configured to back up when the run finished.
   * A restore point lacking one of them (a first run limited with `tables`)
   * is partial: restoring it with --replace-all would empty that table.
   */
  configuredTables: v.optional(v.array(v.string())),
  /** How the run finds changes and where the primary's change log stands (see vLogState). */
  log: v.optional(vLogState),
  /**
   * Redacted paths (never values). While running: the run's report so far.
   * Once completed: those this run redacted (count > 0) and those known from
   * earlier points (count 0), at most MAX_RUN_REDACTIONS: the next run logs
   * the paths not here as NEW.
   */
  redactions: v.optional(v.array(vRedactedPath)),
  /** The primary's schema at this run (a `schemas` hash); absent on runs from before schemas were stored. */
  schemaHash: v.optional(v.string()),
  /** A name the user gave this restore point (runNow's `label`, or pin --label); unique among runs not being pruned. */
  label: v.optional(v.string()),
  /** true: retention keeps this restore point until it is unpinned (absent otherwise). */
  pinned: v.optional(v.boolean()),
};

/** The primary's schema JSON (see shared/protocol vRunSchema), stored once per distinct hash, in chunks. */
export const vSchemaFields = {
  hash: v.string(),
  index: v.number(),
  chunks: v.number(),
  text: v.string(),
};

export const vBatchFields = {
  runId: v.id("runs"),
  batchId: v.string(),
  changed: v.number(),
  deleted: v.number(),
  docsWritten: v.number(),
  created: v.optional(v.number()),
  /** A change-log batch's table (applyChanges): finishRun counts a table's documents from its batches. */
  table: v.optional(v.string()),
};

export const vVersionFields = {
  table: v.string(),
  docId: v.string(),
  creationTime: v.number(),
  hash: v.string(),
  /** documentTag(docId, hash): what a diff of a changed range sends. */
  tag: v.string(),
  /** The tag's first ID_TAG_LENGTH characters: how applyRange finds a deleted document by lookup. */
  idTag: v.optional(v.string()),
  /** seq of the run that wrote this version. */
  fromSeq: v.number(),
  /** seq of the run that saw it change or disappear; null while current. */
  toSeq: v.union(v.number(), v.null()),
  /** Content rows holding the JSON; 0 when it is inline in `text`. */
  chunks: v.number(),
  /** The canonical JSON itself, when small enough that the row stays within 1 KiB (INLINE_MAX_BYTES). */
  text: v.optional(v.string()),
  /** A version of table "_storage" (a file's metadata): the file's SHA-256, whose bytes `files` holds. */
  fileSha256: v.optional(v.string()),
};

/** A file the backup holds: one per distinct content (SHA-256), whatever ids the primary gave it. */
export const vFileFields = {
  /** SHA-256 of the content, base64, as the primary's (and this deployment's) `_storage` has it. */
  sha256: v.string(),
  /** The file in this deployment's own storage. */
  storageId: v.id("_storage"),
  size: v.number(),
};

export const vContentFields = {
  versionId: v.id("versions"),
  // The version's key, repeated so a restore reads a key range of contents
  // with one index range instead of one lookup per version.
  table: v.string(),
  creationTime: v.number(),
  docId: v.string(),
  index: v.number(),
  text: v.string(),
};

/**
 * The digest of one key range of a table as the backup holds it now (the XOR
 * of its open versions' hashes). Ranges never overlap; a range is keyed by
 * its end, and the open end of a table is (Infinity, "").
 */
export const vRangeDigestFields = {
  table: v.string(),
  afterCreationTime: v.number(),
  afterId: v.string(),
  upToCreationTime: v.number(),
  upToId: v.string(),
  digest: v.string(),
};

/** An open alert incident (issue 13): the newest restore point became older than the threshold. */
export const vIncident = v.object({
  /** The check that opened it: the incident's key in delivery records. */
  openedAt: v.number(),
  /** When the newest restore point (or, with none, the watch) crossed the threshold. */
  staleSince: v.number(),
  /** Its webhook message was delivered; until then each check sends it again. */
  notified: v.boolean(),
});

/** A recovery whose webhook message is still to be delivered. */
export const vRecovery = v.object({
  /** The incident it closes (its openedAt). */
  openedAt: v.number(),
  staleSince: v.number(),
  /** The completed run that ended it. */
  seq: v.number(),
  finishedAt: v.number(),
});

export const vAlertStateFields = {
  /** The first check's time: with no completed run yet, the age counts from here (or the first run's start, if earlier). */
  firstCheckAt: v.number(),
  incident: v.union(vIncident, v.null()),
  recovery: v.union(vRecovery, v.null()),
  /** A check is posting the due messages until then: another check does not post them too. */
  postingUntil: v.optional(v.number()),
  /** Runs whose verification found writes the change log missed (lib/runAlerts.ts); absent before the first check that looked. */
  drift: v.optional(vRunAlertState),
  /** Runs whose point lacks files they could not copy (lib/runAlerts.ts); absent before the first check that looked. */
  files: v.optional(vRunAlertState),
};

/** Retention's own record (issue 19): its newest pass, its last progress, and its stall alert. */
export const vRetentionStateFields = {
  /** Null until a prune step completes (the alert may create the row first). */
  pass: v.union(
    vPrunePass,
    v.null(),
  ),
  /** The last step that removed something, or finished a pass (null: none yet). */
  lastProgressAt: v.union(v.number(), v.null()),
  /** The open stall incident: a webhook message once (notified), a WARNING at every check. */
  incident: v.union(
    v.object({
      openedAt: v.number(),
      stalledSince: v.number(),
      notified: v.boolean(),
    }),
    v.null(),
  ),
};

export default defineSchema({
  // One per backup run: written by runs.* (lease, checkpoints, completion), read
  // by status and restore, deleted by retention.prune once no longer kept. A
  // completed run is a restore point.
  // Labels and pins are written by pins.label (`run --label --pin`), pins.pin
  // and pins.unpin, with the restore secret, read by restore (a label selects a run), status
  // and retention (a pinned run is kept).
  runs: defineTable(vRunFields)
    .index("by_seq", ["seq"])
    .index("by_status", ["status", "seq"])
    .index("by_label", ["label", "seq"])
    .index("by_pinned", ["pinned", "seq"]),
  // One per applied batch: written by sync.applyRange so a resent batch (its
  // reply was lost) is answered from here instead of applied twice; deleted
  // with its run by retention.prune.
  // finishRun reads a run's batches of a table (change-log batches, and a
  // change-log run's verification repairs) to count its documents (whatever
  // attempt of the run applied them).
  batches: defineTable(vBatchFields).index("by_run_batch", ["runId", "batchId"]).index("by_run_table", ["runId", "table"]),
  // One per document version: written by sync.applyRange; the open ones
  // (toSeq null) are the backup's current state, read by sync.diffRange;
  // read by restore; deleted by retention.prune when no kept point needs it.
  versions: defineTable(vVersionFields)
    .index("by_open_key", ["table", "toSeq", "creationTime", "docId"])
    .index("by_key", ["table", "creationTime", "docId", "fromSeq"])
    // The open version of one document: what a change from the log replaces.
    .index("by_doc", ["table", "docId", "toSeq"])
    // Open versions by id tag: a deletion a scan found, looked up without reading its range.
    .index("by_open_id_tag", ["table", "toSeq", "idTag"])
    // Closed versions by the run that closed them: retention finds what it may prune.
    .index("by_to_seq", ["toSeq", "fromSeq"])
    // Versions of "_storage" naming a file: retention deletes a file no version names.
    .index("by_file_sha256", ["fileSha256"]),
  // Digests of key ranges the primary diffed or sent: written by
  // sync.diffRange (on a miss) and sync.applyRange, kept current by every
  // write to versions (sync.applyChanges), deleted when a new range overlaps
  // them or its table is retired. An unchanged range then costs one read.
  rangeDigests: defineTable(vRangeDigestFields).index("by_up_to", [
    "table",
    "upToCreationTime",
    "upToId",
  ]),
  // The primary's schemas, one per distinct hash (runs name theirs in
  // schemaHash): written by runs.finishRun when the schema changed, read by
  // restore.getSchema. A few rows per schema change; never pruned.
  schemas: defineTable(vSchemaFields).index("by_hash", ["hash", "index"]),
  // A version's canonical JSON when it is not inline in the version, split
  // in chunks so a 1 MiB document fits:
  // written with its version by sync.applyRange, read by restore, deleted
  // with its version by retention.prune.
  contents: defineTable(vContentFields)
    .index("by_version", ["versionId", "index"])
    .index("by_key", ["table", "creationTime", "docId", "index"]),
  // One per distinct file content copied from the primary: written by
  // files.recordFile after its upload is checked, read by files.missing (what
  // to copy), sync (a "_storage" version needs its file) and
  // files.downloadUrls (restore), deleted with its blob by retention.prune
  // once no version names its SHA-256.
  files: defineTable(vFileFields).index("by_sha256", ["sha256"]),
  // At most one row, the stale-backup alert's state: written by alerts.evaluate
  // (first check, incident opened or closed) and alerts.recordDelivered (a
  // webhook message delivered), read by alerts.evaluate at each check; never
  // deleted by the code (deleting it by hand forgets an incident).
  alertState: defineTable(vAlertStateFields),
  // At most one row, retention's health: written by retention.prune (each
  // step) and alerts.evaluate (the stall incident), read by status and
  // alerts; never deleted by the code.
  retentionState: defineTable(vRetentionStateFields),
});
