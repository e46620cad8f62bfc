// Rolling verification (issue 18): a change-log run sees only the writes the
// log noted. Writes made another way (dashboard edits, imports, mutations
// built with the raw builders, libraries' own builders) are found here, in
// every change-log run, by the reconciliation's machinery (syncTable: page
// digests compared with the backup, differences repaired):
//   1. the new-documents check: per table, the documents created since the
//      previous run's window, by _creationTime through the by_creation_time
//      index (readPage's `created`), compared with the backup; the window
//      ends CREATED_MARGIN_MS before the run so every transaction that
//      started in it has committed (a document's _creationTime is its
//      transaction's start, not its commit);
//   2. a slice of each table, ceil(documents / verifyEveryHours) documents
//      (the previous point's count; at least one) rounded up to whole pages
//      (the ranges the backup stored digests for), from where the previous
//      slice stopped: a pass over the whole table within verifyEveryHours
//      runs, the next pass starting verifyEveryHours after this one started
//      (the first right after a scan). When a pass reaches the table's end,
//      its start is the table's "verified through" time (verifiedAt).
// What either finds is repaired in the same run and counted as missedByLog,
// unless the change log named it after the drain (logTail.ts: a wrapped
// mutation wrote it while the run compared; the next run drains it).
// A table where the log missed something is then compared whole, from its
// start, in the same run (its pass is "widened"); a pass the run's time
// budget cuts short goes on whole in the next run.
import type { ActionCtx } from "./appContext";
import type { BackupTarget } from "./backupTarget";
import { emptyCheckpoint, syncTable, type RunLease, type SyncOptions } from "./syncTable";
import { differencesCollector, type LogTail } from "./logTail";
import { RedactionReport } from "./redaction/report";
import type { TableCounts, TableVerify, VerifyState } from "../shared/protocol";

/**
 * How long before a run the new-documents window ends. A Convex mutation's
 * code runs at most 1 s and a transaction commits within seconds of its
 * start; five minutes is far beyond that, and only delays by five minutes
 * when a write the log missed is found (an hourly run finds it in the next run).
 */
export const CREATED_MARGIN_MS = 5 * 60_000;

const HOUR_MS = 60 * 60_000;
/** Hourly runs start a few seconds apart from the hour: a pass due within this is started now, not an hour late. */
const DUE_TOLERANCE_MS = 30 * 60_000;

/** Tables verified side by side (each a syncTable with its own few pages in flight). */
export const TABLES_AT_ONCE = 4;

/** Sorts after every document id: a key range bound that includes every id of a creation time. */
const AFTER_EVERY_ID = "\uffff";

/** The documents a table's slice asks for: its share of a window, at least one (read as whole pages: tableRanges' minDocs). */
export const sliceMinDocs = (documents: number, everyHours: number) => Math.max(1, Math.ceil(documents / everyHours));

export type TableVerification = {
  /** Documents compared with the backup. */
  verified: number;
  /** Differences found (changed, created or deleted): the log had not delivered them; repaired. */
  missed: number;
  /** What the repairs did and sent (added to the run's counts). */
  counts: Pick<TableCounts, "changed" | "deleted" | "docsWritten" | "bytesSent">;
};

export type VerificationResult = { state: VerifyState; tables: Map<string, TableVerification> };

/** The verification state after a scan that compared `tables` whole (started at `startedAt`). */
export function scannedState(previous: VerifyState | undefined, tables: readonly string[], everyHours: number, startedAt: number): VerifyState {
  const scanned = new Set(tables);
  const kept = (previous?.tables ?? []).filter((t) => !scanned.has(t.table));
  // A scan is no pass: the first pass starts with the next run (passStartedAt a window back makes it due),
  // so a document the scan compared is compared again within verifyEveryHours.
  const fresh = tables.map((table): TableVerify => ({ table, cursor: null, after: null, passStartedAt: startedAt - everyHours * HOUR_MS, verifiedAt: startedAt }));
  return { everyHours, createdThrough: startedAt - CREATED_MARGIN_MS, tables: [...kept, ...fresh] };
}

/**
 * Verifies `tables` after the log was drained: the new-documents check, then
 * each table's slice. `documents`: each table's count at the previous restore
 * point (the slice's size). Stops at `deadline`, keeping what it reached.
 */
