// The change-log drift alert (issue 18): a run's verification found writes
// the change log had not delivered (missedByLog > 0). An incident is a
// sequence of consecutive completed runs with such finds; its alert names
// the tables (never a value) and goes out once, even when the incident ended
// between two checks. alerts.evaluate walks the completed runs each check has
// not seen yet (at most MAX_RUNS_PER_CHECK), oldest first.
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { completedRuns } from "./restorePoint";

/** Completed runs one check reads: four checks an hour see far more runs than an hourly cron makes. */
export const MAX_RUNS_PER_CHECK = 50;
/** ... and the bytes of them (Convex counts each stored record against a query's 16 MiB). */
const MAX_BYTES_PER_CHECK = 4 * 1024 * 1024;

export const vDriftState = v.object({
  /** The newest completed run a check has looked at. */
  checkedSeq: v.number(),
  /** An incident is open: the newest run looked at found writes the log missed. */
  open: v.boolean(),
  /** Alerts of incidents not yet delivered, oldest first (each once). */
  pending: v.array(v.object({ openedAt: v.number(), text: v.string() })),
});
export type DriftState = Infer<typeof vDriftState>;

/** The drift state after the completed runs newer than `state.checkedSeq`; `opened`: lines to log for incidents opened now. */
export async function observeDrift(
  db: DatabaseReader,
  state: DriftState | undefined,
  source: string | null,
): Promise<{ state: DriftState; opened: string[] }> {
  const newest = await db.query("runs").withIndex("by_status", (q) => q.eq("status", "completed")).order("desc").first();
  // The first check after an upgrade looks at the newest restore point only.
  const after = state?.checkedSeq ?? (newest === null ? 0 : newest.seq - 1);
  // Run records of apps with many tables are tens of KiB: a check reads a bounded number; the next goes on from there.
  const runs: Doc<"runs">[] = [];
  for await (const run of completedRuns(db, { afterSeq: after, order: "asc", maxRuns: MAX_RUNS_PER_CHECK, maxBytes: MAX_BYTES_PER_CHECK })) runs.push(run);
  const next: DriftState = { checkedSeq: after, open: state?.open ?? false, pending: [...(state?.pending ?? [])] };
  const opened: string[] = [];
  for (const run of runs) {
    next.checkedSeq = run.seq;
    const tables = missedTables(run);
    if (tables.length === 0) {
      next.open = false;
      continue;
    }
    if (next.open) continue;
    next.open = true;
    const text = driftText(run, tables, source);
    next.pending.push({ openedAt: run.finishedAt ?? run.startedAt, text });
    opened.push(`[backup alert] WARNING: ${text}`);
  }
  return { state: next, opened };
}

function missedTables(run: Doc<"runs">): { table: string; missed: number }[] {
  return run.tables.filter((t) => (t.missedByLog ?? 0) > 0).map((t) => ({ table: t.table, missed: t.missedByLog! }));
}

function driftText(run: Doc<"runs">, tables: { table: string; missed: number }[], source: string | null): string {
  const named = tables.map((t) => `${t.table} (${t.missed})`).join(", ");
  return (
    `Convex backup: run ${run.seq}${source === null ? "" : ` of ${source}`} found writes the change log had not delivered in ${named}: ` +
    "made by mutations not built with withChangeCapture, dashboard edits or imports. The run backed them up; until those writes " +
    "go through the wrapped builders, restore points hold them only once verification finds them (see docs/how-it-works.md)."
  );
}
