// What backup:status on the primary shows: the backup's recent runs and its
// newest restore point. Counts and times only, never document values.
import { getConvexSize } from "convex/values";
import { env, query, type DatabaseReader } from "./_generated/server";
import type { Doc } from "./_generated/dataModel";
import { requireStatusAccess } from "./lib/auth";
import { parseRetention } from "./lib/retentionConfig";
import { readRetentionHealth } from "./lib/retentionHealth";
import { newestPointHolds } from "./lib/pointHolds";
import {
  MAX_PINNED,
  MAX_STATUS_RUNS,
  recentRunsArgs,
  vRecentRunsResult,
  type PinReport,
  type RetentionHealth,
  type RunReport,
} from "../shared/protocol";

export const DEFAULT_STATUS_RUNS = 10;
/**
 * A run record can approach 1 MiB (a checkpoint per table): the newest runs
 * are read up to this many bytes, so a query reads and returns a few MiB at
 * most, not `limit` MiB. Normal records are a few KiB: all `limit` fit.
 */
export const MAX_STATUS_BYTES = 4 * 1024 * 1024;

export const recentRuns = query({
  args: recentRunsArgs,
  returns: vRecentRunsResult,
  handler: async (ctx, { secret, limit, withPins, withHolds, withRetention }) => {
    await requireStatusAccess(secret);
    const count = Math.min(MAX_STATUS_RUNS, Math.max(1, Math.floor(limit ?? DEFAULT_STATUS_RUNS)));
    const { page: runs } = await ctx.db
      .query("runs")
      .withIndex("by_seq")
      .order("desc")
      .paginate({ cursor: null, numItems: count, maximumBytesRead: MAX_STATUS_BYTES });
    const newest = await ctx.db
      .query("runs")
      .withIndex("by_status", (q) => q.eq("status", "completed"))
      .order("desc")
      .first();
    const now = Date.now();
    const marks = withPins === true;
    return {
      runs: runs.map((run) => report(run, now, marks)),
      newestCompleted: newest === null ? null : report(newest, now, marks),
      ...(marks ? { pins: await pins(ctx.db) } : {}),
      ...(withHolds === true && newest !== null ? { holds: await newestPointHolds(ctx.db, newest) } : {}),
      ...(withRetention === true ? { retention: await retentionHealth(ctx.db, now) } : {}),
    };
  },
});

/** Retention's health (lib/retentionHealth.ts), counted from the alert's first check when no prune has made progress yet. */
async function retentionHealth(db: DatabaseReader, now: number): Promise<RetentionHealth> {
  const alert = await db.query("alertState").first();
  return readRetentionHealth(db, now, parseRetention(env.BACKUP_RETENTION), alert?.firstCheckAt ?? null, { countVersions: true });
}

/** The pinned runs, oldest first: at most MAX_PINNED, and records up to MAX_STATUS_BYTES. */
async function pins(db: DatabaseReader): Promise<PinReport[]> {
  const out: PinReport[] = [];
  let bytes = 0;
  for await (const run of db.query("runs").withIndex("by_pinned", (q) => q.eq("pinned", true))) {
    bytes += getConvexSize(run);
    if (out.length >= MAX_PINNED || bytes > MAX_STATUS_BYTES) break;
    const { seq, status, startedAt } = run;
    out.push({ runId: run._id, seq, label: run.label ?? null, status, startedAt, finishedAt: run.finishedAt ?? null });
  }
  return out;
}

function report(run: Doc<"runs">, now: number, marks: boolean): RunReport {
  const progress = (run.checkpoints ?? []).map((checkpoint) => checkpoint.counts);
  return {
    ...(marks && run.label !== undefined ? { label: run.label } : {}),
    ...(marks && run.pinned === true ? { pinned: true } : {}),
    runId: run._id,
    seq: run.seq,
    status: run.status,
    interrupted: run.status === "running" && (run.leaseExpiresAt ?? 0) <= now,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    attempts: run.attempts ?? 1,
    tables: run.status === "running" ? progress : run.tables,
    error: run.error ?? null,
  };
}
