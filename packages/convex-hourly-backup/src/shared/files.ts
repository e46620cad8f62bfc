// File storage in the backup (issue 13): the wire contract for the primary's
// files. The primary's `_storage` system table is backed up like a table
// (its metadata rows become versions of table "_storage", scanned every run),
// and each file's bytes are copied once per distinct SHA-256:
//   files:missing     which of these SHA-256s the backup holds no file for (BACKUP_SECRET)
//   files:uploadUrl   an upload URL on the backup deployment (BACKUP_SECRET, lease held)
//   files:recordFile  the uploaded file, checked against its SHA-256 and size (BACKUP_SECRET, lease held)
//   files:downloadUrls  URLs of held files, for the restore (BACKUP_RESTORE_SECRET)
// A `_storage` version is only ever written for a file the backup holds
// (sync refuses it with FILE_MISSING otherwise), and retention deletes a file
// only when no version it keeps names its SHA-256.
import { v, type Infer } from "convex/values";

/** The primary's file metadata table, backed up like a table when file storage is on. */
export const STORAGE_TABLE = "_storage";

/** SHA-256s one files:missing or files:downloadUrls call takes: a page of files. */
export const MAX_FILES_PER_CALL = 1_000;

/**
 * A file of the primary the backup could not copy this run: larger than the
 * size limit (BACKUP_MAX_FILE_MB), or its copy failed after its retries.
 * Its `_storage` row is left out of the restore point (which never names a
 * file it does not hold) and every later run tries again. Id and size only,
 * never content.
 */
export const vSkippedFile = v.object({
  id: v.string(),
  size: v.number(),
  reason: v.union(v.literal("tooLarge"), v.literal("copyFailed")),
});
export type SkippedFile = Infer<typeof vSkippedFile>;
/** What a restore point lacks of the primary's files: how many, their bytes, the first MAX_SKIPPED_FILES_LISTED. */
export const vLackingFiles = v.object({ count: v.number(), bytes: v.number(), files: v.array(vSkippedFile) });
export type LackingFiles = Infer<typeof vLackingFiles>;

/** The files a run's counts say it lacks ("_storage" counts), or null when it lacks none. */
export function lackingFilesOf(tables: readonly { table: string; filesSkipped?: number; fileBytesSkipped?: number; skippedFiles?: SkippedFile[] }[]): LackingFiles | null {
  const counts = tables.find((t) => t.table === STORAGE_TABLE);
  if (counts === undefined || (counts.filesSkipped ?? 0) === 0) return null;
  return { count: counts.filesSkipped!, bytes: counts.fileBytesSkipped ?? 0, files: counts.skippedFiles ?? [] };
}

/** Skipped files a run record lists by id (all are counted): a run record stays far inside 1 MiB. */
export const MAX_SKIPPED_FILES_LISTED = 50;

/**
 * Files larger than this are not copied (default; BACKUP_MAX_FILE_MB on the
 * primary changes it): Convex cuts an upload to a storage upload URL at about
 * 2 minutes, so a copy must finish in 120 s; 1 GiB needs about 9 MB/s.
 */
export const DEFAULT_MAX_FILE_MB = 1024;

/** Error codes of the files module (beside shared/protocol's ERROR_CODES). */
export const FILE_ERROR_CODES = {
  /** A `_storage` version for a file the backup does not hold: copy the file, then send the version again. */
  fileMissing: "FILE_MISSING",
  /** The uploaded file's SHA-256 or size is not what the primary said (recordFile deleted the upload). */
  fileMismatch: "FILE_MISMATCH",
} as const;

/**
 * A `_storage` row as the primary's query reads it (Convex's virtual
 * `_storage` table): SHA-256 base64 of the content, size in bytes (a
 * float64), the Content-Type it was stored with, or null.
 */
export type FileMetadata = {
  _id: string;
  _creationTime: number;
  sha256: string;
  size: number;
  contentType: string | null;
};

/** A SHA-256 in the base64 Convex writes in `_storage` (44 characters, padded). */
const SHA256_BASE64 = /^[A-Za-z0-9+/_-]{43}=?$/;
/** Content-Type as HTTP carries it: printable ASCII, bounded. */
const CONTENT_TYPE = /^[\x20-\x7e]{1,255}$/;

/** The metadata a `_storage` version's JSON holds, or a description of what is wrong with it. */
export function parseFileMetadata(json: string): FileMetadata | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return "not valid JSON";
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return "not an object";
  const { _id, _creationTime, sha256, size, contentType, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return "fields a _storage row does not have";
  if (typeof _id !== "string" || typeof _creationTime !== "number") return "no _id or _creationTime";
  if (typeof sha256 !== "string" || !SHA256_BASE64.test(sha256)) return "sha256 is not a base64 SHA-256";
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) return "size is not a byte count";
  const type = contentType ?? null;
  if (type !== null && (typeof type !== "string" || !CONTENT_TYPE.test(type))) return "contentType is not a content type";
  return { _id, _creationTime, sha256, size, contentType: type };
}

export function isSha256(text: string): boolean {
  return SHA256_BASE64.test(text);
}

const leaseArgs = { secret: v.string(), runId: v.string(), holder: v.string() };

export const filesMissingArgs = { secret: v.string(), sha256s: v.array(v.string()) };
/** The SHA-256s asked for that the backup holds no file for, in the order asked. */
export const vFilesMissingResult = v.array(v.string());

export const fileUploadUrlArgs = leaseArgs;

export const recordFileArgs = {
  ...leaseArgs,
  /** What the upload URL answered: the file's id on the backup deployment. */
  storageId: v.string(),
  /** The primary's `_storage` sha256 and size of the file copied. */
  sha256: v.string(),
  size: v.number(),
};
/**
 * stored: this upload is the file held from now on (recording it again, after
 * a lost reply, answers the same). duplicate: the backup already held this
 * content from another upload (a concurrent copy); this one was deleted.
 * mismatch: the upload's SHA-256 or size is not what the primary sent; it was
 * deleted (the primary copies the file again). Answered, not thrown: a
 * mutation that throws would keep the upload.
 */
export const vRecordFileResult = v.object({
  outcome: v.union(v.literal("stored"), v.literal("duplicate"), v.literal("mismatch")),
});

export const fileDownloadUrlsArgs = { secret: v.string(), sha256s: v.array(v.string()) };
/** One URL per SHA-256 asked for (null: the backup holds no such file), in the order asked. */
export const vFileDownloadUrls = v.array(v.object({ sha256: v.string(), url: v.union(v.string(), v.null()) }));
export type FileDownloadUrls = Infer<typeof vFileDownloadUrls>;
