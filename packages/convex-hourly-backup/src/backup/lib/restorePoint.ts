// Restore points: only a completed run is one (a run retention is pruning is
// not). A point is whole when it holds a table and every table its run
// listed as configured; `latest` names the newest whole one (`any`: the
// newest, whole or not). A selector names the newest, a run id, a run's sequence number, a
// label, or the newest completed run that started at or before a time. Every
// lookup is a bounded number of index ranges however many runs the backup holds.
import { ConvexError, getConvexSize } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { ERROR_CODES, labelProblem } from "../../shared/protocol";
import { runsLabelled } from "./labels";
import type { RestoreTable, RunSelector } from "./restoreProtocol";

/** Empty tables whose table number is looked up from a stored id; more get free numbers. */
export const MAX_SAMPLE_LOOKUPS = 1_000;
/** Completed runs `latest` reads, newest first, looking for a whole one. */
export const MAX_LATEST_SCAN = 100;
/**
 * ... and the bytes of them it reads: a run record is a few KiB, but one of
 * an app with hundreds of tables and redacted paths is tens (Convex counts
 * the stored record against a query's 16 MiB, however little of it is used).
 */
export const MAX_LATEST_SCAN_BYTES = 4 * 1024 * 1024;

function notFound(message: string): never {
  throw new ConvexError({ code: ERROR_CODES.runNotFound, message });
}

/** The completed run the selector names, or a RUN_NOT_FOUND / RUN_NOT_COMPLETED ConvexError. */
export async function findRestorePoint(db: DatabaseReader, selector: RunSelector): Promise<Doc<"runs">> {
  switch (selector.kind) {
    case "latest": {
      if (selector.any === true) {
        const run = await newestCompleted(db, null);
        return run ?? notFound("The backup holds no completed run yet: run backup:runNow on the primary first.");
      }
      return newestWhole(db);
    }
    case "atOrBefore": {
      if (Number.isNaN(selector.time)) return notFound("The time given is not a number.");
      const lastStarted = await lastRunStartedBy(db, selector.time);
      const run = lastStarted === null ? null : await newestCompleted(db, lastStarted);
      return run ?? notFound(`No completed run started at or before ${new Date(selector.time).toISOString()}.`);
    }
    default:
      return completedOrThrow(await findNamedRun(db, selector));
  }
}

type NamedRun = Extract<RunSelector, { kind: "seq" | "runId" | "label" }>;

/**
 * The run a sequence number, an id or a label names, whatever its status, or
 * a RUN_NOT_FOUND ConvexError. Text that is no run id is tried as a label (a
 * label never looks like a number, a time or "latest").
 */
export async function findNamedRun(db: DatabaseReader, selector: NamedRun): Promise<Doc<"runs">> {
  switch (selector.kind) {
    case "seq": {
      const run = await db
        .query("runs")
        .withIndex("by_seq", (q) => q.eq("seq", selector.seq))
        .first();
      return run ?? notFound(`No run has sequence number ${selector.seq} in the backup deployment.`);
    }
    case "runId": {
      const id: Id<"runs"> | null = db.normalizeId("runs", selector.runId);
      const run = id === null ? null : await db.get("runs", id);
      if (run !== null) return run;
      const labelled = id === null && labelProblem(selector.runId) === null ? await labelledRun(db, selector.runId) : null;
      return labelled ?? notFound("No run has this id or label in the backup deployment.");
    }
    case "label": {
      const problem = labelProblem(selector.label);
      if (problem !== null) throw new ConvexError({ code: ERROR_CODES.invalidLabel, message: problem });
      return (await labelledRun(db, selector.label)) ?? notFound(`No restore point is labelled "${selector.label}".`);
    }
  }
}

/** The kept run carrying the label, else one retention is pruning (so the refusal says why), else null. */
async function labelledRun(db: DatabaseReader, label: string): Promise<Doc<"runs"> | null> {
  const runs = await runsLabelled(db, label);
  return runs.find((run) => run.status !== "pruning") ?? runs[0] ?? null;
}

export function completedOrThrow(run: Doc<"runs">): Doc<"runs"> {
  if (run.status === "completed") return run;
  const why =
    run.status === "pruning"
      ? `Run ${run.seq} is being deleted by retention (status pruning): it is no longer a restore point.`
      : `Run ${run.seq} is ${run.status}, not completed: only a completed run is a restore point.`;
  throw new ConvexError({ code: ERROR_CODES.runNotCompleted, message: why });
}

/** The newest completed run, or the newest with seq <= atMostSeq: one index range. */
function newestCompleted(db: DatabaseReader, atMostSeq: number | null): Promise<Doc<"runs"> | null> {
  return db
    .query("runs")
    .withIndex("by_status", (q) =>
      atMostSeq === null ? q.eq("status", "completed") : q.eq("status", "completed").lte("seq", atMostSeq),
    )
    .order("desc")
    .first();
}

/** The newest whole completed run, among the newest completed ones (newestFirst's bounds). */
async function newestWhole(db: DatabaseReader): Promise<Doc<"runs">> {
  let read = 0;
  for await (const run of newestFirst(db, null)) {
    if (isWhole(run)) return run;
    read += 1;
  }
  if (read === 0) return notFound("The backup holds no completed run yet: run backup:runNow on the primary first.");
  return notFound(
    `None of the newest ${read} restore points is whole (each lacks a table the primary backs up, or holds none): ` +
      `name one (a run number, \`status\` lists them) or ask for the newest whatever it holds (--run latest-any).`,
  );
}

