// What a backup run writes. A scan sends the primary page by page:
// diffRange answers "is this key range already backed up?" (one stored
// digest read when the range was seen before; else its open versions, and
// the tags of what the backup holds there when it differs); applyRange
// writes the primary's changes for the range as new versions. Each reads at
// most MAX_RANGE_VERSIONS open versions: a range holding more (after a mass
// delete on the primary) is answered in parts the primary walks through.
// A change-log run sends changed documents by id: applyChanges.
// Versions of "_storage" (the primary's files) are written only for files the
// backup holds (lib/files.ts requireFilesHeld): the primary copies them first.
// retireTable closes a table the primary no longer backs up, in chunks.
import { ConvexError } from "convex/values";
import { mutation, type MutationCtx } from "./_generated/server";
import type { Doc } from "./_generated/dataModel";
import { requireSecret } from "./lib/auth";
import { getHeldRun } from "./runs";
import { insertVersion, openVersionsInRange, versionKey } from "./lib/versions";
import { validateBatch, validateChanges, validateTableName } from "./lib/validateBatch";
import { adjustRangeDigests, deleteRangeDigests, putRangeDigest, storedRangeDigestRow } from "./lib/rangeDigests";
import { openVersionOf, planByLookup, planByReading } from "./lib/rangePlan";
import { requireFilesHeld } from "./lib/files";
import {
  applyChangesArgs,
  applyRangeArgs,
  diffRangeArgs,
  ERROR_CODES,
  MAX_RANGE_VERSIONS,
  retireTableArgs,
  vApplyRangeResult,
  vDiffRangeResult,
  vRetireTableResult,
} from "../shared/protocol";
import { documentTag, rangeDigest } from "../shared/digest";
import type { DocKey } from "../shared/keys";

export const diffRange = mutation({
  args: diffRangeArgs,
  returns: vDiffRangeResult,
  handler: async (ctx, { secret, table, range, digest, fresh, readOnly }) => {
    await requireSecret(secret);
    validateTableName(table);
    const stored = (await storedRangeDigestRow(ctx.db, table, range))?.digest ?? null;
    if (stored === digest && fresh !== true) return { match: true as const };
    const { rows, complete } = await openVersionsInRange(ctx.db, table, range, MAX_RANGE_VERSIONS);
    // More than a page can hold cannot match the primary's page: no digest needed.
    if (complete) {
      const held = await rangeDigest(rows.map((row) => row.hash));
      // Remembered, so the next diff of this range reads one row.
      if (stored !== held && readOnly !== true) await putRangeDigest(ctx.db, table, range, held);
      if (held === digest) return { match: true as const };
    }
    const last = rows.at(-1);
    const through = complete || last === undefined ? null : versionKey(last);
    return { match: false as const, tags: rows.map((row) => row.tag).join(""), through };
  },
});

type Applied = { changed: number; deleted: number; docsWritten: number; created?: number };

/**
 * What every write call does first: the run must be held by the caller and
 * back the table up, and a batch applied before (its reply was lost) is
 * answered from its record. Returns the run, and the earlier result if any.
 */
async function beginBatch(
  ctx: MutationCtx,
  args: { runId: string; holder: string; batchId: string; table: string },
): Promise<{ run: Doc<"runs">; applied: Applied | null }> {
  const run = await getHeldRun(ctx.db, args.runId, args.holder);
  if (!(run.plannedTables ?? []).includes(args.table)) {
    throw new ConvexError({ code: ERROR_CODES.invalidBatch, message: "This run does not back up that table." });
  }
  const applied = await ctx.db
    .query("batches")
    .withIndex("by_run_batch", (q) => q.eq("runId", run._id).eq("batchId", args.batchId))
    .unique();
  if (applied === null) return { run, applied: null };
  const { changed, deleted, docsWritten, created } = applied;
  return { run, applied: { changed, deleted, docsWritten, ...(created === undefined ? {} : { created }) } };
}

