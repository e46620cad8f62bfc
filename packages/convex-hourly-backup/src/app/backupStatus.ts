// backup:status - the backup's recent runs as one report and a few log lines,
// with the age of the newest restore point flagged when backups have stopped.
import { v, type Infer } from "convex/values";
import { vPinReport, vRetentionHealth, vRunReport, type PinReport, type RecentRunsResult, type RunReport } from "../shared/protocol";
import type { BackupTarget } from "./backupTarget";
import { describeHolds, vTableHolds } from "../shared/pointHolds";
import { lackingFilesOf, vLackingFiles } from "../shared/files";
import { lackingFilesText } from "./fileLimits";

const lackingField = (run: RunReport) => {
  const lacking = lackingFilesOf(run.tables);
  return lacking === null ? {} : { lackingFiles: lacking };
};
import { formatBytes } from "./runBackup";
import { retentionLines } from "./retentionStatus";

// Runs are hourly: two hours without a new restore point means one was missed.
export const STALE_AFTER_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_STATUS_LIMIT = 10;

export const vRunStatusLine = v.object({
  ...vRunReport.fields,
  /** finishedAt - startedAt of a finished run. */
  durationMs: v.union(v.number(), v.null()),
  /** What the primary sent for this run, all tables. */
  bytesSent: v.number(),
});
export type RunStatusLine = Infer<typeof vRunStatusLine>;

export const vBackupStatus = v.object({
  checkedAt: v.number(),
  /** Newest first. */
  runs: v.array(vRunStatusLine),
  newestCompleted: v.union(
    v.object({
      runId: v.string(), seq: v.number(), startedAt: v.number(), finishedAt: v.number(), ageMs: v.number(),
      /** Files of the primary the point lacks (too large, or their copy failed): ids and sizes. */
      lackingFiles: v.optional(vLackingFiles),
    }),
    v.null(),
  ),
  /** No restore point finished within STALE_AFTER_MS (or none at all). */
  stale: v.boolean(),
  /** Pinned restore points (kept by retention until unpinned), oldest first, with their labels. */
  pins: v.array(vPinReport),
  /** Retention's health; null from a backup deployment that does not report it. */
  retention: v.union(vRetentionHealth, v.null()),
  /**
   * What the newest restore point holds, per table: how it was made, when every document was
   * last verified and how long ago (null: never), and missedByLog7d. Empty from an older backup.
   */
  tables: v.array(v.object({ ...vTableHolds.fields, sinceVerifiedMs: v.union(v.number(), v.null()) })),
});
export type BackupStatus = Infer<typeof vBackupStatus>;

export async function readBackupStatus(target: BackupTarget, limit: number, now: () => number): Promise<BackupStatus> {
  return summarizeStatus(await target.recentRuns({ limit, withPins: true, withHolds: true, withRetention: true }), now());
}

export function summarizeStatus(result: RecentRunsResult, now: number): BackupStatus {
  const newest = result.newestCompleted;
  const finishedAt = newest?.finishedAt ?? newest?.startedAt;
  const newestCompleted =
    newest === null || finishedAt === undefined
      ? null
      : { runId: newest.runId, seq: newest.seq, startedAt: newest.startedAt, finishedAt, ageMs: Math.max(0, now - finishedAt), ...lackingField(newest) };
  return {
    checkedAt: now,
    runs: result.runs.map(withTotals),
    newestCompleted,
    stale: newestCompleted === null || newestCompleted.ageMs > STALE_AFTER_MS,
    // An older backup deployment does not send them.
    pins: result.pins ?? [],
    retention: result.retention ?? null,
    tables: (result.holds ?? []).map((h) => ({ ...h, sinceVerifiedMs: h.verifiedAt === null ? null : Math.max(0, now - h.verifiedAt) })),
  };
}

function withTotals(run: RunReport): RunStatusLine {
  return {
    ...run,
    durationMs: run.finishedAt === null ? null : run.finishedAt - run.startedAt,
    bytesSent: run.tables.reduce((sum, table) => sum + table.bytesSent, 0),
  };
}

/** The log: one line per run (oldest first, as a log reads), then the verdict. */
export function statusLines(status: BackupStatus): { warning: boolean; text: string }[] {
  const lines = [...status.runs].reverse().map((run) => ({ warning: false, text: describeRun(run) }));
  if (status.pins.length > 0) lines.push({ warning: false, text: `[backup status] pinned (kept until unpinned): ${status.pins.map(describePin).join(", ")}` });
  // What the newest restore point holds, per table, and what the change log missed in the last 7 days.
  for (const t of status.tables) {
    const since = t.sinceVerifiedMs === null ? "" : `; last full verification ${formatAge(t.sinceVerifiedMs)} ago`;
    const missed = t.missedByLog7d === undefined ? "" : `; missed by the change log in 7 days: ${t.missedByLog7d}`;
    lines.push({ warning: (t.missedByLog7d ?? 0) > 0, text: `[backup status] ${describeHolds(t)}${since}${missed}` });
  }
  if (status.retention !== null && status.runs.length > 0) lines.push(...retentionLines(status.retention, status.checkedAt, formatAge));
  const newest = status.newestCompleted;
  if (newest === null) {
    lines.push({ warning: true, text: "[backup status] WARNING: the backup holds no completed run yet (no restore point)." });
  } else if (status.stale) {
    lines.push({
      warning: true,
      text:
        `[backup status] WARNING: the newest restore point (run ${newest.seq}) finished ${formatAge(newest.ageMs)} ago, ` +
        `more than ${formatAge(STALE_AFTER_MS)}: check backup:runNow's logs on the primary.`,
    });
  } else {
    lines.push({
      warning: false,
      text: `[backup status] newest restore point: run ${newest.seq}, finished ${formatAge(newest.ageMs)} ago.`,
    });
  }
  const lacking = newest?.lackingFiles;
  if (lacking !== undefined) lines.push({ warning: true, text: `[backup status] WARNING: the newest restore point (run ${newest!.seq}) lacks ${lackingFilesText(lacking)}` });
  return lines;
}

/** run 12 "before-migration-42" 2025-05-01T10:00:00.000Z (and its state unless completed). */
function describePin(pin: PinReport): string {
  const label = pin.label === null ? "" : ` "${pin.label}"`;
  const state = pin.status === "completed" ? "" : ` (${pin.status})`;
  return `run ${pin.seq}${label} ${new Date(pin.startedAt).toISOString()}${state}`;
}

function describeRun(run: RunStatusLine): string {
  const marks = [run.label === undefined ? null : `"${run.label}"`, run.pinned === true ? "pinned" : null].filter((m) => m !== null);
  const state = (run.interrupted ? "interrupted (resumes with the next run)" : run.status) + (marks.length > 0 ? ` [${marks.join(", ")}]` : "");
  const tables = run.tables.map((t) => `${t.table} ${t.scanned}/${t.changed}/${t.deleted}`).join(", ");
  const duration = run.durationMs === null ? "" : ` in ${formatDuration(run.durationMs)}`;
  const attempts = run.attempts > 1 ? `, ${run.attempts} attempts` : "";
  const error = run.error !== null && run.status !== "completed" ? `; last error: ${run.error.slice(0, 200)}` : "";
  return (
    `[backup status] run ${run.seq} ${new Date(run.startedAt).toISOString()} ${state}${duration}${attempts}, ` +
    `sent ${formatBytes(run.bytesSent)}; scanned/changed/deleted: ${tables || "-"}${error}`
  );
}

export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

function formatDuration(ms: number): string {
  return ms < 10_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
