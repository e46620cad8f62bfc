// File storage (issue 13): the primary copies each file whose content the
// backup does not hold yet, exactly once, straight from its own storage URL
// into an upload URL of this deployment:
//   1. files:missing     which of a page's SHA-256s have no file here
//   2. files:uploadUrl   an upload URL (the run's lease holder only)
//   3. POST the bytes    streamed by the primary's action, never buffered
//   4. files:recordFile  the upload checked against the primary's SHA-256 and size
// The restore reads files back through files:downloadUrls (the restore
// secret). What a restore point lists is its "_storage" versions (sync.ts);
// lib/files.ts keeps versions and files consistent.
import { ConvexError, v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { requireRestoreAccess, requireSecret } from "./lib/auth";
import { getHeldRun } from "./runs";
import { fileRow, validateSha256s } from "./lib/files";
import { ERROR_CODES } from "../shared/protocol";
import {
  fileDownloadUrlsArgs,
  filesMissingArgs,
  fileUploadUrlArgs,
  isSha256,
  recordFileArgs,
  vFileDownloadUrls,
  vFilesMissingResult,
  vRecordFileResult,
} from "../shared/files";

export const missing = query({
  args: filesMissingArgs,
  returns: vFilesMissingResult,
  handler: async (ctx, { secret, sha256s }) => {
    await requireSecret(secret);
    validateSha256s(sha256s);
    const out: string[] = [];
    for (const sha256 of new Set(sha256s)) if ((await fileRow(ctx.db, sha256)) === null) out.push(sha256);
    return out;
  },
});

export const uploadUrl = mutation({
  args: fileUploadUrlArgs,
  returns: v.string(),
  handler: async (ctx, { secret, runId, holder }) => {
    await requireSecret(secret);
    await getHeldRun(ctx.db, runId, holder);
    return await ctx.storage.generateUploadUrl();
  },
});

export const recordFile = mutation({
  args: recordFileArgs,
  returns: vRecordFileResult,
  handler: async (ctx, { secret, runId, holder, storageId, sha256, size }) => {
    await requireSecret(secret);
    if (!isSha256(sha256) || !Number.isSafeInteger(size) || size < 0) {
      throw new ConvexError({ code: ERROR_CODES.invalidBatch, message: "sha256 is not a base64 SHA-256, or size is not a byte count." });
    }
    await getHeldRun(ctx.db, runId, holder);
    const id = ctx.db.system.normalizeId("_storage", storageId);
    const uploaded = id === null ? null : await ctx.db.system.get(id);
    if (id === null || uploaded === null) {
      throw new ConvexError({ code: ERROR_CODES.invalidBatch, message: "No uploaded file has this storage id." });
    }
    const held = await fileRow(ctx.db, sha256);
    // Asked again for the same upload (its reply was lost): it is the file held, as answered the first time.
    if (held?.storageId === id) return { outcome: "stored" as const };
    // The content is not what the primary said, or is held already (a
    // concurrent copy): the upload goes, and the file held stays.
    if (uploaded.sha256 !== sha256 || uploaded.size !== size || held !== null) {
      await ctx.storage.delete(id);
      return { outcome: held === null ? ("mismatch" as const) : ("duplicate" as const) };
    }
    await ctx.db.insert("files", { sha256, storageId: id, size });
    return { outcome: "stored" as const };
  },
});

export const downloadUrls = query({
  args: fileDownloadUrlsArgs,
  returns: vFileDownloadUrls,
  handler: async (ctx, { secret, sha256s }) => {
    await requireRestoreAccess(secret);
    validateSha256s(sha256s);
    const out = [];
    for (const sha256 of sha256s) {
      const file = await fileRow(ctx.db, sha256);
      out.push({ sha256, url: file === null ? null : await ctx.storage.getUrl(file.storageId) });
    }
    return out;
  },
});
