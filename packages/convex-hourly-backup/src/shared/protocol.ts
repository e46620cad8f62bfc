// The wire contract between the primary's backup action and the backup
// deployment's public functions. Validators are defined once here: the backup
// uses them as args/returns, the primary derives its types from them.
import { v, type Infer } from "convex/values";
import { vTableHolds } from "./pointHolds";
import { vSkippedFile } from "./files";

export const vDocKey = v.object({ creationTime: v.number(), id: v.string() });
export const vKeyRange = v.object({
  after: v.union(vDocKey, v.null()),
  upTo: v.union(vDocKey, v.null()),
});

/** One sanitized document: canonical JSON (with _id, _creationTime) and its SHA-256. */
export const vDocEntry = v.object({
  id: v.string(),
  creationTime: v.number(),
  hash: v.string(),
  json: v.string(),
});
export type DocEntry = Infer<typeof vDocEntry>;

export const vTableCounts = v.object({
  table: v.string(),
  scanned: v.number(),
  changed: v.number(),
  deleted: v.number(),
  bytesSent: v.number(),
  docsWritten: v.number(),
  /**
   * Documents found changed or deleted that the change log had not delivered: by a reconciliation
   * scan, or by a change-log run's verification (its slice, or the new-documents check).
   */
  missedByLog: v.optional(v.number()),
  /** A change-log run's verification: documents it compared with the backup (the slice, the new-documents check, a widened pass). */
  verified: v.optional(v.number()),
  /**
   * Documents the table holds at this restore point. A scan counts them
   * (= scanned); a change-log run reads only what changed and derives it
   * from the previous point's count (absent in runs before change capture).
   */
  documents: v.optional(v.number()),
  /** "_storage" (the primary's files): files the backup stored this run (each distinct content once), and their bytes. */
  filesCopied: v.optional(v.number()),
  fileBytesCopied: v.optional(v.number()),
  /**
   * "_storage": files this restore point lacks (their rows are left out of it):
   * larger than the size limit, or their copy failed after its retries. Later
   * runs try again. Counted, with their bytes; the first MAX_SKIPPED_FILES_LISTED listed.
   */
  filesSkipped: v.optional(v.number()),
  fileBytesSkipped: v.optional(v.number()),
  skippedFiles: v.optional(v.array(vSkippedFile)),
});
export type TableCounts = Infer<typeof vTableCounts>;

/**
 * Why redaction removed a value (issue 11):
 * - "omitted": named in the settings (OMITTED_FIELDS, REDACTION.redactPaths);
 * - "key": its key names a secret (users.passwordHash, orders.payment.card.number);
 * - "value": a string held a secret shape (a token, a key, credentials in a URL),
 *   replaced in place by "[redacted]".
 */
export const vRedactionKind = v.union(v.literal("omitted"), v.literal("key"), v.literal("value"));
export type RedactionKind = Infer<typeof vRedactionKind>;

/**
 * One distinct redacted path of a table, never a value: `path` starts with
 * the table ("orders.payment.card.number"; `[]` an array element, `*` a key
 * that is not identifier-like); `count`: values removed there.
 */
export const vRedactedPath = v.object({
  table: v.string(),
  path: v.string(),
  kind: vRedactionKind,
  count: v.number(),
});
export type RedactedPath = Infer<typeof vRedactedPath>;

/** Distinct redacted paths one page read returns; a page with more says so (redactionsCapped). */
export const MAX_PAGE_REDACTIONS = 200;
/** Distinct redacted paths a run reports, and a run record keeps (with those known from earlier points). */
export const MAX_RUN_REDACTIONS = 500;
/** Longest reported path; longer ones are cut (a path is at most 16 identifier-like keys, so rarely). */
export const MAX_REDACTED_PATH_CHARS = 300;

