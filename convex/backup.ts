// The backup's entry points on the primary, all internal (cron, dashboard, npx convex run):
//   backup:runNow  the hourly backup (see crons.ts); by hand: npx convex run backup:runNow '{"dryRun": true}'
//   backup:status  the last runs and the age of the newest restore point
//   backup:verify  the primary's current state against the backup's
// Their log lines are what the dashboard shows.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { env, internalAction } from "./_generated/server";
import schema from "./schema";
import { EXCLUDED_TABLES, OMITTED_FIELDS, RECONCILE_EVERY_HOURS, REDACTION } from "./backupConfig";
import { CHANGE_LOG_TABLE } from "./lib/changeLog/schema";
import { DEFAULT_MAX_DURATION_MS, runBackup, vRunSummary, type RunSummary } from "./lib/runBackup";
import { configHash } from "./lib/runMode";
import { BackupTarget, readBackupConfig } from "./lib/backupTarget";
import { DEFAULT_STATUS_LIMIT, readBackupStatus, statusLines, vBackupStatus } from "./lib/backupStatus";
import { verifyTables, vVerifyReport } from "./lib/verifyTables";

export { formatBytes, sumCounts, vRunSummary, type RunSummary } from "./lib/runBackup";

/**
 * Every table in the schema, less EXCLUDED_TABLES and the tables named in the
 * BACKUP_EXCLUDED_TABLES environment variable (comma-separated, to exclude
 * one without a deploy): a new table needs no code change. A table that
 * leaves this list leaves the restore points from the next run on.
 */
export function backedUpTables(): string[] {
  const fromEnv = (env.BACKUP_EXCLUDED_TABLES ?? "").split(",").map((table) => table.trim());
  // The change log is the backup's own bookkeeping, never backed up.
  const excluded = new Set([...EXCLUDED_TABLES, ...fromEnv, CHANGE_LOG_TABLE]);
  return Object.keys(schema.tables).filter((table) => !excluded.has(table));
}

function chooseTables(requested: string[] | undefined): string[] {
  const all = backedUpTables();
  if (requested === undefined) return all;
  const unknown = requested.filter((table) => !all.includes(table));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown or excluded table(s): ${unknown.join(", ")}. Backed-up tables: ${all.join(", ")}.`,
    );
  }
  return requested;
}

export const runNow = internalAction({
  args: {
    dryRun: v.optional(v.boolean()),
    tables: v.optional(v.array(v.string())),
    /** Compare every page of every table this run (a reconciliation), not just what the change log names. */
    reconcile: v.optional(v.boolean()),
    /** Hand over to a scheduled continuation after this long (default 15 minutes). */
    maxDurationMs: v.optional(v.number()),
  },
  returns: vRunSummary,
  handler: async (ctx, args): Promise<RunSummary> => {
    const configuredTables = backedUpTables();
    const options = {
      dryRun: args.dryRun ?? false,
      tables: chooseTables(args.tables),
      configuredTables,
      maxDurationMs: args.maxDurationMs ?? DEFAULT_MAX_DURATION_MS,
      changeCapture: CHANGE_LOG_TABLE in schema.tables,
      // What a backup holds follows from these: when they change, the next run reconciles.
      configHash: await configHash({ configuredTables, OMITTED_FIELDS, REDACTION }),
      reconcileEveryMs: RECONCILE_EVERY_HOURS * 60 * 60_000,
      reconcile: args.reconcile ?? false,
    };
    return runBackup(ctx, options, async () => {
      // The continuation resumes this run, which keeps its tables and its way of finding changes.
      await ctx.scheduler.runAfter(0, internal.backup.runNow, { maxDurationMs: args.maxDurationMs });
    });
  },
});

/**
 * The backup's last runs and the age of the newest restore point, flagged
 * (stale: true and a WARNING line) when it is older than two hours:
 *   npx convex run backup:status '{"limit": 24}'
 */
export const status = internalAction({
  args: { limit: v.optional(v.number()) },
  returns: vBackupStatus,
  handler: async (_ctx, args) => {
    const target = new BackupTarget(readBackupConfig());
    const report = await readBackupStatus(target, args.limit ?? DEFAULT_STATUS_LIMIT, () => Date.now());
    for (const line of statusLines(report)) (line.warning ? console.warn : console.log)(line.text);
    return report;
  },
});

/**
 * Compares the primary's current sanitized documents with the backup's
 * current state, table by table; ok: false on any difference:
 *   npx convex run backup:verify '{"tables": ["orders"]}'
 */
export const verify = internalAction({
  args: { tables: v.optional(v.array(v.string())) },
  returns: vVerifyReport,
  handler: async (ctx, args) => {
    const tables = chooseTables(args.tables);
    return verifyTables(ctx, new BackupTarget(readBackupConfig()), tables);
  },
});
