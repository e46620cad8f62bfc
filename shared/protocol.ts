// The wire contract between the primary's backup action and the backup
// deployment's public functions. Validators are defined once here: the backup
// uses them as args/returns, the primary derives its types from them.
import { v, type Infer } from "convex/values";

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
});
export type TableCounts = Infer<typeof vTableCounts>;

export const vRunStatus = v.union(
  v.literal("running"),
  v.literal("completed"),
  v.literal("failed"),
);

export const beginRunArgs = { secret: v.string() };
export const vBeginRunResult = v.object({ runId: v.string(), seq: v.number() });

export const finishRunArgs = {
  secret: v.string(),
  runId: v.string(),
  status: v.union(v.literal("completed"), v.literal("failed")),
  tables: v.array(vTableCounts),
  error: v.optional(v.string()),
};

export const diffRangeArgs = {
  secret: v.string(),
  table: v.string(),
  range: vKeyRange,
  digest: v.string(),
};
/** match: the range is already backed up. Otherwise the backup's tags, in key order. */
export const vDiffRangeResult = v.union(
  v.object({ match: v.literal(true) }),
  v.object({ match: v.literal(false), tags: v.string() }),
);

export const applyRangeArgs = {
  secret: v.string(),
  runId: v.string(),
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
export const vApplyRangeResult = v.object({
  changed: v.number(),
  deleted: v.number(),
  docsWritten: v.number(),
});

/** ConvexError codes the backup deployment answers with. */
export const ERROR_CODES = {
  notConfigured: "BACKUP_SECRET_NOT_CONFIGURED",
  unauthorized: "UNAUTHORIZED",
  invalidBatch: "INVALID_BATCH",
  rangeMismatch: "RANGE_MISMATCH",
  runNotActive: "RUN_NOT_ACTIVE",
} as const;
export type BackupErrorData = { code: string; message: string };