/**
 * The primary's schema as a run stores it with its restore point: canonical
 * JSON of { schemaValidation, tables: { <table>: <documentType validator JSON> } }
 * for the tables backed up, and its SHA-256. `json` is sent only when the
 * hash differs from the previous point's (most runs send the hash alone).
 */
export const vRunSchema = v.object({ hash: v.string(), json: v.optional(v.string()) });
export type RunSchema = Infer<typeof vRunSchema>;
/** Largest schema JSON stored; a larger schema is not stored (restores of that point are not checked). */
export const MAX_SCHEMA_CHARS = 4 * 1024 * 1024;

/** Counts of a table (or "total") before anything was read. */
export function zeroCounts(table: string): TableCounts {
  return { table, scanned: 0, changed: 0, deleted: 0, bytesSent: 0, docsWritten: 0 };
}

/**
 * Where draining the primary's change log stands: the next id to read is
 * `offset` in log row (ts, part); every earlier row is drained.
 */
export const vLogCursor = v.object({ ts: v.int64(), part: v.number(), offset: v.number() });
export type LogCursor = Infer<typeof vLogCursor>;

/**
 * Rolling verification of one table (issue 18): where its next slice starts
 * (the primary's page cursor and the key it follows; both null: the table's
 * start), when the pass in progress started, and when the newest complete
 * pass started: every document was compared with the backup since then.
 */
export const vTableVerify = v.object({
  table: v.string(),
  cursor: v.union(v.string(), v.null()),
  after: v.union(vDocKey, v.null()),
  passStartedAt: v.number(),
  /** Start of the newest complete pass (a reconciliation scan counts): every document compared since. Null before the first. */
  verifiedAt: v.union(v.number(), v.null()),
  /** The log missed writes here: the pass goes on whole, not slice by slice, until it reaches the table's end. */
  widened: v.optional(v.boolean()),
});
export type TableVerify = Infer<typeof vTableVerify>;

/** What a run's verification covers, kept with the log state. */
export const vVerifyState = v.object({
  /** defineBackup's verifyEveryHours when the run was made. */
  everyHours: v.number(),
  /** The new-documents check compared every document created up to this time (ms, the primary's clock). */
  createdThrough: v.union(v.number(), v.null()),
  tables: v.array(vTableVerify),
});
export type VerifyState = Infer<typeof vVerifyState>;

/**
 * How a run finds what changed, decided by the primary and kept with the
 * run (so a resumed run goes on the same way) and with each restore point
 * (so the next run knows where the log stands):
 *   - "log": drain the change log from `cursor`;
 *   - "scan": a reconciliation, every page of every table compared; `cursor`
 *     is the log's end when the scan began (null without change capture).
 */
export const vLogState = v.object({
  mode: v.union(v.literal("log"), v.literal("scan")),
  /** Why a scan: "first run", "configuration changed", "scheduled", "asked", "no change capture". */
  reason: v.string(),
  cursor: v.union(vLogCursor, v.null()),
  /** Start of the newest completed scan, this run's if it is one. */
  reconciledAt: v.union(v.number(), v.null()),
  /** Digest of the backup configuration the run used: a change forces a scan. */
  configHash: v.string(),
  /** The rolling verification's state (absent in runs made before it). */
  verify: v.optional(vVerifyState),
  /** When the run began (the primary's clock): a change-log run holds every write the log noted before it. */
  startedAt: v.optional(v.number()),
});
export type LogState = Infer<typeof vLogState>;

/** Both deployments refuse a BACKUP_SECRET shorter than this. */
export const MIN_SECRET_LENGTH = 32;

export const vRunStatus = v.union(
  v.literal("running"),
  v.literal("completed"),
  v.literal("failed"),
  /** Dropped by retention, its versions being deleted: no longer a restore point. */
  v.literal("pruning"),
);

/**
 * Where a table's scan stands in a run: the primary's pagination cursor after
 * the last page the backup acknowledged, and the key that page ended at.
 * Written as batches are acknowledged so a dead run resumes, not restarts.
 */
