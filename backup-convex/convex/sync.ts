// The two calls a backup run makes per page of the primary:
// diffRange answers "is this key range already backed up?" with one digest
// (and, when not, the tags of what the backup holds there); applyRange writes
// the primary's changes for the range as new versions. Each reads at most
// MAX_RANGE_VERSIONS open versions: a range holding more (after a mass
// delete on the primary) is answered in parts the primary walks through.
// retireTable closes a table the primary no longer backs up, in chunks.
import { ConvexError } from "convex/values";
import { mutation, query } from "./_generated/server";
import type { Doc } from "./_generated/dataModel";
import { requireSecret } from "./lib/auth";
import { getHeldRun } from "./runs";
import { insertVersion, openVersionsInRange, versionKey } from "./lib/versions";
import { validateBatch, validateTableName } from "./lib/validateBatch";
import {
  applyRangeArgs,
  diffRangeArgs,
  ERROR_CODES,
  MAX_RANGE_VERSIONS,
  retireTableArgs,
  vApplyRangeResult,
  vDiffRangeResult,
  vRetireTableResult,
} from "../../shared/protocol";
import { documentTag, ID_TAG_LENGTH, rangeDigest } from "../../shared/digest";
import { compareKeys, type DocKey } from "../../shared/keys";

export const diffRange = query({
  args: diffRangeArgs,
  returns: vDiffRangeResult,
  handler: async (ctx, { secret, table, range, digest }) => {
    await requireSecret(secret);
    validateTableName(table);
    const { rows, complete } = await openVersionsInRange(ctx.db, table, range, MAX_RANGE_VERSIONS);
    // More than a page can hold cannot match the primary's page: no digest needed.
    if (complete && (await rangeDigest(rows.map((row) => row.hash))) === digest) {
      return { match: true as const };
    }
    const last = rows.at(-1);
    const through = complete || last === undefined ? null : versionKey(last);
    return { match: false as const, tags: rows.map((row) => row.tag).join(""), through };
  },
});

export const applyRange = mutation({
  args: applyRangeArgs,
  returns: vApplyRangeResult,
  handler: async (ctx, args) => {
    await requireSecret(args.secret);
    const { table, range, upserts, deletedIdTags, replace } = args;
    await validateBatch(table, range, upserts, deletedIdTags);
    const run = await getHeldRun(ctx.db, args.runId, args.holder);
    if (!(run.plannedTables ?? []).includes(table)) {
      throw new ConvexError({ code: ERROR_CODES.invalidBatch, message: "This run does not back up that table." });
    }
    const applied = await ctx.db
      .query("batches")
      .withIndex("by_run_batch", (q) => q.eq("runId", run._id).eq("batchId", args.batchId))
      .unique();
    if (applied !== null) {
      return { changed: applied.changed, deleted: applied.deleted, docsWritten: applied.docsWritten };
    }

    // Step 1: plan in memory what closes and what is added.
    const { rows: open, complete } = await openVersionsInRange(ctx.db, table, range, MAX_RANGE_VERSIONS);
    if (!complete) {
      throw new ConvexError({
        code: ERROR_CODES.rangeTooLarge,
        message: `The backup holds more than ${MAX_RANGE_VERSIONS} documents in this range; diff it first and send it in parts.`,
      });
    }
    const openById = new Map(open.map((row) => [row.docId, row]));
    const upsertIds = new Set(upserts.map((entry) => entry.id));
    const toClose = new Map<string, Doc<"versions">>();
    const toAdd = upserts.filter((entry) => openById.get(entry.id)?.hash !== entry.hash);
    for (const entry of toAdd) {
      const current = openById.get(entry.id);
      if (current !== undefined) toClose.set(current._id, current);
    }
    const deletedTags = new Set(deletedIdTags);
    let deleted = 0;
    for (const row of open) {
      if (upsertIds.has(row.docId)) continue;
      if (replace || deletedTags.has(row.tag.slice(0, ID_TAG_LENGTH))) {
        toClose.set(row._id, row);
        deleted += 1;
      }
    }

    // Step 2: the range must end up exactly as the primary has it, or nothing is written.
    const after: { key: DocKey; hash: string }[] = open
      .filter((row) => !toClose.has(row._id))
      .map((row) => ({ key: versionKey(row), hash: row.hash }))
      .concat(toAdd.map((e) => ({ key: { creationTime: e.creationTime, id: e.id }, hash: e.hash })))
      .sort((a, b) => compareKeys(a.key, b.key));
    if ((await rangeDigest(after.map((row) => row.hash))) !== args.digest) {
      throw new ConvexError({
        code: ERROR_CODES.rangeMismatch,
        message: "The batch would not make this range equal to the primary's; resend it whole.",
      });
    }

    // Step 3: write.
    let docsWritten = 0;
    for (const row of toClose.values()) {
      await ctx.db.patch("versions", row._id, { toSeq: run.seq });
      docsWritten += 1;
    }
    for (const entry of toAdd) {
      const tag = documentTag(entry.id, entry.hash);
      docsWritten += await insertVersion(ctx.db, table, entry, tag, run.seq);
    }
    const result = { changed: toAdd.length, deleted, docsWritten };
    await ctx.db.insert("batches", { runId: run._id, batchId: args.batchId, ...result });
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
    return { closed: rows.length, done: complete };
  },
});