export async function verifyTables(
  ctx: ActionCtx,
  target: BackupTarget,
  lease: RunLease,
  options: {
    previous: VerifyState | undefined;
    tables: readonly string[];
    documents: (table: string) => number;
    everyHours: number;
    startedAt: number;
    deadline: number;
    /** The log past the drain (null: no log cursor, every difference counts as missed). */
    tail: LogTail | null;
    report: RedactionReport;
  },
): Promise<VerificationResult> {
  const { previous, everyHours, startedAt, deadline } = options;
  const createdUpTo = startedAt - CREATED_MARGIN_MS;
  const createdAfter = previous?.createdThrough ?? null;
  const results = new Map<string, TableVerification>();
  const states: TableVerify[] = (previous?.tables ?? []).filter((t) => !options.tables.includes(t.table));
  let createdDone = true;
  const verifyOne = async (table: string): Promise<TableVerify> => {
    const result: TableVerification = { verified: 0, missed: 0, counts: { changed: 0, deleted: 0, docsWritten: 0, bytesSent: 0 } };
    results.set(table, result);
    const sync = async (start: TableVerify | null, bounds: SyncOptions) => {
      const from = { ...emptyCheckpoint(table), cursor: start?.cursor ?? null, after: start?.after ?? null };
      const { differences, differed } = differencesCollector();
      const compared = new RedactionReport();
      const reached = await syncTable(ctx, target, lease, from, deadline, { ...bounds, checkpoints: false, differed, report: compared });
      const c = reached.counts;
      const repaired = c.changed + c.deleted;
      const missed = repaired - Math.min(repaired, (await options.tail?.explained(table, differences)) ?? 0);
      // A document the log missed may hold a path no other did (the restore's placeholder check reads
      // the run's report): the pages that held one join it. Known documents re-read add nothing.
      if (missed > 0) options.report.merge(compared.entries(), compared.capped());
      result.verified += c.scanned;
      result.missed += missed;
      result.counts.changed += c.changed;
      result.counts.deleted += c.deleted;
      result.counts.docsWritten += c.docsWritten;
      result.counts.bytesSent += c.bytesSent;
      return { reached, missed };
    };

    // Step 1: the documents created in the window, when the previous run set where it starts.
    if (createdAfter !== null && createdUpTo > createdAfter && Date.now() < deadline) {
      const after = { creationTime: createdAfter, id: AFTER_EVERY_ID };
      const until = { creationTime: createdUpTo, id: AFTER_EVERY_ID };
      const { reached } = await sync({ table, cursor: null, after, passStartedAt: startedAt, verifiedAt: null }, {
        fresh: false,
        batchPrefix: "created:",
        created: { after: createdAfter, upTo: createdUpTo },
        until,
      });
      if (!reached.done) createdDone = false;
    }

    // Step 2: the slice, from where the previous one stopped (a new pass starts at the table's start).
    let state: TableVerify = previous?.tables.find((t) => t.table === table) ?? newPass(table, startedAt - everyHours * HOUR_MS, null);
    // A new pass starts once the previous one started verifyEveryHours ago: each document is then
    // compared once per window, a small table no more often than a large one.
    const atStart = state.cursor === null && state.after === null;
    const due = !atStart || startedAt - state.passStartedAt >= everyHours * HOUR_MS - DUE_TOLERANCE_MS;
    if (atStart && due) state = { ...state, passStartedAt: startedAt };
    const widenedBefore = state.widened === true;
    if (result.missed > 0 && !widenedBefore) state = { ...newPass(table, startedAt, state.verifiedAt), widened: true };
    // The table's share of a window (at least one document): a pass reaches the table's end
    // (and says so) within verifyEveryHours runs.
    const sliceDocs = sliceMinDocs(options.documents(table), everyHours);
    if (Date.now() < deadline && (due || state.widened === true)) {
      const { reached, missed } = await sync(state, { fresh: false, batchPrefix: "slice:", ...(state.widened === true ? {} : { minDocs: sliceDocs }) });
      state = passReached(state, reached);
      if (missed > 0 && !widenedBefore && state.widened !== true && Date.now() < deadline) {
        // The slice found what the log missed: the whole table is compared now.
        state = { ...newPass(table, startedAt, state.verifiedAt), widened: true };
        state = passReached(state, (await sync(state, { fresh: false, batchPrefix: "whole:" })).reached);
      } else if (missed > 0 && state.widened !== true && !reached.done) {
        state = { ...newPass(table, startedAt, state.verifiedAt), widened: true };
      }
    }
    return state;
  };
  // A few tables side by side: each costs a round trip or two to the backup, which then overlap.
  for (let at = 0; at < options.tables.length; at += TABLES_AT_ONCE) {
    states.push(...(await Promise.all(options.tables.slice(at, at + TABLES_AT_ONCE).map(verifyOne))));
  }
  const createdThrough = createdDone ? createdUpTo : createdAfter;
  return { state: { everyHours, createdThrough: createdThrough ?? createdUpTo, tables: states }, tables: results };
}

function newPass(table: string, startedAt: number, verifiedAt: number | null): TableVerify {
  return { table, cursor: null, after: null, passStartedAt: startedAt, verifiedAt };
}

/** Where a pass stands after syncing from `state`: at the table's end, its start is the table's verification time. */
function passReached(state: TableVerify, reached: { cursor: string | null; after: TableVerify["after"]; done: boolean }): TableVerify {
  if (reached.done) return newPass(state.table, state.passStartedAt, state.passStartedAt);
  return { ...state, cursor: reached.cursor, after: reached.after };
}