export const vTableCheckpoint = v.object({
  table: v.string(),
  cursor: v.union(v.string(), v.null()),
  after: v.union(vDocKey, v.null()),
  done: v.boolean(),
  counts: vTableCounts,
});
export type TableCheckpoint = Infer<typeof vTableCheckpoint>;

/** Identifies the action holding a run's lease; a run has one holder at a time. */
const leaseArgs = { secret: v.string(), runId: v.string(), holder: v.string() };

export const beginRunArgs = {
  secret: v.string(),
  holder: v.string(),
  /** Clamped by the backup to MIN_LEASE_MS .. MAX_LEASE_MS. */
  leaseMs: v.number(),
  /** Tables this run will scan; a resumed run keeps the ones it started with. */
  tables: v.array(v.string()),
  /**
   * The primary deployment this run comes from (BACKUP_SOURCE, else its
   * CONVEX_CLOUD_URL). A backup deployment serves one source: it refuses
   * another with SOURCE_MISMATCH, naming both.
   */
  source: v.string(),
  /**
   * runNow's `label` (see labelProblem): names the restore point this run
   * makes. Refused with INVALID_LABEL or LABEL_TAKEN before anything is written.
   */
  label: v.optional(v.string()),
  /** runNow's `pin`: retention keeps the restore point until it is unpinned. */
  pin: v.optional(v.boolean()),
};
export const vBeginRunResult = v.union(
  v.object({
    outcome: v.union(v.literal("started"), v.literal("resumed")),
    runId: v.string(),
    seq: v.number(),
    tables: v.array(v.string()),
    checkpoints: v.array(vTableCheckpoint),
    /** The newest restore point's tables: those the primary no longer backs up are retired. */
    previousTables: v.array(vTableCounts),
    /** The newest restore point's log state (null before the first). */
    previousLog: v.union(vLogState, v.null()),
    /** A resumed run's own log state, once its first checkpoint saved it. */
    log: v.union(vLogState, v.null()),
    /** Redacted paths known at the newest restore point: the primary logs the others as new. */
    previousRedactions: v.optional(v.array(vRedactedPath)),
    /** A resumed run's own redaction report so far (saved when an action handed over). */
    redactions: v.optional(v.array(vRedactedPath)),
    /** Hash of the schema stored with the newest restore point: an unchanged schema is not sent again. */
    previousSchemaHash: v.optional(v.string()),
  }),
  /** Another live holder has the lease: this tick does nothing. */
  v.object({ outcome: v.literal("busy"), runId: v.string(), seq: v.number(), leaseExpiresAt: v.number() }),
);
export type BeginRunResult = Infer<typeof vBeginRunResult>;

// A lease outlives a dead holder by at most MAX_LEASE_MS: a caller cannot
// lock every later run out with a huge leaseMs.
export const MIN_LEASE_MS = 1_000;
export const MAX_LEASE_MS = 30 * 60_000;

/** Most tables a run may name: a run record holds a checkpoint per table, inside 1 MiB. */
export const MAX_TABLES = 1_000;

export const checkpointArgs = {
  ...leaseArgs,
  leaseMs: v.number(),
  /** A table's scan progress. */
  checkpoint: v.optional(vTableCheckpoint),
  /** The run's log state: its mode, and how far the change log is drained. */
  log: v.optional(vLogState),
  /** The run's redaction report so far (at most MAX_RUN_REDACTIONS), kept for a continuation. */
  redactions: v.optional(v.array(vRedactedPath)),
};

/** Gives the lease up early (on failure or hand-over) so the next run resumes at once. */
export const releaseRunArgs = { ...leaseArgs, error: v.optional(v.string()) };

