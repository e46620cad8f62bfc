// One backup run, start to finish: take the lease (or resume a run whose
// holder died), find what changed (drain the change log, and for a
// reconciliation compare every table from its checkpoint), retire tables no
// longer backed up, complete the run so it becomes a restore point. Hands
// over to a scheduled continuation before the action time limit; on failure
// gives the lease back so the next run resumes. File storage ("_storage")
// is compared in every run, a log run too: no change log sees files.
import type { ActionCtx } from "./appContext";
import { MAX_RUN_REDACTIONS, type LogState, type RedactedPath, type RunSchema, type TableCheckpoint, type TableCounts } from "../shared/protocol";
import { BackupTarget, readBackupConfig } from "./backupTarget";
import { emptyCheckpoint, syncTable, type RunLease } from "./syncTable";
import { drainLog, dropDrained, type DrainResult } from "./drainLog";
import { chooseLogState, PARTIAL_RUN } from "./runMode";
import { scannedState, verifyTables, type VerificationResult } from "./verification";
import { differencesCollector, LogTail } from "./logTail";
import { addVerification, documentsAt } from "./verificationReport";
import { describeAllHolds, pointHolds } from "../shared/pointHolds";
import { describeCounts, firstSeen, redactionLines, sumCounts, type RunSummary } from "./runReport";
import { RedactionReport } from "./redaction/report";
import { schemaRecord } from "./schemaRecord";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import type { RestorePlaceholders } from "./redaction/config";
import { STORAGE_TABLE } from "../shared/files";
import { FileCopier } from "./fileCopy";
import { lackSkippedFiles } from "./fileLimits";

export { formatBytes, sumCounts, vRunSummary, type RunSummary } from "./runReport";

export const LEASE_MS = 5 * 60_000;
// Convex actions may run 30 minutes; hand over well before that.
export const DEFAULT_MAX_DURATION_MS = 15 * 60_000;

export type RunOptions = {
  dryRun: boolean;
  /** What this run covers: every configured table, or those named by runNow's `tables`. */
  tables: string[];
  /** Every table the primary backs up now (the schema's, less excludedTables). */
  configuredTables: string[];
  maxDurationMs: number;
  /** The app's schema has the change log (`...backupTables`). */
  changeCapture: boolean;
  configHash: string;
  reconcileEveryMs: number;
  /** defineBackup's verifyEveryHours: every document compared at least once in this many hourly runs. */
  verifyEveryHours: number;
  /** runNow's `reconcile`: scan every table this run. */
  reconcile: boolean;
  /** The app's schema, stored with each restore point (with the placeholders) for the restore's check. */
  schema: SchemaDefinition<GenericSchema, boolean>;
  restorePlaceholders: RestorePlaceholders;
};

