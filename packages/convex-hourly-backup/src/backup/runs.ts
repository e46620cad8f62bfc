// Run records and the lease that keeps one run at a time. A run is a restore
// point once finishRun marks it completed, which the primary does only after
// every table was scanned to the end. A run whose holder died keeps its
// checkpoints; the next beginRun takes the expired lease over and resumes it.
import { ConvexError, v } from "convex/values";
import { mutation, type DatabaseReader } from "./_generated/server";
import type { Doc, Id } from "./_generated/dataModel";
import { requireSecret } from "./lib/auth";
import { validateTableList, validateTableName } from "./lib/validateBatch";
import { knownRedactions, storeSchema, validateRedactions } from "./lib/runRecords";
import { countedFromLogBatches } from "./lib/logCounts";
import { previousPoint } from "./lib/restorePoint";
import {
  beginRunArgs,
  checkpointArgs,
  ERROR_CODES,
  finishRunArgs,
  MAX_LEASE_MS,
  MIN_LEASE_MS,
  releaseRunArgs,
  vBeginRunResult,
  vTableCounts,
  type TableCheckpoint,
  type TableCounts,
} from "../shared/protocol";

export const beginRun = mutation({
  args: beginRunArgs,
  returns: vBeginRunResult,
  handler: async (ctx, { secret, holder, leaseMs, tables, source, label, pin }) => {
    await requireSecret(secret);
    validateTableList(tables);
    // The append credential only appends: naming or keeping a point is the restore credential's (pins:label, pins:pin).
    if (label !== undefined || pin === true) {
      throw new ConvexError({
        code: ERROR_CODES.unauthorized,
        message:
          "Labels and pins take the backup's BACKUP_RESTORE_SECRET, which the primary never holds, so nothing was backed up: " +
          "run without label and pin, then `convex-hourly-backup pin <run> --label <label>` (or `convex-hourly-backup run --label <label> --pin`, which does both).",
      });
    }
    const lease = clampLease(leaseMs);
    const now = Date.now();
    // Step 1: one source per backup deployment. The newest run says whose
    // backups these are (retention always keeps it).
    const latest = await ctx.db.query("runs").withIndex("by_seq").order("desc").first();
    if (latest?.source !== undefined && latest.source !== source) {
      throw new ConvexError({
        code: ERROR_CODES.sourceMismatch,
        message:
          `This backup deployment holds the backups of ${latest.source}; ${source} was refused so the two are never mixed. ` +
          `Give each primary deployment its own backup deployment (or, if ${source} is the same app moved, set BACKUP_SOURCE=${latest.source} on it).`,
      });
    }
    // The newest point that holds a table (a run of none, which only the append credential can make, is skipped).
    const previous = await previousPoint(ctx.db, null);
    const previousTables = previous?.tables ?? [];
    const previousLog = previous?.log ?? null;
    // What the previous point redacted and its schema: the primary logs new paths and sends a changed schema.
    const known = { previousRedactions: previous?.redactions ?? [], previousSchemaHash: previous?.schemaHash };
    // Step 2: resume the run in progress, or wait for its live holder.
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
        leaseExpiresAt: now + lease,
        attempts: (running.attempts ?? 1) + (resumed ? 1 : 0),
        source,
      });
      return {
        outcome: resumed ? ("resumed" as const) : ("started" as const),
        runId: running._id,
        seq: running.seq,
        tables: running.plannedTables ?? tables,
        checkpoints: running.checkpoints ?? [],
        previousTables,
        previousLog,
        log: running.log ?? null,
        ...known,
        redactions: running.redactions ?? [],
      };
    }
    // Step 3: a new run.
    const seq = (latest?.seq ?? 0) + 1;
    const runId = await ctx.db.insert("runs", {
      seq,
      startedAt: now,
      status: "running",
      tables: [],
      plannedTables: tables,
      holder,
      leaseExpiresAt: now + lease,
      attempts: 1,
      checkpoints: [],
      source,
    });
    return { outcome: "started" as const, runId, seq, tables, checkpoints: [], previousTables, previousLog, log: null, ...known };
  },
});

