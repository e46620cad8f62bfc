// Which completed runs stay restore points. Edit RETENTION_POLICY to change
// how long they are kept; retention.ts prunes whatever this file drops.
//
// The selection is pure and monotone: a run it drops is never selected again
// later (the newest run of a day or week stays the newest, windows only move
// forward), so deleting what it drops can never take away a point it would
// want back. A pinned completed run is always kept; unpinning hands it back to
// the policy. A dropped run is marked "pruning" before anything it needs is
// deleted, and such a run can no longer be pinned.
import { v, type Infer } from "convex/values";
import type { vRunStatus } from "../shared/protocol";

export const vRetentionPolicy = v.object({
  /** Every completed run is kept this many hours (failed runs' records too). */
  keepAllHours: v.number(),
  /** Then the newest completed run of each UTC day, for this many days. */
  dailyDays: v.number(),
  /** Then the newest completed run of each ISO week (Monday 00:00 UTC), for this many weeks. */
  weeklyWeeks: v.number(),
});
export type RetentionPolicy = Infer<typeof vRetentionPolicy>;

export const RETENTION_POLICY = {
  keepAllHours: 48,
  dailyDays: 30,
  weeklyWeeks: 12,
} as const satisfies RetentionPolicy;

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
// The Unix epoch was a Thursday: shifting by 3 days starts weeks on Monday.
const WEEK_OFFSET_MS = 3 * DAY_MS;

export function dayOf(time: number): number {
  return Math.floor(time / DAY_MS);
}

export function weekOf(time: number): number {
  return Math.floor((time + WEEK_OFFSET_MS) / WEEK_MS);
}

export function checkPolicy(policy: RetentionPolicy): void {
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`Retention policy ${name} must be a finite number >= 0.`);
    }
  }
}

export type RunInfo = {
  seq: number;
  startedAt: number;
  /** "pruning": a previous prune dropped it and started deleting what it needs; never kept again. */
  status: Infer<typeof vRunStatus>;
  /** Pinned by the user (runNow's pin, `convex-hourly-backup pin`): a completed run is kept until unpinned. */
  pinned?: boolean;
};

/** Why a run is kept as a restore point (or protects its versions). */
export type KeepReason = "pinned" | "recent" | "daily" | "weekly" | "newest" | "running" | "undecided";

export type RetentionPlan = {
  /** Runs whose versions must stay: retained restore points and running runs. */
  kept: Map<number, KeepReason>;
  /** Runs whose records go (and whose versions go unless a kept run needs them). */
  dropped: number[];
};

/**
 * Splits run records into kept points, dropped records and the rest (recent
 * failed runs: their records stay for keepAllHours, they protect nothing).
 *
 * `runs` is in seq order. When it is only the oldest part of the runs table
 * (complete: false), runs of its last week could still lose their "newest of
 * the week/day" place to unread runs, so they are kept ("undecided"): keeping
 * more is always safe. The newest completed run overall is passed separately,
 * and the record with the highest seq is never dropped (beginRun numbers the
 * next run from it).
 */
export function planRetention(
  runs: readonly RunInfo[],
  policy: RetentionPolicy,
  now: number,
  options: { complete: boolean; newestCompletedSeq: number | null },
): RetentionPlan {
  const kept = new Map<number, KeepReason>();
  const keepAllFrom = now - policy.keepAllHours * HOUR_MS;
  const dailyFrom = now - policy.dailyDays * DAY_MS;
  const weeklyFrom = now - policy.weeklyWeeks * WEEK_MS;
  const last = runs.at(-1);
  const undecidedWeek = options.complete || last === undefined ? Infinity : weekOf(last.startedAt);

  // Newest completed run per day and per week (runs are in seq order, so later wins).
  const newestOfDay = new Map<number, number>();
  const newestOfWeek = new Map<number, number>();
  for (const run of runs) {
    if (run.status !== "completed") continue;
    if (run.startedAt >= dailyFrom) newestOfDay.set(dayOf(run.startedAt), run.seq);
    if (run.startedAt >= weeklyFrom) newestOfWeek.set(weekOf(run.startedAt), run.seq);
  }

  const dropped: number[] = [];
  for (const run of runs) {
    const reason = keepReason(run);
    if (reason !== null) kept.set(run.seq, reason);
    else if (run === last && options.complete) continue;
    else if (run.status === "failed" && run.startedAt >= keepAllFrom) continue;
    else dropped.push(run.seq);
  }
  const newest = options.newestCompletedSeq;
  if (newest !== null && !kept.has(newest)) kept.set(newest, "newest");
  return { kept, dropped: dropped.filter((seq) => !kept.has(seq)) };

  function keepReason(run: RunInfo): KeepReason | null {
    if (run.status === "running") return "running";
    // Its versions may already be partly gone, whatever the policy now says.
    if (run.status === "pruning") return null;
    // Pinned: kept whatever the policy says (a run being pruned cannot be pinned).
    if (run.status === "completed" && run.pinned === true) return "pinned";
    if (weekOf(run.startedAt) >= undecidedWeek) return "undecided";
    if (run.status !== "completed") return null;
    if (run.startedAt >= keepAllFrom) return "recent";
    if (newestOfDay.get(dayOf(run.startedAt)) === run.seq) return "daily";
    if (newestOfWeek.get(weekOf(run.startedAt)) === run.seq) return "weekly";
    return null;
  }
}
