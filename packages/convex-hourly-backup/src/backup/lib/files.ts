// The files the backup holds, one per distinct content (SHA-256), and the
// rule that ties them to the "_storage" versions naming them: a version is
// written only while its file is held (requireFilesHeld, in the same
// transaction as the write), and a file is deleted only once no version
// names its SHA-256 (deleteUnreferencedFiles, in retention's transaction).
// Both sides are serializable mutations, so no restore point ever names a
// file the backup no longer has.
import { ConvexError } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader, MutationCtx } from "../_generated/server";
import type { DocEntry } from "../../shared/protocol";
import { ERROR_CODES } from "../../shared/protocol";
import { FILE_ERROR_CODES, MAX_FILES_PER_CALL, isSha256, parseFileMetadata, STORAGE_TABLE } from "../../shared/files";

export function fileRow(db: DatabaseReader, sha256: string): Promise<Doc<"files"> | null> {
  return db
    .query("files")
    .withIndex("by_sha256", (q) => q.eq("sha256", sha256))
    .first();
}

/** A list of SHA-256s from the primary or the restore: bounded, well-formed. */
export function validateSha256s(sha256s: readonly string[]): void {
  if (sha256s.length > MAX_FILES_PER_CALL) {
    throw new ConvexError({ code: ERROR_CODES.invalidBatch, message: `At most ${MAX_FILES_PER_CALL} SHA-256s per call.` });
  }
  for (const [i, sha256] of sha256s.entries()) {
    if (!isSha256(sha256)) throw new ConvexError({ code: ERROR_CODES.invalidBatch, message: `SHA-256 ${i} is not a base64 SHA-256.` });
  }
}

/** The SHA-256 a "_storage" version's JSON names (the batch was validated: it parses). */
export function fileSha256Of(table: string, json: string): string | undefined {
  if (table !== STORAGE_TABLE) return undefined;
  const metadata = parseFileMetadata(json);
  return typeof metadata === "string" ? undefined : metadata.sha256;
}

/**
 * Refuses a batch of "_storage" versions naming a file the backup does not
 * hold (FILE_MISSING, nothing written): the primary copies the file first.
 * One index range per distinct SHA-256.
 */
export async function requireFilesHeld(db: DatabaseReader, table: string, upserts: readonly DocEntry[]): Promise<void> {
  if (table !== STORAGE_TABLE) return;
  const wanted = new Set(upserts.map((entry) => fileSha256Of(table, entry.json)).filter((sha) => sha !== undefined));
  let missing = 0;
  for (const sha256 of wanted) if ((await fileRow(db, sha256)) === null) missing += 1;
  if (missing > 0) {
    throw new ConvexError({
      code: FILE_ERROR_CODES.fileMissing,
      message: `The backup holds no file for ${missing} of the batch's _storage rows: copy the files first, then send the rows again.`,
    });
  }
}

/**
 * Deletes the files whose SHA-256 no version names any more (retention calls
 * it with the SHA-256s of the "_storage" versions it just deleted). Three
 * index ranges per distinct SHA-256 at most. Returns how many were deleted.
 */
export async function deleteUnreferencedFiles(ctx: Pick<MutationCtx, "db" | "storage">, sha256s: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const sha256 of new Set(sha256s)) {
    const named = await ctx.db
      .query("versions")
      .withIndex("by_file_sha256", (q) => q.eq("fileSha256", sha256))
      .first();
    if (named !== null) continue;
    const file = await fileRow(ctx.db, sha256);
    if (file === null) continue;
    await ctx.db.delete("files", file._id);
    await ctx.storage.delete(file.storageId);
    deleted += 1;
  }
  return deleted;
}
