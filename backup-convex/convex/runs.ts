// Run records and the lease that keeps one run at a time. A run is a restore
// point once finishRun marks it completed, which the primary does only after
// every table was scanned to the end. A run whose holder died keeps its
// checkpoints; the next beginRun takes the expired lease over and resumes it.
import { ConvexError, v } from "convex/values";
import { mutation, type DatabaseReader } from "./_generated/server";
import type { Doc, Id } from "./_generated/dataModel";
import { requireSecret } from "./lib/auth";
import {
  beginRunArgs,
  checkpointArgs,
  ERROR_CODES,
  finishRunArgs,
  releaseRunArgs,
  vBeginRunResult,
  type TableCheckpoint,
  type TableCounts,
} from "../../shared/protocol";

export const beginRun = mutation({
  args: beginRunArgs,
  returns: vBeginRunResult,
  handler: async (ctx, { secret, holder, leaseMs, tables }) => {
    await requireSecret(secret);
    const now = Date.now();
    const running = await ctx.db
      .query("runs")
      .withIndex("by_status", (q) => q.eq("status", "running"))
      .order("desc")
      .first();
    if (running !== null) {
      const live = (running.leaseExpiresAt ?? 0) > now;
      if (live && running.holder !== holder) {
        return { outcome: "busy" as const, runId: running._id, seq: running.seq, leaseExpiresAt: running.leaseExpiresAt! };
      }
      // The same holder asking again (its first reply was lost) or a dead holder's run: resume it.
      const resumed = running.holder !== holder;
      await ctx.db.patch("runs", running._id, {
        holder,
        leaseExpiresAt: now + leaseMs,
        attempts: (running.attempts ?? 1) + (resumed ? 1 : 0),
      });
      return {
        outcome: resumed ? ("resumed" as const) : ("started" as const),
        runId: running._id,
        seq: running.seq,
        tables: running.plannedTables ?? tables,
        checkpoints: running.checkpoints ?? [],
      };
    }
    const latest = await ctx.db.query("runs").withIndex("by_seq").order("desc").first();
    const seq = (latest?.seq ?? 0) + 1;
    const runId = await ctx.db.insert("runs", {
      seq,
      startedAt: now,
      status: "running",
      tables: [],
      plannedTables: tables,
      holder,
      leaseExpiresAt: now + leaseMs,
      attempts: 1,
      checkpoints: [],
    });
    return { outcome: "started" as const, runId, seq, tables, checkpoints: [] };
  },
});

export const checkpoint = mutation({
  args: checkpointArgs,
  returns: v.null(),
  handler: async (ctx, { secret, runId, holder, leaseMs, checkpoint }) => {
    await requireSecret(secret);
    const run = await getHeldRun(ctx.db, runId, holder);
    await ctx.db.patch("runs", run._id, {
      checkpoints: upsertCheckpoint(run.checkpoints ?? [], checkpoint),
      leaseExpiresAt: Date.now() + leaseMs,
    });
    return null;
  },
});

export const releaseRun = mutation({
  args: releaseRunArgs,
  returns: v.null(),
  handler: async (ctx, { secret, runId, holder, error }) => {
    await requireSecret(secret);
    const run = await getHeldRun(ctx.db, runId, holder);
    await ctx.db.patch("runs", run._id, { leaseExpiresAt: 0, error });
    return null;
  },
});

export const finishRun = mutation({
  args: finishRunArgs,
  returns: v.null(),
  handler: async (ctx, { secret, runId, holder, tables }) => {
    await requireSecret(secret);
    const id = ctx.db.normalizeId("runs", runId);
    const existing = id === null ? null : await ctx.db.get("runs", id);
    // A resent finishRun whose first reply was lost: already done.
    if (existing?.status === "completed" && existing.holder === holder) return null;
    const run = await getHeldRun(ctx.db, runId, holder);
    await ctx.db.patch("runs", run._id, {
      status: "completed",
      tables: await withUnscannedTables(ctx.db, tables),
      finishedAt: Date.now(),
      leaseExpiresAt: 0,
      error: undefined,
      // Only a run still going resumes from them.
      checkpoints: undefined,
    });
    return null;
  },
});

/**
 * A run limited to some tables (runNow's `tables`) is still a whole restore
 * point: the tables it did not scan are carried over from the previous
 * completed run, unchanged, so a restore of this run includes them.
 */
async function withUnscannedTables(db: DatabaseReader, tables: TableCounts[]): Promise<TableCounts[]> {
  const previous = await db
    .query("runs")
    .withIndex("by_status", (q) => q.eq("status", "completed"))
    .order("desc")
    .first();
  const scanned = new Set(tables.map((t) => t.table));
  const carried = (previous?.tables ?? [])
    .filter((t) => !scanned.has(t.table))
    .map((t) => ({ ...t, changed: 0, deleted: 0, bytesSent: 0, docsWritten: 0 }));
  return [...tables, ...carried];
}

function upsertCheckpoint(list: TableCheckpoint[], next: TableCheckpoint): TableCheckpoint[] {
  return [...list.filter((c) => c.table !== next.table), next];
}

/** The running run `holder` holds the lease of; anything else is refused. */
export async function getHeldRun(db: DatabaseReader, runId: string, holder: string): Promise<Doc<"runs">> {
  const id: Id<"runs"> | null = db.normalizeId("runs", runId);
  const run = id === null ? null : await db.get("runs", id);
  if (run === null || run.status !== "running") {
    throw new ConvexError({
      code: ERROR_CODES.runNotActive,
      message: "This backup run does not exist or has already finished.",
    });
  }
  if (run.holder !== holder) {
    throw new ConvexError({
      code: ERROR_CODES.leaseLost,
      message: "Another backup action has taken this run over (its lease had expired).",
    });
  }
  return run;
}