export const checkpoint = mutation({
  args: checkpointArgs,
  returns: v.null(),
  handler: async (ctx, { secret, runId, holder, leaseMs, checkpoint, log, redactions }) => {
    await requireSecret(secret);
    if (checkpoint !== undefined) validateTableName(checkpoint.table);
    if (redactions !== undefined) validateRedactions(redactions);
    const run = await getHeldRun(ctx.db, runId, holder);
    if (checkpoint !== undefined && !(run.plannedTables ?? []).includes(checkpoint.table)) {
      throw new ConvexError({ code: ERROR_CODES.invalidBatch, message: "This run does not back up that table." });
    }
    await ctx.db.patch("runs", run._id, {
      ...(checkpoint === undefined ? {} : { checkpoints: upsertCheckpoint(run.checkpoints ?? [], checkpoint) }),
      ...(log === undefined ? {} : { log }),
      ...(redactions === undefined ? {} : { redactions }),
      leaseExpiresAt: Date.now() + clampLease(leaseMs),
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
    await ctx.db.patch("runs", run._id, { leaseExpiresAt: 0, error: error?.slice(0, 1_000) });
    return null;
  },
});

export const finishRun = mutation({
  args: finishRunArgs,
  // The counts recorded with the restore point (the backup's own document counts for countedFromLog).
  returns: v.array(vTableCounts),
  handler: async (ctx, { secret, runId, holder, tables, configuredTables, log, redactions, schema, countedFromLog }) => {
    await requireSecret(secret);
    validateTableList(tables.map((t) => t.table));
    validateTableList(configuredTables);
    if (redactions !== undefined) validateRedactions(redactions);
    const id = ctx.db.normalizeId("runs", runId);
    const existing = id === null ? null : await ctx.db.get("runs", id);
    // A resent finishRun whose first reply was lost: already done.
    if (existing?.status === "completed" && existing.holder === holder) return existing.tables;
    const run = await getHeldRun(ctx.db, runId, holder);
    const planned = new Set(run.plannedTables ?? []);
    if (!tables.every((t) => planned.has(t.table))) {
      throw new ConvexError({ code: ERROR_CODES.invalidBatch, message: "The counts name a table this run does not back up." });
    }
    // A point says which tables the primary backs up: one that holds a table outside that list is inconsistent.
    if (!tables.every((t) => configuredTables.includes(t.table))) {
      throw new ConvexError({ code: ERROR_CODES.invalidBatch, message: "The counts name a table configuredTables leaves out." });
    }
    if (countedFromLog !== undefined) validateTableList(countedFromLog);
    const previous = await previousPoint(ctx.db, null);
    const counted = await countedFromLogBatches(ctx.db, run._id, previous?.tables ?? [], tables, countedFromLog ?? []);
    const recorded = withUnscannedTables(previous, counted, configuredTables);
    await ctx.db.patch("runs", run._id, {
      status: "completed",
      tables: recorded,
      configuredTables,
      ...(log === undefined ? {} : { log }),
      // The paths known at this point (its own, then the previous point's) and its schema.
      redactions: knownRedactions(redactions ?? run.redactions ?? [], previous?.redactions ?? [], configuredTables),
      ...(schema === undefined ? {} : { schemaHash: await storeSchema(ctx.db, schema) }),
      finishedAt: Date.now(),
      leaseExpiresAt: 0,
      error: undefined,
      // Only a run still going resumes from them.
      checkpoints: undefined,
    });
    return recorded;
  },
});

function clampLease(leaseMs: number): number {
  if (!Number.isFinite(leaseMs)) return MIN_LEASE_MS;
  return Math.min(MAX_LEASE_MS, Math.max(MIN_LEASE_MS, leaseMs));
}

/**
 * A run limited to some tables (runNow's `tables`) is still a whole restore
 * point: the tables it did not scan are carried over from the previous
 * completed run, unchanged, so a restore of this run includes them. A table
 * the primary no longer backs up (excluded, or gone from its schema) is not
 * carried: from this run on, restore points leave it out.
 */
function withUnscannedTables(previous: Doc<"runs"> | null, tables: TableCounts[], configuredTables: readonly string[]): TableCounts[] {
  const scanned = new Set(tables.map((t) => t.table));
  const configured = new Set(configuredTables);
  const carried = (previous?.tables ?? [])
    .filter((t) => !scanned.has(t.table) && configured.has(t.table))
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