export const finishRunArgs = {
  ...leaseArgs,
  /** Counts of the tables this run scanned. */
  tables: v.array(vTableCounts),
  /**
   * Every table the primary backs up now. Tables of the previous restore
   * point that are still configured but were not scanned are carried over;
   * tables no longer configured are not part of this point.
   */
  configuredTables: v.array(v.string()),
  /** Where the change log stands at this restore point; the next run starts there. */
  log: v.optional(vLogState),
  /**
   * Tables whose changes this run took from the change log only: the backup
   * counts their documents itself (the previous point's count, plus what this
   * run's change-log batches created, minus what they closed, in whichever
   * attempt), so a run resumed after a crash records them right.
   */
  countedFromLog: v.optional(v.array(v.string())),
  /** Distinct paths this run redacted, with counts (at most MAX_RUN_REDACTIONS); never a value. */
  redactions: v.optional(v.array(vRedactedPath)),
  /** The primary's schema at this run, stored with the restore point (restores check documents against it). */
  schema: v.optional(vRunSchema),
};

/** Closes the open versions of a table the primary no longer backs up, a bounded chunk per call. */
export const retireTableArgs = { ...leaseArgs, table: v.string() };
export const vRetireTableResult = v.object({ closed: v.number(), done: v.boolean() });

export const diffRangeArgs = {
  secret: v.string(),
  table: v.string(),
  range: vKeyRange,
  digest: v.string(),
  /** Compare the stored versions themselves, not a remembered digest (verify, dry runs, a reconciliation asked for). */
  fresh: v.optional(v.boolean()),
  /** Write nothing, not even a remembered digest (verify, dry runs). */
  readOnly: v.optional(v.boolean()),
};
/**
 * Most open versions one diffRange or applyRange reads: a mass delete can
 * leave tens of thousands of backup documents inside one page's key range,
 * so the backup answers for a bounded prefix and the primary subdivides.
 * 2,000 closes plus a page's changes stay far inside Convex's 4,096 index
 * ranges, 16,000 writes and 8,192 array elements per call.
 */
export const MAX_RANGE_VERSIONS = 2_000;

/**
 * match: the range is already backed up. Otherwise the backup's tags, in key
 * order: of the whole range when `through` is null; else of its first
 * MAX_RANGE_VERSIONS documents only, which end at key `through`: the primary
 * syncs (after, through] and asks again for the rest.
 */
export const vDiffRangeResult = v.union(
  v.object({ match: v.literal(true) }),
  v.object({ match: v.literal(false), tags: v.string(), through: v.union(vDocKey, v.null()) }),
);

export const applyRangeArgs = {
  ...leaseArgs,
  /** Same id when a batch is resent: applying it twice changes nothing and counts once. */
  batchId: v.string(),
  table: v.string(),
  range: vKeyRange,
  /** The primary's digest of the whole range; the backup must end up equal to it. */
  digest: v.string(),
  upserts: v.array(vDocEntry),
  /** Id tags of documents in the range that the primary no longer has. */
  deletedIdTags: v.array(v.string()),
  /** Close every version in the range that is not in upserts (fallback on a digest mismatch). */
  replace: v.boolean(),
};
/**
 * Documents one applyChanges call may change or delete. Each costs a lookup,
 * a close and, per range it falls in, a digest update (up to three index
 * ranges): 500 stay far inside 4,096 however the changes are spread.
 */
export const MAX_CHANGES_PER_BATCH = 500;

/**
 * Changes read from the primary's change log, applied by id: each upsert
 * replaces the document's open version (when its hash differs), each deleted
 * id closes it. Reads only those ids' open versions.
 */
export const applyChangesArgs = {
  ...leaseArgs,
  batchId: v.string(),
  table: v.string(),
  upserts: v.array(vDocEntry),
  deletedIds: v.array(v.string()),
};

export const vApplyRangeResult = v.object({
  changed: v.number(),
  deleted: v.number(),
  docsWritten: v.number(),
  /** applyChanges: documents the backup did not hold before (the rest of `changed` replaced one). */
  created: v.optional(v.number()),
});

