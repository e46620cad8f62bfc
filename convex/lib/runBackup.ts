// One backup run, start to finish: take the lease (or resume a run whose
// holder died), sync every table from its checkpoint, complete the run so it
// becomes a restore point. Hands over to a scheduled continuation before the
// action time limit; on failure gives the lease back so the next run resumes.
import type { Infer } from "convex/values";
import { v } from "convex/values";
import type { ActionCtx } from "../_generated/server";
import { vTableCounts, zeroCounts, type TableCheckpoint, type TableCounts } from "../../shared/protocol";
import { BackupTarget, readBackupConfig } from "./backupTarget";
import { emptyCheckpoint, syncTable, type RunLease } from "./syncTable";

export const LEASE_MS = 5 * 60_000;
// Convex actions may run 30 minutes; hand over well before that.
export const DEFAULT_MAX_DURATION_MS = 15 * 60_000;

export const vRunStatusSummary = v.union(
  v.literal("completed"),
  v.literal("dryRun"),
  /** Another run holds the lease; this one did nothing. */
  v.literal("alreadyRunning"),
  /** Time budget used up: a scheduled continuation resumes the run. */
  v.literal("continued"),
);

export const vRunSummary = v.object({
  runId: v.union(v.string(), v.null()),
  status: vRunStatusSummary,
  tables: v.array(vTableCounts),
  durationMs: v.number(),
});
export type RunSummary = Infer<typeof vRunSummary>;

export type RunOptions = {
  dryRun: boolean;
  /** What this run scans: every configured table, or those named by runNow's `tables`. */
  tables: string[];
  /** Every table the primary backs up now (schema less EXCLUDED_TABLES). */
  configuredTables: string[];
  maxDurationMs: number;
};

export async function runBackup(
  ctx: ActionCtx,
  options: RunOptions,
  scheduleContinuation: () => Promise<void>,
): Promise<RunSummary> {
  const started = Date.now();
  const deadline = started + options.maxDurationMs;
  const label = options.dryRun ? "[backup dry-run]" : "[backup]";
  const target = new BackupTarget(readBackupConfig());

  // Step 1: the lease. A dry run writes nothing and needs none.
  let lease: RunLease | null = null;
  let tables = options.tables;
  let checkpoints: TableCheckpoint[] = [];
  let retired: string[] = [];
  if (!options.dryRun) {
    const holder = randomHolderId();
    const begun = await target
      .beginRun({ holder, leaseMs: LEASE_MS, tables, source: target.source })
      .catch((error: unknown) => {
        console.error(`${label} could not start: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      });
    if (begun.outcome === "busy") {
      const until = new Date(begun.leaseExpiresAt).toISOString();
      console.log(`${label} run ${begun.runId} is already in progress (lease until ${until}); nothing to do`);
      return { runId: begun.runId, status: "alreadyRunning", tables: [], durationMs: Date.now() - started };
    }
    lease = { runId: begun.runId, holder, leaseMs: LEASE_MS };
    // The backup's word on what to scan is checked against this deployment's
    // own configuration: a run started before a table was excluded (or a run
    // record written by someone else) never makes an excluded table leave.
    const configured = new Set(options.configuredTables);
    const skipped = begun.tables.filter((table) => !configured.has(table));
    tables = begun.tables.filter((table) => configured.has(table));
    checkpoints = begun.checkpoints;
    retired = begun.previousTables.filter((table) => !configured.has(table));
    if (begun.outcome === "resumed") {
      const done = checkpoints.filter((c) => c.done && configured.has(c.table)).length;
      console.log(`${label} resuming run ${begun.runId} (${done}/${tables.length} tables already done)`);
    }
    if (skipped.length > 0) console.log(`${label} not backed up any more, skipped: ${skipped.join(", ")}`);
  }

  // Step 2: every table, from its checkpoint.
  const results: TableCounts[] = [];
  try {
    for (const table of tables) {
      const start = checkpoints.find((c) => c.table === table) ?? emptyCheckpoint(table);
      const tableStarted = Date.now();
      const reached = start.done ? start : await syncTable(ctx, target, lease, start, deadline);
      if (!reached.done) {
        // Step 3a: out of time. The checkpoint is saved; a continuation resumes.
        await target.releaseRun({ runId: lease!.runId, holder: lease!.holder });
        await scheduleContinuation();
        console.log(`${label} run ${lease!.runId}: time budget used at ${table}; continuing in a scheduled action`);
        return { runId: lease!.runId, status: "continued", tables: results, durationMs: Date.now() - started };
      }
      results.push(reached.counts);
      if (!start.done) console.log(`${label} ${describeCounts(reached.counts, options.dryRun)} in ${Date.now() - tableStarted} ms`);
    }
    // Step 3b: tables no longer backed up leave the restore points from this run on.
    for (const table of lease === null ? [] : retired) {
      const closed = await retireTable(target, lease!, table);
      console.log(`${label} ${table}: no longer backed up; ${closed} documents closed (older restore points keep them)`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${label} run ${lease?.runId ?? "-"} interrupted: ${message}`);
    if (lease !== null) {
      // Best effort: the backup may be what is down; then the lease expires by itself.
      await target
        .releaseRun({ runId: lease.runId, holder: lease.holder, error: message.slice(0, 1000) })
        .catch(() => undefined);
    }
    throw new Error(`Backup run failed: ${message}${lease !== null ? " (the next run resumes from the last checkpoint)" : ""}`);
  }

  // Step 3c: a restore point.
  if (lease !== null) {
    await target.finishRun({
      runId: lease.runId,
      holder: lease.holder,
      tables: results,
      configuredTables: options.configuredTables,
    });
  }
  const durationMs = Date.now() - started;
  console.log(
    `${label} run ${lease?.runId ?? "-"} ${options.dryRun ? "dry run done" : "completed"}: ${results.length} tables, ` +
      `${describeCounts(sumCounts(results), options.dryRun)} in ${durationMs} ms (${target.requests} requests)`,
  );
  return { runId: lease?.runId ?? null, status: options.dryRun ? "dryRun" : "completed", tables: results, durationMs };
}

/** Closes a retired table's open versions, a bounded chunk per call. Returns how many. */
async function retireTable(target: BackupTarget, lease: RunLease, table: string): Promise<number> {
  let closed = 0;
  for (;;) {
    const step = await target.retireTable({ runId: lease.runId, holder: lease.holder, table });
    closed += step.closed;
    if (step.done) return closed;
  }
}

/** Names this action as a lease holder (crypto.getRandomValues: available in every Convex runtime). */
function randomHolderId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The per-table counts added up, as the run's total line reports them. */
export function sumCounts(results: TableCounts[]): TableCounts {
  const total = zeroCounts("total");
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
