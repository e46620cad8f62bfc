// retention:prune - run hourly by crons.ts. Deletes the versions, contents and
// run records that no retained restore point (retentionPolicy.ts, with the
// policy BACKUP_RETENTION sets) and not the current state needs, one bounded
// step per mutation, walking the run records page by page and rescheduling
// itself until the newest run is reached. A dropped run is marked "pruning"
// before anything it needs goes, so it stops being a restore point at once.
// Safe to run by hand or twice at once: every step plans afresh from the run
// records of its page.
//   npx convex run retention:prune
import { v, type Infer } from "convex/values";
import { env, internalMutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { checkPolicy, vRetentionPolicy } from "./retentionPolicy";
import { retentionPolicyFrom } from "./lib/retentionConfig";
import { pruneStep } from "./lib/retentionPrune";
import { deleteUnreferencedFiles } from "./lib/files";
import { recordStep } from "./lib/retentionState";

const vResume = v.object({
  from: v.number(),
  keptBelow: v.number(),
  after: v.optional(v.number()),
  toSeq: v.optional(v.number()),
});

export const vPruneStepResult = v.object({
  /** Completed runs this step took out of the restore points (status "pruning"). */
  markedRuns: v.number(),
  deletedVersions: v.number(),
  deletedContents: v.number(),
  deletedRuns: v.number(),
  deletedBatches: v.number(),
  /** Files (distinct contents) no kept version names any more, deleted with their "_storage" versions. */
  deletedFiles: v.number(),
  kept: v.object({
    /** Pinned by the user: kept whatever the policy says. */
    pinned: v.number(),
    recent: v.number(),
    daily: v.number(),
    weekly: v.number(),
    monthly: v.number(),
    newest: v.number(),
    running: v.number(),
  }),
  /** The seqs of the run records this step planned with (null: none from its cursor on). */
  page: v.union(v.object({ from: v.number(), to: v.number() }), v.null()),
  /** What the step read: getConvexSize of every document, documents, index ranges. */
  read: v.object({ bytes: v.number(), docs: v.number(), ranges: v.number() }),
  /** false while a next step is scheduled. */
  done: v.boolean(),
});
export type PruneStepResult = Infer<typeof vPruneStepResult>;

export const prune = internalMutation({
  args: {
    /** Overrides BACKUP_RETENTION for this prune (and the steps it schedules). */
    policy: v.optional(vRetentionPolicy),
    /** Set by the previous step; not for callers. */
    resume: v.optional(vResume),
  },
  returns: vPruneStepResult,
  handler: async (ctx, args): Promise<PruneStepResult> => {
    const policy = args.policy ?? retentionPolicyFrom(env.BACKUP_RETENTION);
    checkPolicy(policy);
    const now = Date.now();
    const step = await pruneStep(ctx.db, policy, now, args.resume ?? null);
    const { markedRuns, deletedVersions, deletedContents, deletedRuns, deletedBatches, kept, page, read, resume } = step;
    const deletedFiles = await deleteUnreferencedFiles(ctx, step.releasedFiles);
    // What status and the stall alert read (lib/retentionHealth.ts).
    await recordStep(ctx.db, now, { ...step, deletedFiles, done: resume === null }, args.resume === undefined);
    if (resume !== null) {
      const next = args.policy === undefined ? { resume } : { resume, policy: args.policy };
      await ctx.scheduler.runAfter(0, internal.retention.prune, next);
    }
    const points = Object.entries(kept)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${n} ${reason}`)
      .join(", ");
    console.log(
      `[retention] deleted ${deletedVersions} versions (${deletedContents} content rows) and ` +
        `${deletedRuns} run records (${deletedBatches} batch records)` +
        (deletedFiles > 0 ? ` and ${deletedFiles} files no kept restore point names` : "") +
        "; " +
        (markedRuns > 0 ? `${markedRuns} runs marked pruning (no longer restore points); ` : "") +
        `kept runs: ${points || "none"}` +
        (page === null ? "" : ` (runs ${page.from} to ${page.to}, ${Math.ceil(read.bytes / 1024)} KiB read)`) +
        (resume !== null ? "; continuing in a next step" : ""),
    );
    return {
      markedRuns,
      deletedVersions,
      deletedContents,
      deletedRuns,
      deletedBatches,
      deletedFiles,
      kept,
      page,
      read,
      done: resume === null,
    };
  },
});