/** ConvexError codes the backup deployment answers with. */
export const ERROR_CODES = {
  notConfigured: "BACKUP_SECRET_NOT_CONFIGURED",
  restoreNotConfigured: "BACKUP_RESTORE_SECRET_NOT_CONFIGURED",
  unauthorized: "UNAUTHORIZED",
  invalidBatch: "INVALID_BATCH",
  rangeMismatch: "RANGE_MISMATCH",
  runNotActive: "RUN_NOT_ACTIVE",
  leaseLost: "LEASE_LOST",
  /** restore: no run matches the selector (unknown id, or no completed run at or before that time). */
  runNotFound: "RUN_NOT_FOUND",
  /** restore: the run exists but is not a restore point (still running, or failed). */
  runNotCompleted: "RUN_NOT_COMPLETED",
  /** applyRange: the backup holds more than MAX_RANGE_VERSIONS documents in the range; diff it first. */
  rangeTooLarge: "RANGE_TOO_LARGE",
  /** beginRun: this backup deployment already holds another primary's backups. */
  sourceMismatch: "SOURCE_MISMATCH",
  /** A restore point label that is not a label (see labelProblem). */
  invalidLabel: "INVALID_LABEL",
  /** A label another kept run already carries (labels are unique among kept runs). */
  labelTaken: "LABEL_TAKEN",
  /** pin: MAX_PINNED runs are pinned already. */
  tooManyPins: "TOO_MANY_PINS",
} as const;
export type BackupErrorData = { code: string; message: string };

// backup:status asks the backup for its recent runs (status:recentRuns).
export const MAX_STATUS_RUNS = 100;
export const recentRunsArgs = {
  secret: v.string(),
  /** How many runs, newest first (1 .. MAX_STATUS_RUNS, default 10). */
  limit: v.optional(v.number()),
  /**
   * Also each run's label and pin, and the pinned runs (`pins`). Asked for
   * by primaries that know these fields: an older primary's backup:status
   * validates its result and would refuse fields it does not know.
   */
  withPins: v.optional(v.boolean()),
  /** Also retention's health (`retention`); asked for by primaries that know it, like withPins. */
  withRetention: v.optional(v.boolean()),
  /** Also what the newest restore point holds per table (`holds`): asked for by primaries that know the field. */
  withHolds: v.optional(v.boolean()),
};
export const vRunReport = v.object({
  runId: v.string(),
  seq: v.number(),
  status: vRunStatus,
  /** Running, but no live holder: the next backup run resumes it. */
  interrupted: v.boolean(),
  startedAt: v.number(),
  finishedAt: v.union(v.number(), v.null()),
  attempts: v.number(),
  /** A completed run's final counts; a running run's progress so far. */
  tables: v.array(vTableCounts),
  error: v.union(v.string(), v.null()),
  /** The restore point's label, if it has one (withPins only). */
  label: v.optional(v.string()),
  /** Retention keeps it until it is unpinned (withPins only). */
  pinned: v.optional(v.boolean()),
});
export type RunReport = Infer<typeof vRunReport>;

/** A pinned run, as status lists it. */
export const vPinReport = v.object({
  runId: v.string(),
  seq: v.number(),
  label: v.union(v.string(), v.null()),
  status: vRunStatus,
  startedAt: v.number(),
  finishedAt: v.union(v.number(), v.null()),
});
export type PinReport = Infer<typeof vPinReport>;

/** What one retention pass (the cron's prune and the steps it scheduled) removed. */
export const vPruneTotals = v.object({
  markedRuns: v.number(),
  deletedRuns: v.number(),
  deletedVersions: v.number(),
  deletedContents: v.number(),
  deletedBatches: v.number(),
  deletedFiles: v.number(),
});
export type PruneTotals = Infer<typeof vPruneTotals>;