export const applyRange = mutation({
  args: applyRangeArgs,
  returns: vApplyRangeResult,
  handler: async (ctx, args) => {
    await requireSecret(args.secret);
    const { table, range, upserts, deletedIdTags, replace } = args;
    await validateBatch(table, range, upserts, deletedIdTags);
    const { run, applied } = await beginBatch(ctx, args);
    if (applied !== null) return applied;
    await requireFilesHeld(ctx.db, table, upserts);

    // Step 1: plan what closes and what is added (by lookup when the range's digest is known).
    const request = { table, range, upserts, deletedIdTags, replace };
    const stored = await storedRangeDigestRow(ctx.db, table, range);
    const plan =
      (stored === null ? null : await planByLookup(ctx.db, request, stored.digest)) ?? (await planByReading(ctx.db, request));
    if (plan === null) {
      throw new ConvexError({
        code: ERROR_CODES.rangeTooLarge,
        message: `The backup holds more than ${MAX_RANGE_VERSIONS} documents in this range; diff it first and send it in parts.`,
      });
    }

    // Step 2: the range must end up exactly as the primary has it, or nothing is written.
    if (plan.digestAfter !== args.digest) {
      throw new ConvexError({
        code: ERROR_CODES.rangeMismatch,
        message: "The batch would not make this range equal to the primary's; resend it whole.",
      });
    }

    // Step 3: write.
    let docsWritten = 0;
    for (const row of plan.toClose) {
      await ctx.db.patch("versions", row._id, { toSeq: run.seq });
      docsWritten += 1;
    }
    for (const entry of plan.toAdd) {
      docsWritten += await insertVersion(ctx.db, table, entry, documentTag(entry.id, entry.hash), run.seq);
    }
    // The range now holds exactly the primary's page: remember its digest.
    if (stored !== null) await ctx.db.patch("rangeDigests", stored._id, { digest: args.digest });
    else await putRangeDigest(ctx.db, table, range, args.digest);
    const result = { changed: plan.toAdd.length, deleted: plan.deleted, docsWritten };
    // Closed versions are the replaced documents and the deleted ones; the rest of toAdd is new.
    // Recorded with the table: a change-log run's verification repairs count in finishRun (lib/logCounts.ts).
    const created = plan.toAdd.length - (plan.toClose.length - plan.deleted);
    await ctx.db.insert("batches", { runId: run._id, batchId: args.batchId, table, ...result, created });
    return result;
  },
});

export const applyChanges = mutation({
  args: applyChangesArgs,
  returns: vApplyRangeResult,
  handler: async (ctx, args) => {
    await requireSecret(args.secret);
    const { table, upserts, deletedIds } = args;
    await validateChanges(table, upserts, deletedIds);
    const { run, applied } = await beginBatch(ctx, args);
    if (applied !== null) return applied;
    await requireFilesHeld(ctx.db, table, upserts);

    // One index range per id: its open version, if any.
    const openOf = (docId: string) => openVersionOf(ctx.db, table, docId);
    const result = { changed: 0, deleted: 0, docsWritten: 0, created: 0 };
    const digestChanges: { key: DocKey; hashes: string[] }[] = [];
    for (const entry of upserts) {
      const open = await openOf(entry.id);
      if (open?.hash === entry.hash) continue;
      const hashes = [entry.hash];
      if (open !== null) {
        await ctx.db.patch("versions", open._id, { toSeq: run.seq });
        result.docsWritten += 1;
        hashes.push(open.hash);
      } else {
        result.created += 1;
      }
      result.docsWritten += await insertVersion(ctx.db, table, entry, documentTag(entry.id, entry.hash), run.seq);
      result.changed += 1;
      digestChanges.push({ key: { creationTime: entry.creationTime, id: entry.id }, hashes });
    }
    for (const docId of deletedIds) {
      const open = await openOf(docId);
      if (open === null) continue;
      await ctx.db.patch("versions", open._id, { toSeq: run.seq });
      result.docsWritten += 1;
      result.deleted += 1;
      digestChanges.push({ key: versionKey(open), hashes: [open.hash] });
    }
    await adjustRangeDigests(ctx.db, table, digestChanges);
    await ctx.db.insert("batches", { runId: run._id, batchId: args.batchId, table, ...result });
    return result;
  },
});

/**
 * A table the primary no longer backs up (excluded, or dropped from its
 * schema): its open versions are closed at this run, MAX_RANGE_VERSIONS per
 * call, so restore points from this run on leave it out while older points
 * keep it until retention no longer needs them. Closing is idempotent.
 */
export const retireTable = mutation({
  args: retireTableArgs,
  returns: vRetireTableResult,
  handler: async (ctx, { secret, runId, holder, table }) => {
    await requireSecret(secret);
    validateTableName(table);
    const run = await getHeldRun(ctx.db, runId, holder);
    const { rows, complete } = await openVersionsInRange(ctx.db, table, { after: null, upTo: null }, MAX_RANGE_VERSIONS);
    for (const row of rows) await ctx.db.patch("versions", row._id, { toSeq: run.seq });
    // Its stored digests describe versions no longer open.
    const digestsGone = await deleteRangeDigests(ctx.db, table, MAX_RANGE_VERSIONS - rows.length);
    return { closed: rows.length, done: complete && digestsGone };
  },
});
