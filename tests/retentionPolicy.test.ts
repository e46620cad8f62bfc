import { describe, expect, test } from "vitest";
import {
  DAY_MS,
  HOUR_MS,
  planRetention,
  RETENTION_POLICY,
  WEEK_MS,
  type RunInfo,
} from "../packages/convex-hourly-backup/src/backup/retentionPolicy";
import { gapsToPrune } from "../packages/convex-hourly-backup/src/backup/lib/retentionGaps";

// Monday 2025-01-06 00:00 UTC.
const MONDAY = Date.UTC(2025, 0, 6);

function hourlyRuns(hours: number, from = MONDAY): RunInfo[] {
  return Array.from({ length: hours }, (_, i) => ({ seq: i + 1, startedAt: from + i * HOUR_MS, status: "completed" as const }));
}

const complete = (runs: RunInfo[]) => ({ complete: true, newestCompletedSeq: runs.findLast((r) => r.status === "completed")?.seq ?? null });

describe("the default retention policy", () => {
  test("keeps every run for 48 hours, the newest of each day for 30 days, of each week for 12 weeks", () => {
    // 14 weeks of hourly runs; now is the last run's start (a Sunday, 23:00).
    const runs = hourlyRuns(14 * 7 * 24);
    const now = runs.at(-1)!.startedAt;
    const { kept, dropped } = planRetention(runs, RETENTION_POLICY, now, complete(runs));
    const byReason = (reason: string) =>
      [...kept].filter(([, r]) => r === reason).map(([seq]) => runs[seq - 1]!.startedAt);
    expect(byReason("recent")).toEqual(runs.filter((r) => r.startedAt >= now - 48 * HOUR_MS).map((r) => r.startedAt));
    // Days before the 48 hours: the 23:00 run of each; 30 days before now is day 67, 23:00.
    const daily = byReason("daily");
    expect(daily.every((t) => new Date(t).getUTCHours() === 23)).toBe(true);
    expect(daily).toHaveLength(28);
    expect(Math.min(...daily)).toBe(MONDAY + 67 * DAY_MS + 23 * HOUR_MS);
    // Weeks before that: Sunday 23:00; 12 weeks before now is the Sunday of week 1.
    const weekly = byReason("weekly");
    expect(weekly.map((t) => new Date(t).toISOString())).toEqual(
      [2, 3, 4, 5, 6, 7, 8, 9].map((week) => new Date(MONDAY + week * WEEK_MS - HOUR_MS).toISOString()),
    );
    expect(kept.size).toBe(49 + 28 + 8);
    expect(dropped).toHaveLength(runs.length - kept.size);
  });

  test("hour after hour, a run it drops is never wanted again and the kept set stops growing", () => {
    const policy = { keepAllHours: 48, dailyDays: 30, weeklyWeeks: 12 };
    let records: RunInfo[] = [];
    const everDropped = new Set<number>();
    const sizes: number[] = [];
    for (let hour = 0; hour < 16 * 7 * 24; hour++) {
      const now = MONDAY + hour * HOUR_MS;
      // Every 10th run fails; the rest complete.
      records.push({ seq: hour + 1, startedAt: now, status: hour % 10 === 9 ? "failed" : "completed" });
      const { kept, dropped } = planRetention(records, policy, now, complete(records));
      for (const seq of kept.keys()) expect(everDropped.has(seq)).toBe(false);
      for (const seq of dropped) everDropped.add(seq);
      records = records.filter((run) => !dropped.includes(run.seq));
      sizes.push(records.length);
    }
    // 49 recent + 28 daily + at most 12 weekly + failed runs of the last 48 hours.
    const last = sizes.slice(-14 * 24);
    expect(Math.max(...last)).toBeLessThanOrEqual(49 + 28 + 12 + 5);
    expect(Math.max(...last) - Math.min(...last)).toBeLessThanOrEqual(3);
  });

  test("always keeps the newest completed run and running runs, however old", () => {
    const runs: RunInfo[] = [
      { seq: 1, startedAt: MONDAY, status: "completed" },
      { seq: 2, startedAt: MONDAY + HOUR_MS, status: "completed" },
      { seq: 3, startedAt: MONDAY + 2 * HOUR_MS, status: "running" },
    ];
    const now = MONDAY + 52 * WEEK_MS;
    const { kept, dropped } = planRetention(runs, RETENTION_POLICY, now, { complete: true, newestCompletedSeq: 2 });
    expect([...kept]).toEqual([
      [3, "running"],
      [2, "newest"],
    ]);
    expect(dropped).toEqual([1]);
  });

  test("keeps failed runs' records for 48 hours, and never the record with the highest seq", () => {
    const runs: RunInfo[] = [
      { seq: 1, startedAt: MONDAY, status: "completed" },
      { seq: 2, startedAt: MONDAY + HOUR_MS, status: "failed" },
      { seq: 3, startedAt: MONDAY + 40 * HOUR_MS, status: "failed" },
      { seq: 4, startedAt: MONDAY + 41 * HOUR_MS, status: "failed" },
    ];
    const now = MONDAY + 60 * HOUR_MS;
    const { kept, dropped } = planRetention(runs, RETENTION_POLICY, now, { complete: true, newestCompletedSeq: 1 });
    expect([...kept]).toEqual([[1, "daily"]]);
    expect(dropped).toEqual([2]);
    // Much later the old failures go, but seq 4 stays: the next run is numbered from it.
    const later = planRetention(runs, RETENTION_POLICY, now + 10 * DAY_MS, { complete: true, newestCompletedSeq: 1 });
    expect(later.dropped).toEqual([2, 3]);
  });

  test("reading only the oldest records, keeps the last week read undecided", () => {
    const runs = hourlyRuns(3 * 7 * 24);
    const now = runs.at(-1)!.startedAt + 20 * WEEK_MS;
    const part = runs.slice(0, 10 * 24); // through Wednesday of the second week
    const { kept, dropped } = planRetention(part, RETENTION_POLICY, now, { complete: false, newestCompletedSeq: runs.length });
    const undecided = [...kept].filter(([, reason]) => reason === "undecided").map(([seq]) => seq);
    expect(undecided).toEqual(part.filter((r) => r.startedAt >= MONDAY + WEEK_MS).map((r) => r.seq));
    expect(kept.get(runs.length)).toBe("newest");
    // The first week is older than 12 weeks: all of it goes.
    expect(dropped).toEqual(part.filter((r) => r.startedAt < MONDAY + WEEK_MS).map((r) => r.seq));
  });

  test("a run a previous prune started deleting (pruning) is dropped whatever the policy, and is no day's newest", () => {
    // A one-off prune with a short policy marked runs 2 and 3; the default policy would keep both as recent.
    const runs: RunInfo[] = [
      { seq: 1, startedAt: MONDAY, status: "completed" },
      { seq: 2, startedAt: MONDAY + HOUR_MS, status: "pruning" },
      { seq: 3, startedAt: MONDAY + 2 * HOUR_MS, status: "pruning" },
      { seq: 4, startedAt: MONDAY + 3 * HOUR_MS, status: "completed" },
    ];
    const { kept, dropped } = planRetention(runs, RETENTION_POLICY, MONDAY + 4 * HOUR_MS, complete(runs));
    expect([...kept]).toEqual([
      [1, "recent"],
      [4, "recent"],
    ]);
    expect(dropped).toEqual([2, 3]);
    // Days later run 4 is its day's newest, as if 2 and 3 were never there.
    const later = planRetention(runs, RETENTION_POLICY, MONDAY + 5 * DAY_MS, complete(runs));
    expect([...later.kept]).toEqual([[4, "daily"]]);
    expect(later.dropped).toEqual([1, 2, 3]);
  });

  test("0 hours / days / weeks keeps only the newest completed run", () => {
    const runs = hourlyRuns(30);
    const { kept } = planRetention(runs, { keepAllHours: 0, dailyDays: 0, weeklyWeeks: 0 }, MONDAY + 40 * HOUR_MS, complete(runs));
    expect([...kept]).toEqual([[30, "newest"]]);
  });
});

describe("gapsToPrune", () => {
  test("groups dropped runs between their kept neighbours", () => {
    expect(gapsToPrune([2, 7, 9], [1, 3, 4, 8, 10, 11], 12)).toEqual([
      { after: 0, upTo: 2, dropped: [1] },
      { after: 2, upTo: 7, dropped: [3, 4] },
      { after: 7, upTo: 9, dropped: [8] },
      { after: 9, upTo: 12, dropped: [10, 11] },
    ]);
  });
});
