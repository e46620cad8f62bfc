// backup:runNow - the hourly backup (see crons.ts), also run by hand:
//   npx convex run backup:runNow '{"dryRun": true}'
// Its log lines, one per table and one for the run, are what the dashboard shows.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalAction } from "./_generated/server";
import schema from "./schema";
import { EXCLUDED_TABLES } from "./backupConfig";
import { DEFAULT_MAX_DURATION_MS, runBackup, vRunSummary, type RunSummary } from "./lib/runBackup";

export { formatBytes, vRunSummary, type RunSummary } from "./lib/runBackup";

/** Every table in the schema, less EXCLUDED_TABLES: a new table needs no code change. */
export function backedUpTables(): string[] {
  return Object.keys(schema.tables).filter((table) => !EXCLUDED_TABLES.includes(table));
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
    /** Hand over to a scheduled continuation after this long (default 15 minutes). */
    maxDurationMs: v.optional(v.number()),
  },
  returns: vRunSummary,
  handler: async (ctx, args): Promise<RunSummary> => {
    const options = {
      dryRun: args.dryRun ?? false,
      tables: chooseTables(args.tables),
      maxDurationMs: args.maxDurationMs ?? DEFAULT_MAX_DURATION_MS,
    };
    return runBackup(ctx, options, async () => {
      await ctx.scheduler.runAfter(0, internal.backup.runNow, { maxDurationMs: args.maxDurationMs });
    });
  },
});
