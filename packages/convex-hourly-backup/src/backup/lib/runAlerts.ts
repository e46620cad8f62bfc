// Alerts about what completed runs found, each kind an incident of its own:
// - "drift" (issue 18): a run's verification found writes the change log had
//   not delivered (missedByLog > 0); the alert names the tables;
// - "files": a run's restore point lacks files it could not copy (larger than
//   BACKUP_MAX_FILE_MB, or failing after its retries); the alert counts them.
// An incident is a sequence of consecutive completed runs with such finds; its
// alert (never a value) goes out once, even when the incident ended between
// two checks. alerts.evaluate walks the completed runs no check has seen yet
// (at most MAX_RUNS_PER_CHECK), oldest first, once for both kinds.
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { completedRuns } from "./restorePoint";
import { STORAGE_TABLE } from "../../shared/files";

/** Undelivered alerts kept per kind (a webhook failing for days): the newest. */
const MAX_PENDING = 10;

/** Completed runs one check reads: four checks an hour see far more runs than an hourly cron makes. */
export const MAX_RUNS_PER_CHECK = 50;
/** ... and the bytes of them (Convex counts each stored record against a query's 16 MiB). */
const MAX_BYTES_PER_CHECK = 4 * 1024 * 1024;

export const vRunAlertState = v.object({
  /** The newest completed run a check has looked at. */
  checkedSeq: v.number(),
  /** An incident is open: the newest run looked at had finds. */
  open: v.boolean(),
  /** Alerts of incidents not yet delivered, oldest first (each once). */
  pending: v.array(v.object({ openedAt: v.number(), text: v.string() })),
});
export type RunAlertState = Infer<typeof vRunAlertState>;

export type RunAlertKind = "drift" | "files";
type Observed = { state: RunAlertState; opened: string[] };

/**
 * The states after the completed runs newer than each one's checkedSeq; `opened`: lines to log for
 * incidents opened now. `posting`: a webhook is set; without one an incident is only logged (setting
 * one later does not post every past incident at once).
 */
export async function observeRuns(
  db: DatabaseReader,
  states: Partial<Record<RunAlertKind, RunAlertState>>,
  source: string | null,
  posting: boolean,
): Promise<Record<RunAlertKind, Observed>> {
  const newest = await db.query("runs").withIndex("by_status", (q) => q.eq("status", "completed")).order("desc").first();
  // The first check after an upgrade looks at the newest restore point only.
  const start = (state: RunAlertState | undefined) => state?.checkedSeq ?? (newest === null ? 0 : newest.seq - 1);
  const after = Math.min(start(states.drift), start(states.files));
  // Run records of apps with many tables are tens of KiB: a check reads a bounded number; the next goes on from there.
  const runs: Doc<"runs">[] = [];
  for await (const run of completedRuns(db, { afterSeq: after, order: "asc", maxRuns: MAX_RUNS_PER_CHECK, maxBytes: MAX_BYTES_PER_CHECK })) runs.push(run);
  const observe = (state: RunAlertState | undefined, finds: (run: Doc<"runs">) => string | null): Observed => {
    const next: RunAlertState = { checkedSeq: start(state), open: state?.open ?? false, pending: [...(state?.pending ?? [])] };
    const opened: string[] = [];
    for (const run of runs) {
      if (run.seq <= next.checkedSeq) continue;
      next.checkedSeq = run.seq;
      const text = finds(run);
      if (text === null) {
        next.open = false;
        continue;
      }
      if (next.open) continue;
      next.open = true;
      if (posting) next.pending.push({ openedAt: run.finishedAt ?? run.startedAt, text });
      opened.push(`[backup alert] WARNING: ${text}`);
    }
    next.pending = posting ? next.pending.slice(-MAX_PENDING) : [];
    return { state: next, opened };
  };
  return { drift: observe(states.drift, (run) => driftText(run, source)), files: observe(states.files, (run) => filesText(run, source)) };
}

const runName = (run: Doc<"runs">, source: string | null) => `Convex backup: run ${run.seq}${source === null ? "" : ` of ${source}`}`;

function driftText(run: Doc<"runs">, source: string | null): string | null {
  const tables = run.tables.filter((t) => (t.missedByLog ?? 0) > 0);
  if (tables.length === 0) return null;
  const named = tables.map((t) => `${t.table} (${t.missedByLog})`).join(", ");
  return (
    `${runName(run, source)} found writes the change log had not delivered in ${named}: ` +
    "made by mutations not built with withChangeCapture, dashboard edits or imports. The run backed them up; until those writes " +
    "go through the wrapped builders, restore points hold them only once verification finds them (see docs/how-it-works.md)."
  );
}

function filesText(run: Doc<"runs">, source: string | null): string | null {
  const storage = run.tables.find((t) => t.table === STORAGE_TABLE);
  const skipped = storage?.filesSkipped ?? 0;
  if (skipped === 0) return null;
  const mib = ((storage?.fileBytesSkipped ?? 0) / (1024 * 1024)).toFixed(1);
  return (
    `${runName(run, source)} could not copy ${skipped} file${skipped === 1 ? "" : "s"} (${mib} MiB): larger than BACKUP_MAX_FILE_MB, ` +
    "or failing after their retries. Restore points lack them (and their _storage rows) until a run copies them; later runs try again. " +
    "`npx convex-hourly-backup status` lists them (see docs/file-storage.md)."
  );
}
