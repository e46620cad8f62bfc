// retention:prune - run hourly by crons.ts. Deletes the versions, contents and
// run records that no retained restore point (retentionPolicy.ts) and not the
// current state needs, one bounded step per mutation, rescheduling itself
// until nothing is left. A dropped run is marked "pruning" before anything it
// needs goes, so it stops being a restore point at once. Safe to run by hand
// or twice at once: every step plans afresh from the run records.
//   npx convex run retention:prune
import { v, type Infer } from "convex/values";
import { internalMutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { checkPolicy, RETENTION_POLICY, vRetentionPolicy } from "./retentionPolicy";
import { pruneStep } from "./lib/retentionPrune";
import { deleteUnreferencedFiles } from "./lib/files";

const vResume = v.object({ after: v.number(), toSeq: v.number() });

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
    newest: v.number(),
    running: v.number(),
    undecided: v.number(),
  }),
  /** false while a next step is scheduled. */
  done: v.boolean(),
});
export type PruneStepResult = Infer<typeof vPruneStepResult>;

export const prune = internalMutation({
  args: {
    /** Overrides RETENTION_POLICY for this prune (and the steps it schedules). */
    policy: v.optional(vRetentionPolicy),
    /** Set by the previous step; not for callers. */
    resume: v.optional(vResume),
  },
  returns: vPruneStepResult,
  handler: async (ctx, args): Promise<PruneStepResult> => {
    const policy = args.policy ?? RETENTION_POLICY;
    checkPolicy(policy);
    const step = await pruneStep(ctx.db, policy, Date.now(), args.resume ?? null);
    const { markedRuns, deletedVersions, deletedContents, deletedRuns, deletedBatches, kept, resume } = step;
    const deletedFiles = await deleteUnreferencedFiles(ctx, step.releasedFiles);
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
        (resume !== null ? "; continuing in a next step" : ""),
    );
    return { markedRuns, deletedVersions, deletedContents, deletedRuns, deletedBatches, deletedFiles, kept, done: resume === null };
  },
});