/** One prune pass: stored in retentionState, shown by status. */
export const vPrunePass = v.object({
  startedAt: v.number(),
  lastStepAt: v.number(),
  /** When a step reached the newest run with nothing left to prune; null while the pass goes on. */
  finishedAt: v.union(v.number(), v.null()),
  steps: v.number(),
  removed: vPruneTotals,
});

/** Retention's health as status shows it (issue 19): what waits to be pruned, the last prune, a stall. */
export const vRetentionHealth = v.object({
  /** The policy in force, as BACKUP_RETENTION writes it; null when BACKUP_RETENTION is invalid. */
  policy: v.union(v.string(), v.null()),
  /** Why BACKUP_RETENTION is refused (retention does not prune until it is fixed). */
  policyError: v.union(v.string(), v.null()),
  /** The oldest run the policy no longer keeps that is still stored (dropped, or being pruned). */
  oldestWaiting: v.union(v.object({ seq: v.number(), startedAt: v.number() }), v.null()),
  /** Runs the policy no longer keeps, still stored, among the oldest run records read. */
  runsWaiting: v.number(),
  /** Stored versions no kept restore point needs, around those runs (counted up to MAX_WAITING_VERSIONS). */
  versionsWaiting: v.number(),
  /** The counts are lower bounds: not every run record was read, or more versions wait than were counted. */
  atLeast: v.boolean(),
  /** The newest prune pass. */
  lastPrune: v.union(
    vPrunePass,
    v.null(),
  ),
  /** The last prune step that removed something or found nothing to remove (null: none yet). */
  lastProgressAt: v.union(v.number(), v.null()),
  /** Work waits and no prune step has made progress for RETENTION_STALL_MS. */
  stalled: v.boolean(),
});
export type RetentionHealth = Infer<typeof vRetentionHealth>;
/** A prune without progress for this long, while work waits, is a WARNING in status and an alert. */
export const RETENTION_STALL_MS = 24 * 60 * 60 * 1000;
/** Waiting versions status counts at most (each is one document read). */
export const MAX_WAITING_VERSIONS = 1_000;

export const vRecentRunsResult = v.object({
  /** Newest first. */
  runs: v.array(vRunReport),
  /** The newest restore point, however old. */
  newestCompleted: v.union(vRunReport, v.null()),
  /** Every pinned run, oldest first (withPins only; at most MAX_PINNED). */
  pins: v.optional(v.array(vPinReport)),
  /** Retention's health (withRetention only). */
  retention: v.optional(vRetentionHealth),
  /** What the newest restore point holds, per table, with missedByLog7d (withHolds only). */
  holds: v.optional(v.array(vTableHolds)),
});
export type RecentRunsResult = Infer<typeof vRecentRunsResult>;

// Restore points a user names and pins (issue 13). A label names one kept
// run (unique among runs that are not being pruned); a pinned run is kept by
// retention, whatever its policy, until it is unpinned.

/** Most runs pinned at once: status lists them all and retention reads them every pass. */
export const MAX_PINNED = 100;
export const MAX_LABEL_LENGTH = 64;
/**
 * A letter, then letters, digits, ".", "_" or "-": printable, no space, safe
 * on a command line unquoted, and never mistaken for a run number, a time or
 * "latest" where a run is named (`restore --run`, `pin <run|label>`).
 */
const LABEL = /^[A-Za-z][A-Za-z0-9._-]*$/;

/** Why `label` is not a valid restore point label, or null when it is. */
export function labelProblem(label: string): string | null {
  if (label.length === 0) return "A label cannot be empty.";
  if (label.length > MAX_LABEL_LENGTH) return `A label has at most ${MAX_LABEL_LENGTH} characters (this one has ${label.length}).`;
  if (!LABEL.test(label)) {
    return `${JSON.stringify(label)} is not a label: start with a letter, then letters, digits, ".", "_" or "-" (e.g. before-migration-42).`;
  }
  if (label === "latest" || label === "latest-any") return `"${label}" names the newest restore point: choose another label.`;
  return null;
}
