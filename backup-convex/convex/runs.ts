// Run records. A run is a restore point once finishRun marks it completed,
// which the primary does only after every table was scanned to the end.
import { ConvexError } from "convex/values";
import { mutation } from "./_generated/server";
import type { Id } from "./_generated/dataModel";
import type { DatabaseReader } from "./_generated/server";
import { requireSecret } from "./lib/auth";
import {
  beginRunArgs,
  ERROR_CODES,
  finishRunArgs,
  vBeginRunResult,
} from "../../shared/protocol";
import { v } from "convex/values";

export const beginRun = mutation({
  args: beginRunArgs,
  returns: vBeginRunResult,
  handler: async (ctx, { secret }) => {
    await requireSecret(secret);
    const latest = await ctx.db.query("runs").withIndex("by_seq").order("desc").first();
    const seq = (latest?.seq ?? 0) + 1;
    const runId = await ctx.db.insert("runs", {
      seq,
      startedAt: Date.now(),
      status: "running",
      tables: [],
    });
    return { runId, seq };
  },
});

export const finishRun = mutation({
  args: finishRunArgs,
  returns: v.null(),
  handler: async (ctx, { secret, runId, status, tables, error }) => {
    await requireSecret(secret);
    const run = await getActiveRun(ctx.db, runId);
    await ctx.db.patch("runs", run._id, { status, tables, error, finishedAt: Date.now() });
    return null;
  },
});

/** The run a batch belongs to; it must exist and still be running. */
export async function getActiveRun(db: DatabaseReader, runId: string) {
  const id: Id<"runs"> | null = db.normalizeId("runs", runId);
  const run = id === null ? null : await db.get("runs", id);
  if (run === null || run.status !== "running") {
    throw new ConvexError({
      code: ERROR_CODES.runNotActive,
      message: "This backup run does not exist or has already finished.",
    });
  }
  return run;
}
