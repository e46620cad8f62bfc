// Which completed runs stay restore points. The policy comes from the backup
// deployment's BACKUP_RETENTION (lib/retentionConfig.ts; RETENTION_POLICY
// when unset); retention.ts prunes whatever this file drops.
//
// The selection is pure and monotone: a run it drops is never selected again
// later (the newest run of a day, week or month stays the newest, windows only
// move forward), so deleting what it drops can never take away a point it
// would want back. A pinned completed run is always kept; unpinning hands it
// back to the policy. A dropped run is marked "pruning" before anything it
// needs is deleted, and such a run can no longer be pinned.
import { v, type Infer } from "convex/values";
import type { vRunStatus } from "../shared/protocol";

export const vRetentionPolicy = v.object({
  /** Every completed run is kept this many hours (failed runs' records too). */
  keepAllHours: v.number(),
  /** Then the newest completed run of each UTC day, for this many days. */
  dailyDays: v.number(),
  /** Then the newest completed run of each ISO week (Monday 00:00 UTC), for this many weeks. */
  weeklyWeeks: v.number(),
  /** Then the newest completed run of each UTC calendar month, for this many months of MONTH_MS (0 when absent). */
  monthlyMonths: v.optional(v.number()),
});
export type RetentionPolicy = Infer<typeof vRetentionPolicy>;

export const RETENTION_POLICY = {
  keepAllHours: 48,
  dailyDays: 30,
  weeklyWeeks: 12,
  monthlyMonths: 0,
} as const satisfies RetentionPolicy;

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
/** A month of the monthly window: a Gregorian year's twelfth (30.44 days), so the window only moves forward. */
export const MONTH_MS = 2_629_746_000;
// The Unix epoch was a Thursday: shifting by 3 days starts weeks on Monday.
const WEEK_OFFSET_MS = 3 * DAY_MS;

export function dayOf(time: number): number {
  return Math.floor(time / DAY_MS);
}

export function weekOf(time: number): number {
  return Math.floor((time + WEEK_OFFSET_MS) / WEEK_MS);
}

/** The UTC calendar month (months since January 1970). */
export function monthOf(time: number): number {
  const date = new Date(time);
  return (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
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
  /** Pinned by the user (`convex-hourly-backup pin`, or `run --pin`): a completed run is kept until unpinned. */
  pinned?: boolean;
};

/** Why a run is kept as a restore point (or protects its versions). */
export type KeepReason = "pinned" | "recent" | "daily" | "weekly" | "monthly" | "newest" | "running";

export type RetentionPlan = {
  /** Runs of the page whose versions must stay (retained restore points and running runs), and the newest completed run. */
  kept: Map<number, KeepReason>;
  /** Runs of the page whose records go (and whose versions go unless a kept run needs them). */
  dropped: number[];
};

export type PlanContext = {
  /** The newest completed run overall: always kept, however old. */
  newestCompletedSeq: number | null;
  /** The highest seq of any run record: never dropped (beginRun numbers the next run from it). */
  highestSeq: number;
  /**
   * The first completed run after the page, or null when there is none. The
   * page's last runs are decided with it: a run is the newest of its day,
   * week or month unless a later completed run falls in the same one.
   */
  following: RunInfo | null;
};

/**
 * Splits one page of run records (consecutive by seq, in seq order) into
 * kept points, dropped records and the rest (recent failed runs: their
 * records stay for keepAllHours, they protect nothing). Every run of the page
 * is decided exactly, whatever comes after it: whether a run is the newest of
 * its day, week or month depends only on the next completed run, which the
 * caller reads (`following`). So the planner can walk the runs table page by
 * page, however many records there are.
 */
export function planRetention(runs: readonly RunInfo[], policy: RetentionPolicy, now: number, context: PlanContext): RetentionPlan {
  const kept = new Map<number, KeepReason>();
  const keepAllFrom = now - policy.keepAllHours * HOUR_MS;
  const dailyFrom = now - policy.dailyDays * DAY_MS;
  const weeklyFrom = now - policy.weeklyWeeks * WEEK_MS;
  const monthlyFrom = now - (policy.monthlyMonths ?? 0) * MONTH_MS;

  // Newest completed run per day, week and month (runs are in seq order, so later wins).
  const newestOfDay = new Map<number, number>();
  const newestOfWeek = new Map<number, number>();
  const newestOfMonth = new Map<number, number>();
  const following = context.following === null ? [] : [context.following];
  for (const run of [...runs, ...following]) {
    if (run.status !== "completed") continue;
    if (run.startedAt >= dailyFrom) newestOfDay.set(dayOf(run.startedAt), run.seq);
    if (run.startedAt >= weeklyFrom) newestOfWeek.set(weekOf(run.startedAt), run.seq);
    if (run.startedAt >= monthlyFrom) newestOfMonth.set(monthOf(run.startedAt), run.seq);
  }

  const dropped: number[] = [];
  for (const run of runs) {
    const reason = keepReason(run);
    if (reason !== null) kept.set(run.seq, reason);
    else if (run.seq >= context.highestSeq) continue;
    else if (run.status === "failed" && run.startedAt >= keepAllFrom) continue;
    else dropped.push(run.seq);
  }
  const newest = context.newestCompletedSeq;
  if (newest !== null && !kept.has(newest)) kept.set(newest, "newest");
  return { kept, dropped: dropped.filter((seq) => !kept.has(seq)) };

  function keepReason(run: RunInfo): KeepReason | null {
    if (run.status === "running") return "running";
    // Its versions may already be partly gone, whatever the policy now says.
    if (run.status === "pruning") return null;
    // Pinned: kept whatever the policy says (a run being pruned cannot be pinned).
    if (run.status === "completed" && run.pinned === true) return "pinned";
    if (run.status !== "completed") return null;
    if (run.startedAt >= keepAllFrom) return "recent";
    if (newestOfDay.get(dayOf(run.startedAt)) === run.seq) return "daily";
    if (newestOfWeek.get(weekOf(run.startedAt)) === run.seq) return "weekly";
    if (newestOfMonth.get(monthOf(run.startedAt)) === run.seq) return "monthly";
    return null;
  }
}