type Begun = {
  lease: RunLease;
  tables: string[];
  checkpoints: TableCheckpoint[];
  previousTables: TableCounts[];
  previousLog: LogState | null;
  log: LogState | null;
  /** Redacted paths known at the previous restore point; a resumed run's own report so far. */
  previousRedactions: RedactedPath[];
  redactions: RedactedPath[];
  previousSchemaHash: string | null;
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

  // Step 1: the lease. A dry run writes nothing, needs none, and compares every table.
  const begun = options.dryRun ? null : await beginOrResume(target, options, label);
  if (begun !== null && "busy" in begun) {
    return { runId: begun.busy, status: "alreadyRunning", tables: [], durationMs: Date.now() - started };
  }
  const lease = begun?.lease ?? null;
  const tables = begun?.tables ?? options.tables;
  const configured = new Set(options.configuredTables);
  const retired = (begun?.previousTables ?? []).map((t) => t.table).filter((table) => !configured.has(table));

  const results: TableCounts[] = [];
  // Tables whose documents the backup counts from this run's change-log batches (see finishRun).
  const countedFromLog: string[] = [];
  // What redaction removed, from every page this run reads (a continuation goes on from its predecessor's).
  const report = new RedactionReport(MAX_RUN_REDACTIONS);
  report.merge(begun?.redactions ?? []);
  const reported = () => ({ redactions: report.entries(), redactionsCapped: report.capped() });
  let log: LogState = { mode: "scan", reason: "dry run", cursor: null, reconciledAt: null, configHash: options.configHash };
  try {
    // Step 2: how this run finds what changed (a resumed run goes on as it began).
    if (begun !== null) {
      log =
        begun.log ??
        (await chooseLogState(
          begun.previousLog,
          { ...options, asked: options.reconcile, partial: tables.length < options.configuredTables.length, now: started },
          () => ctx.runQuery(ctx.backupFunctions.logEnd, {}),
        ));
      // A scan's starting point must survive a crash (a resumed scan must not
      // re-choose it); a log run's needs not: resumed, it chooses again.
      if (begun.log === null && log.mode === "scan") await target.checkpoint({ ...leaseArgs(begun.lease), log });
      console.log(`${label} run ${begun.lease.runId}: ${log.mode === "log" ? "reading the change log" : `reconciliation scan (${log.reason})`}`);
      if (!options.changeCapture) {
        // Say it plainly: without the log every hour costs a read of every document.
        console.warn(
          `${label} no change capture: this run reads every document of every table, as every run will. ` +
            "Spread backupTables into your schema and build your mutations with withChangeCapture (README: Add it to your app, step 3) so hourly runs read only what changed.",
        );
      }
    }
    const continued = async (where: string): Promise<RunSummary> => {
      // Out of time. The checkpoint is saved; a continuation resumes (with the redaction report so far).
      await target.checkpoint({ ...leaseArgs(lease!), redactions: report.entries() });
      await target.releaseRun({ runId: lease!.runId, holder: lease!.holder });
      await scheduleContinuation();
      console.log(`${label} run ${lease!.runId}: time budget used at ${where}; continuing in a scheduled action`);
      return { runId: lease!.runId, status: "continued", mode: log.mode, reason: log.reason, tables: results, durationMs: Date.now() - started, ...reported() };
    };

    // Step 3: drain the change log (a scan drains it first too, so what the
    // scan still finds is what the log had missed).
    let drained: DrainResult | null = null;
    const logged = tables.filter((table) => table !== STORAGE_TABLE);
    if (begun !== null && options.changeCapture && log.reason !== PARTIAL_RUN) {
      drained = await drainLog(ctx, target, begun.lease, log.cursor, logged, deadline, async (cursor) => {
        log.cursor = cursor;
        await target.checkpoint({ ...leaseArgs(begun.lease), log });
      }, report);
      log.cursor = drained.cursor;
      if (!drained.done) return await continued("the change log");
    }

    // What the log names past the drain: differences a comparison finds there are no misses (logTail.ts).
    const tail = drained?.cursor == null ? null : new LogTail(ctx, drained.cursor, logged);

    // Step 4: a scan compares every table, from its checkpoint; file storage is compared in every run.
    const scanned = new Map<string, TableCounts>();
    const explainedInScan = new Map<string, number>();
    const files = lease === null ? undefined : new FileCopier(ctx, target, lease);
    for (const table of log.mode === "scan" ? tables : tables.filter((t) => t === STORAGE_TABLE)) {
      const start = begun?.checkpoints.find((c) => c.table === table) ?? emptyCheckpoint(table);
      const tableStarted = Date.now();
      // Asked for by hand, a reconciliation also re-reads what the backup holds: it repairs the backup too.
      const fresh = log.reason === "asked";
      const copier = table === STORAGE_TABLE ? files : undefined;
      // Not in the newest restore point: the backup holds none of it, every page is read with its JSON.
      const backupEmpty = begun !== null && !begun.previousTables.some((t) => t.table === table && t.documents !== 0);
      // What the scan repaired, for the log past the drain to explain (file storage has no log).
      const collector = tail !== null && table !== STORAGE_TABLE ? differencesCollector() : null;
      const reached = start.done ? start : await syncTable(ctx, target, lease, start, deadline, { fresh, report, files: copier, backupEmpty, differed: collector?.differed });
      if (!reached.done) return await continued(table);
      if (collector !== null && tail !== null) explainedInScan.set(table, await tail.explained(table, collector.differences));
      scanned.set(table, reached.counts);
      if (!start.done) console.log(`${label} ${describeCounts(reached.counts, { dryRun: options.dryRun, mode: "scan" })} in ${Date.now() - tableStarted} ms`);
    }

    // Step 5: a change-log run verifies a slice of each table (and what was created since the
    // previous run); a scan compared every table whole. Kept with the log state.
    let verification: VerificationResult | null = null;
    if (begun !== null) {
      if (log.mode === "log") {
        verification = await verifyTables(ctx, target, begun.lease, {
          previous: log.verify,
          tables: logged,
          documents: (table) => documentsAt(begun.previousTables, table),
          everyHours: options.verifyEveryHours,
          startedAt: started,
          deadline,
          tail,
          report,
        });
        log.verify = verification.state;
      } else {
        const scanStart = log.reason === PARTIAL_RUN ? started : (log.reconciledAt ?? started);
        log.verify = scannedState(begun.previousLog?.verify, logged, options.verifyEveryHours, scanStart);
      }
      log.startedAt = started;
    }

    // Step 6: each table's counts, and what it holds at this restore point.
    const logWasCurrent = begun?.previousLog?.cursor != null && log.reason !== "change capture turned on";
    for (const table of tables) {
      const fromLog = drained?.counts.get(table);
      const fromScan = scanned.get(table);
      const counts = combine(table, fromLog, fromScan, begun?.previousTables.find((t) => t.table === table));
      const verified = verification?.tables.get(table);
      if (verified !== undefined) addVerification(counts, verified, label);
      if (fromScan !== undefined && fromLog !== undefined && logWasCurrent) {
        const repaired = fromScan.changed + fromScan.deleted;
        counts.missedByLog = repaired - Math.min(repaired, explainedInScan.get(table) ?? 0);
        if (counts.missedByLog > 0) {
          console.warn(
            `${label} WARNING ${table}: the reconciliation found ${counts.missedByLog} documents the change log had not delivered ` +
              "(writes by mutations not built with withChangeCapture, dashboard edits or imports)",
          );
        }
      }
      // (File storage was compared like a scan, and said so.)
      if (log.mode === "log" && fromScan === undefined) console.log(`${label} ${describeCounts(counts, { dryRun: options.dryRun, mode: "log" })}`);
      results.push(counts);
      if (fromScan === undefined && fromLog !== undefined) countedFromLog.push(table);
    }

    // Step 7: tables no longer backed up leave the restore points from this run on.
    for (const table of retired) {
      const closed = await retireTable(target, lease!, table);
      if (table === STORAGE_TABLE) {
        console.log(`${label} _storage: the primary holds no files now (or fileStorage is off); ${closed} closed (older restore points keep them)`);
      } else {
        console.log(`${label} ${table}: no longer backed up; ${closed} documents closed (older restore points keep them)`);
      }
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

  // Step 8: a restore point. A scan also sweeps log rows it covers that no
  // drain deleted (written before it began, or left by a run that died).
  if (lease !== null) {
    const schema = await runSchema(options, begun!.previousSchemaHash, label);
    const recorded = await target.finishRun({
      runId: lease.runId,
      holder: lease.holder,
      tables: results,
      configuredTables: options.configuredTables,
      log,
      countedFromLog,
      redactions: report.entries(),
      ...(schema === null ? {} : { schema }),
    });
    // The backup counts a change-log table's documents from what every attempt of the run applied.
    for (const counts of results) {
      const documents = recorded.find((t) => t.table === counts.table)?.documents;
      if (documents !== undefined) counts.documents = documents;
    }
    if (log.mode === "scan" && log.cursor !== null && options.changeCapture) await dropDrained(ctx, log.cursor);
  }
  // What the backup leaves out: per table, and each path seen for the first time (a dry run compares with nothing).
  const newRedactions = begun === null ? null : firstSeen(report.entries(), begun.previousRedactions);
  for (const line of redactionLines(label, { entries: report.entries(), capped: report.capped(), newOnes: newRedactions })) console.log(line);
  const durationMs = Date.now() - started;
  console.log(
    `${label} run ${lease?.runId ?? "-"} ${options.dryRun ? "dry run done" : "completed"}: ${results.length} tables, ` +
      `${describeCounts(sumCounts(results), { dryRun: options.dryRun, mode: log.mode })} in ${durationMs} ms (${target.requests} requests)`,
  );
  if (options.dryRun) {
    // Convex has no files to read: the code itself is checked on the developer's machine.
    console.log(`${label} the backup's settings name only what the schema has; to check your code (mutations that record nothing, restore placeholders, components) run npx convex-hourly-backup doctor`);
  }
  const status = options.dryRun ? "dryRun" : "completed";
  if (lease !== null) {
    // What this restore point holds, per table, in plain words (the run's last lines).
    for (const line of describeAllHolds(pointHolds(log, started, results.map((t) => t.table)))) console.log(`${label} run ${lease.runId} holds ${line}`);
  }
  return {
    runId: lease?.runId ?? null,
    status,
    mode: log.mode,
    reason: log.reason,
    tables: results,
    durationMs,
    ...reported(),
    ...(newRedactions === null ? {} : { newRedactions }),
  };
}

const leaseArgs = (lease: RunLease) => ({ runId: lease.runId, holder: lease.holder, leaseMs: lease.leaseMs });

/** Takes the lease: a new run, a resumed one, or "busy" when another live holder has it. */
async function beginOrResume(target: BackupTarget, options: RunOptions, label: string): Promise<Begun | { busy: string }> {
  const holder = randomHolderId();
  const begun = await target
    .beginRun({
      holder,
      leaseMs: LEASE_MS,
      tables: options.tables,
      source: target.source,
    })
    .catch((error: unknown) => {
      console.error(`${label} could not start: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    });
  if (begun.outcome === "busy") {
    const until = new Date(begun.leaseExpiresAt).toISOString();
    console.log(`${label} run ${begun.runId} is already in progress (lease until ${until}); nothing to do`);
    return { busy: begun.runId };
  }
  // The backup's word on what to cover is checked against this deployment's
  // own configuration: a run started before a table was excluded (or a run
  // record written by someone else) never makes an excluded table leave.
  const configured = new Set(options.configuredTables);
  const skipped = begun.tables.filter((table) => !configured.has(table));
  const tables = begun.tables.filter((table) => configured.has(table));
  if (begun.outcome === "resumed") {
    const done = begun.checkpoints.filter((c) => c.done && configured.has(c.table)).length;
    console.log(`${label} resuming run ${begun.runId} (${done}/${tables.length} tables already done)`);
  }
  if (skipped.length > 0) console.log(`${label} not backed up any more, skipped: ${skipped.join(", ")}`);
  return {
    lease: { runId: begun.runId, holder, leaseMs: LEASE_MS },
    tables,
    checkpoints: begun.checkpoints,
    previousTables: begun.previousTables,
    previousLog: begun.previousLog,
    log: begun.log,
    previousRedactions: begun.previousRedactions ?? [],
    redactions: begun.redactions ?? [],
    previousSchemaHash: begun.previousSchemaHash ?? null,
  };
}

/** The schema to store with this restore point: its hash, and its JSON only when it changed since the previous point. */
async function runSchema(options: RunOptions, previousHash: string | null, label: string): Promise<RunSchema | null> {
  const record = await schemaRecord(options.schema, options.configuredTables, options.restorePlaceholders);
  if (record === null) {
    console.warn(`${label} the schema is too large to store with the restore point: restores of this run cannot check documents against it`);
    return null;
  }
  return record.hash === previousHash ? { hash: record.hash } : { hash: record.hash, json: record.json };
}

/**
 * A table's counts for this run: what the log drain and the scan did, added
 * up, and the documents the table holds now: counted by a scan; derived from
 * the previous point's count by a change-log run.
 */
function combine(
  table: string,
  fromLog: (TableCounts & { created: number }) | undefined,
  fromScan: TableCounts | undefined,
  previous: TableCounts | undefined,
): TableCounts {
  const counts: TableCounts = { table, scanned: 0, changed: 0, deleted: 0, bytesSent: 0, docsWritten: 0 };
  for (const part of [fromLog, fromScan]) {
    if (part === undefined) continue;
    counts.scanned += part.scanned;
    counts.changed += part.changed;
    counts.deleted += part.deleted;
    counts.bytesSent += part.bytesSent;
    counts.docsWritten += part.docsWritten;
  }
  if (fromScan !== undefined) counts.documents = fromScan.scanned;
  else if (fromLog !== undefined && previous !== undefined) {
    counts.documents = (previous.documents ?? previous.scanned) + fromLog.created - fromLog.deleted;
  }
  if (fromScan?.filesCopied !== undefined) {
    counts.filesCopied = fromScan.filesCopied;
    counts.fileBytesCopied = fromScan.fileBytesCopied ?? 0;
    lackSkippedFiles(counts, fromScan);
  }
  return counts;
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