/** Completed runs before seq `beforeSeq` (all when null), newest first, within MAX_LATEST_SCAN runs and MAX_LATEST_SCAN_BYTES. */
function newestFirst(db: DatabaseReader, beforeSeq: number | null): AsyncGenerator<Doc<"runs">> {
  return completedRuns(db, { beforeSeq, order: "desc", maxRuns: MAX_LATEST_SCAN, maxBytes: MAX_LATEST_SCAN_BYTES });
}

/**
 * Completed runs in seq order (`order`), after `afterSeq` and before
 * `beforeSeq` when given, read one by one and stopping after `maxRuns` runs or
 * `maxBytes` of stored records (Convex counts a whole record against a
 * query's 16 MiB), so a walk that finds what it wants early reads only that far.
 */
export async function* completedRuns(
  db: DatabaseReader,
  options: { afterSeq?: number | null; beforeSeq?: number | null; order: "asc" | "desc"; maxRuns: number; maxBytes: number },
): AsyncGenerator<Doc<"runs">> {
  const { afterSeq = null, beforeSeq = null } = options;
  let read = 0;
  let bytes = 0;
  const runs = db
    .query("runs")
    .withIndex("by_status", (q) => {
      const completed = q.eq("status", "completed");
      if (afterSeq !== null && beforeSeq !== null) return completed.gt("seq", afterSeq).lt("seq", beforeSeq);
      if (afterSeq !== null) return completed.gt("seq", afterSeq);
      return beforeSeq !== null ? completed.lt("seq", beforeSeq) : completed;
    })
    .order(options.order);
  for await (const run of runs) {
    yield run;
    bytes += getConvexSize(run);
    if (++read >= options.maxRuns || bytes >= options.maxBytes) return;
  }
}

/** Holds at least one table, and every table its run listed as configured. */
export function isWhole(run: Doc<"runs">): boolean {
  return run.tables.length > 0 && missingTables(run).length === 0;
}

/**
 * Tables the point before `run` (previousPoint) held that `run` neither holds
 * nor lists as configured. Empty for the first point, and for runs recorded
 * before configuredTables was.
 */
export async function droppedTables(db: DatabaseReader, run: Doc<"runs">): Promise<string[]> {
  if (run.configuredTables === undefined) return [];
  const previous = await previousPoint(db, run.seq);
  const kept = new Set([...run.configuredTables, ...run.tables.map((t) => t.table)]);
  return (previous?.tables ?? []).map((t) => t.table).filter((table) => !kept.has(table));
}

/**
 * The newest completed run before seq `beforeSeq` (all when null) that holds
 * a table: what a new run carries unscanned tables over from and compares
 * with. A run of no table (only the append credential can finish one) is
 * skipped, so it cannot empty the points after it. Reads runs newest first,
 * stopping at the first that holds a table (within newestFirst's bounds).
 */
export async function previousPoint(db: DatabaseReader, beforeSeq: number | null): Promise<Doc<"runs"> | null> {
  for await (const run of newestFirst(db, beforeSeq)) {
    if (run.tables.length > 0) return run;
  }
  return null;
}

/**
 * The highest seq of a run (any status) that started at or before `time`, or
 * null. Runs start in seq order, so a binary search over seq finds it with
 * one point read per step: about 2 + log2(highest seq) index ranges, however
 * many runs there are (and whatever gaps retention left in the seqs).
 */
async function lastRunStartedBy(db: DatabaseReader, time: number): Promise<number | null> {
  const bySeq = () => db.query("runs").withIndex("by_seq");
  const first = await bySeq().order("asc").first();
  if (first === null || first.startedAt > time) return null;
  const last = (await bySeq().order("desc").first())!;
  if (last.startedAt <= time) return last.seq;
  // Invariant: run `low` started at or before `time`; every run with seq >= high started after it.
  let low = first.seq;
  let high = last.seq;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    const run = await db
      .query("runs")
      .withIndex("by_seq", (q) => q.gte("seq", mid))
      .first();
    if (run !== null && run.seq < high && run.startedAt <= time) low = run.seq;
    else high = mid;
  }
  return low;
}

/**
 * The tables a run backed up, with their recorded counts, and for empty ones
 * a stored id to learn the table number from (one index range each, at most
 * MAX_SAMPLE_LOOKUPS: a table with documents gets its number from them).
 */
export async function restoreTables(db: DatabaseReader, run: Doc<"runs">): Promise<RestoreTable[]> {
  const tables: RestoreTable[] = [];
  let lookups = 0;
  for (const counts of run.tables) {
    // A change-log run read only what changed: its live count is `documents`.
    const documents = counts.documents ?? counts.scanned;
    let sampleId: string | null = null;
    if (documents === 0 && lookups < MAX_SAMPLE_LOOKUPS) {
      lookups += 1;
      const sample = await db
        .query("versions")
        .withIndex("by_key", (q) => q.eq("table", counts.table))
        .first();
      sampleId = sample?.docId ?? null;
    }
    tables.push({ table: counts.table, documents, sampleId });
  }
  return tables;
}

/** Tables the primary was configured to back up that the run holds no data for. */
export function missingTables(run: Doc<"runs">): string[] {
  const held = new Set(run.tables.map((t) => t.table));
  return (run.configuredTables ?? []).filter((table) => !held.has(table));
}
