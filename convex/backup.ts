// backup:runNow - the hourly backup (see crons.ts), also run by hand:
//   npx convex run backup:runNow '{"dryRun": true}'
// Its log lines, one per table and one for the run, are what the dashboard shows.
import { v, type Infer } from "convex/values";
import { internalAction } from "./_generated/server";
import schema from "./schema";
import { EXCLUDED_TABLES } from "./backupConfig";
import { BackupTarget, readBackupConfig } from "./lib/backupTarget";
import { syncTable } from "./lib/syncTable";
import { vTableCounts, type TableCounts } from "../shared/protocol";

export const vRunSummary = v.object({
  runId: v.union(v.string(), v.null()),
  status: v.union(v.literal("completed"), v.literal("dryRun")),
  tables: v.array(vTableCounts),
  durationMs: v.number(),
});
export type RunSummary = Infer<typeof vRunSummary>;

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
  args: { dryRun: v.optional(v.boolean()), tables: v.optional(v.array(v.string())) },
  returns: vRunSummary,
  handler: async (ctx, args): Promise<RunSummary> => {
    const started = Date.now();
    const dryRun = args.dryRun ?? false;
    const tables = chooseTables(args.tables);
    const target = new BackupTarget(readBackupConfig());
    const label = dryRun ? "[backup dry-run]" : "[backup]";

    const run = dryRun ? null : await target.beginRun();
    const results: TableCounts[] = [];
    try {
      for (const table of tables) {
        const tableStarted = Date.now();
        const counts = await syncTable(ctx, target, table, run);
        results.push(counts);
        console.log(`${label} ${describeCounts(counts, dryRun)} in ${Date.now() - tableStarted} ms`);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`${label} run ${run?.runId ?? "-"} failed: ${message}`);
      if (run !== null) {
        // Best effort: the backup may be the thing that is down.
        await target
          .finishRun({ runId: run.runId, status: "failed", tables: results, error: message.slice(0, 1000) })
          .catch(() => undefined);
      }
      throw new Error(`Backup run failed: ${message}`);
    }
    if (run !== null) {
      await target.finishRun({ runId: run.runId, status: "completed", tables: results });
    }
    const total = sumCounts(results);
    const durationMs = Date.now() - started;
    console.log(
      `${label} run ${run?.runId ?? "-"} ${dryRun ? "dry run done" : "completed"}: ${results.length} tables, ` +
        `${describeCounts(total, dryRun)} in ${durationMs} ms (${target.requests} requests)`,
    );
    return { runId: run?.runId ?? null, status: dryRun ? "dryRun" : "completed", tables: results, durationMs };
  },
});

function sumCounts(results: TableCounts[]): TableCounts {
  const total: TableCounts = { table: "total", scanned: 0, changed: 0, deleted: 0, bytesSent: 0, docsWritten: 0 };
  for (const r of results) {
    total.scanned += r.scanned;
    total.changed += r.changed;
    total.deleted += r.deleted;
    total.bytesSent += r.bytesSent;
    total.docsWritten += r.docsWritten;
  }
  return total;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

function describeCounts(c: TableCounts, dryRun: boolean): string {
  const verb = dryRun ? "would change" : "changed";
  return `${c.table}: scanned ${c.scanned}, ${verb} ${c.changed}, ${dryRun ? "would delete" : "deleted"} ${c.deleted}, sent ${formatBytes(c.bytesSent)}`;
}
