// The backup's entry points on the primary, all internal (cron, dashboard, npx convex run):
//   backup:runNow  the hourly backup (see crons.ts); by hand: npx convex run backup:runNow '{"dryRun": true}'
//   backup:status  the last runs and the age of the newest restore point
//   backup:verify  the primary's current state against the backup's
// Their log lines are what the dashboard shows.
import { internalActionGeneric, type GenericActionCtx, type GenericDataModel } from "convex/server";
import { v } from "convex/values";
import { DEFAULT_MAX_DURATION_MS, runBackup, vRunSummary, type RunSummary } from "../runBackup";
import { configHash } from "../runMode";
import { BackupTarget, readBackupConfig } from "../backupTarget";
import { DEFAULT_STATUS_LIMIT, readBackupStatus, statusLines, vBackupStatus } from "../backupStatus";
import { verifyTables, vVerifyReport } from "../verifyTables";
import type { ActionCtx } from "../appContext";
import type { BackupSettings } from "../settings";
import { STORAGE_TABLE } from "../../shared/files";

export function defineActions(settings: BackupSettings) {
  const withFunctions = (ctx: GenericActionCtx<GenericDataModel>): ActionCtx => ({ ...ctx, backupFunctions: settings.functions });

  const runNow = internalActionGeneric({
    args: {
      dryRun: v.optional(v.boolean()),
      tables: v.optional(v.array(v.string())),
      /** Compare every page of every table this run (a reconciliation), not just what the change log names. */
      reconcile: v.optional(v.boolean()),
      /** Hand over to a scheduled continuation after this long (default 15 minutes). */
      maxDurationMs: v.optional(v.number()),
      /**
       * Refused: naming or keeping a restore point takes the backup's restore
       * secret, which the primary never holds. Kept as arguments so an old
       * call gets that reason: `convex-hourly-backup run --label x --pin`.
       */
      label: v.optional(v.string()),
      pin: v.optional(v.boolean()),
    },
    returns: vRunSummary,
    handler: async (ctx, args): Promise<RunSummary> => {
      refuseMarks(args);
      // So is a configuration naming what the schema lacks (a dry run says so too): never a silent no-op.
      const problems = settings.configProblems();
      if (problems.length > 0) {
        throw new Error(`runNow: the backup's configuration names what the schema does not have, so nothing was backed up. ${problems.join(" ")}`);
      }
      const hasFiles = await primaryHasFiles(ctx, settings);
      const configuredTables = settings.configuredTables(hasFiles);
      const options = {
        dryRun: args.dryRun ?? false,
        tables: settings.chooseTables(args.tables, hasFiles),
        configuredTables,
        maxDurationMs: args.maxDurationMs ?? DEFAULT_MAX_DURATION_MS,
        changeCapture: settings.changeCapture,
        // What a backup holds follows from these: when they change, the next run reconciles.
        // Not file storage: "_storage" is compared in every run anyway.
        configHash: await configHash({
          configuredTables: settings.backedUpTables(),
          OMITTED_FIELDS: settings.omittedFields,
          REDACTION: settings.redaction,
        }),
        reconcileEveryMs: settings.reconcileEveryHours === null ? Infinity : settings.reconcileEveryHours * 60 * 60_000,
        verifyEveryHours: settings.verifyEveryHours,
        reconcile: args.reconcile ?? false,
        schema: settings.schema,
        restorePlaceholders: settings.restorePlaceholders,
      };
      return runBackup(withFunctions(ctx), options, async () => {
        // The continuation resumes this run, which keeps its tables and its way of finding changes.
        await ctx.scheduler.runAfter(0, settings.functions.runNow, { maxDurationMs: args.maxDurationMs });
      });
    },
  });

  /**
   * The backup's last runs and the age of the newest restore point, flagged
   * (stale: true and a WARNING line) when it is older than two hours:
   *   npx convex run backup:status '{"limit": 24}'
   */
  const status = internalActionGeneric({
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
  const verify = internalActionGeneric({
    args: { tables: v.optional(v.array(v.string())) },
    returns: vVerifyReport,
    handler: async (ctx, args) => {
      const tables = settings.chooseTables(args.tables, await primaryHasFiles(ctx, settings));
      return verifyTables(withFunctions(ctx), new BackupTarget(readBackupConfig()), tables);
    },
  });

  return { runNow, status, verify };
}

/** Whether file storage is backed up and the primary holds a file: one `_storage` row read, at most. */
async function primaryHasFiles(ctx: GenericActionCtx<GenericDataModel>, settings: BackupSettings): Promise<boolean> {
  if (!settings.fileStorage) return false;
  const page = await ctx.runQuery(settings.functions.readPage, { table: STORAGE_TABLE, cursor: null, maxDocs: 1 });
  return page.entries.length > 0;
}

/** runNow's label and pin: the append credential only appends, so they are refused before anything is read. */
function refuseMarks(args: { label?: string; pin?: boolean }): void {
  if (args.label === undefined && args.pin !== true) return;
  throw new Error(
    "runNow: labels and pins take the backup's BACKUP_RESTORE_SECRET, which the primary never holds, so nothing was backed up. " +
      "Run `npx convex-hourly-backup run --label <label> --pin` (it runs the backup, then names and pins its point with the restore secret), " +
      "or `npx convex-hourly-backup pin <run> --label <label>` after a run.",
  );
}
