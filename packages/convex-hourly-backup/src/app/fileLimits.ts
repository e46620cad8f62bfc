// How large a file the backup copies, and how the files it skips are told
// (issue 19): Convex cuts an upload to a storage upload URL at about 2
// minutes, and a slow upload can buffer in the backend, so a file whose copy
// cannot finish in time is skipped rather than failing every run. The limit
// is BACKUP_MAX_FILE_MB on the primary (default DEFAULT_MAX_FILE_MB); a copy
// is given up after COPY_TIMEOUT_MS whatever its size.
import { DEFAULT_MAX_FILE_MB, MAX_SKIPPED_FILES_LISTED, type LackingFiles, type SkippedFile } from "../shared/files";
import type { TableCounts } from "../shared/protocol";
import { formatBytes } from "./runReport";

const MIB = 1024 * 1024;
/** One copy attempt (download and upload together) at most: past Convex's 2-minute upload cut, with room. */
export const COPY_TIMEOUT_MS = 4 * 60_000;

/** BACKUP_MAX_FILE_MB in bytes (default DEFAULT_MAX_FILE_MB MiB); a clear error when it is not a positive number. */
export function readMaxFileBytes(env: Record<string, string | undefined>): number {
  const text = env.BACKUP_MAX_FILE_MB;
  if (text === undefined || text.trim() === "") return DEFAULT_MAX_FILE_MB * MIB;
  const mib = Number(text);
  if (!Number.isFinite(mib) || mib <= 0) {
    throw new Error(`BACKUP_MAX_FILE_MB must be a positive number of MiB (files larger are not copied), got "${text.slice(0, 40)}".`);
  }
  return Math.floor(mib * MIB);
}

/** The run log's WARNING for one skipped file: id and size, never content. */
export function formatSkip(file: SkippedFile, why: string, maxFileBytes: number): string {
  const cause =
    file.reason === "tooLarge"
      ? `it is larger than BACKUP_MAX_FILE_MB (${formatBytes(maxFileBytes)})`
      : `its copy failed after its retries (${why.slice(0, 300)})`;
  return (
    `[backup] WARNING: file ${file.id} (${formatBytes(file.size)}) was not copied: ${cause}. ` +
    "This run's restore point lacks it; the next run tries again."
  );
}

/**
 * A table's counts with the files skipped so far added: `before` (what a
 * previous attempt of the run had skipped) and this action's skipped rows.
 */
export function withSkippedFiles(counts: TableCounts, before: TableCounts, skippedRows: ReadonlyMap<string, SkippedFile>): void {
  const listed = new Map((before.skippedFiles ?? []).map((file) => [file.id, file]));
  let count = before.filesSkipped ?? 0;
  let bytes = before.fileBytesSkipped ?? 0;
  for (const file of skippedRows.values()) {
    if (listed.has(file.id)) continue;
    count += 1;
    bytes += file.size;
    if (listed.size < MAX_SKIPPED_FILES_LISTED) listed.set(file.id, file);
  }
  if (count === 0) return;
  counts.filesSkipped = count;
  counts.fileBytesSkipped = bytes;
  counts.skippedFiles = [...listed.values()];
}

/**
 * A run's "_storage" counts from its scan: the files it skipped, and the
 * documents the point holds without their rows (it never claims them).
 */
export function lackSkippedFiles(counts: TableCounts, fromScan: TableCounts): void {
  withSkippedFiles(counts, fromScan, new Map());
  if (counts.documents !== undefined && counts.filesSkipped !== undefined) counts.documents -= counts.filesSkipped;
}

/**
 * "2 files (1.50 GiB) whose copy failed or that exceed BACKUP_MAX_FILE_MB: kg2… (1.00 GiB, copy failed), …;
 * later runs try again": what a point lacks, for status and the restore.
 */
export function lackingFilesText(lacking: LackingFiles): string {
  const files = lacking.files.map(
    (file) => `${file.id} (${formatBytes(file.size)}, ${file.reason === "tooLarge" ? "larger than BACKUP_MAX_FILE_MB" : "copy failed"})`,
  );
  const more = lacking.count > files.length ? `, and ${lacking.count - files.length} more` : "";
  return (
    `${lacking.count} file${lacking.count === 1 ? "" : "s"} (${formatBytes(lacking.bytes)}) of the app's that were not copied: ` +
    `${files.join(", ")}${more}. Later runs try again.`
  );
}
