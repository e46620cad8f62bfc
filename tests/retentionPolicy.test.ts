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
import { formatRetention, parseRetention, retentionPolicyFrom } from "../packages/convex-hourly-backup/src/backup/lib/retentionConfig";

// Monday 2025-01-06 00:00 UTC.
const MONDAY = Date.UTC(2025, 0, 6);

function hourlyRuns(hours: number, from = MONDAY): RunInfo[] {
  return Array.from({ length: hours }, (_, i) => ({ seq: i + 1, startedAt: from + i * HOUR_MS, status: "completed" as const }));
}

/** Every run record read: nothing follows them. */
const complete = (runs: RunInfo[]) => ({
  newestCompletedSeq: runs.findLast((r) => r.status === "completed")?.seq ?? null,
  highestSeq: runs.at(-1)?.seq ?? 0,
  following: null,
});

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
    const { kept, dropped } = planRetention(runs, RETENTION_POLICY, now, { newestCompletedSeq: 2, highestSeq: 3, following: null });
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
    const { kept, dropped } = planRetention(runs, RETENTION_POLICY, now, { newestCompletedSeq: 1, highestSeq: 4, following: null });
    expect([...kept]).toEqual([[1, "daily"]]);
    expect(dropped).toEqual([2]);
    // Much later the old failures go, but seq 4 stays: the next run is numbered from it.
    const later = planRetention(runs, RETENTION_POLICY, now + 10 * DAY_MS, { newestCompletedSeq: 1, highestSeq: 4, following: null });
    expect(later.dropped).toEqual([2, 3]);
  });

  test("a page of the oldest records is decided exactly from the first completed run after it", () => {
    // Three weeks of hourly runs, 20 weeks ago; a page ends on Wednesday 09:00 of the second week.
    const runs = hourlyRuns(3 * 7 * 24);
    const now = runs.at(-1)!.startedAt + 20 * WEEK_MS;
    const policy = { ...RETENTION_POLICY, weeklyWeeks: 30 };
    const whole = planRetention(runs, policy, now, complete(runs));
    const part = runs.slice(0, 9 * 24 + 10);
    const paged = planRetention(part, policy, now, { newestCompletedSeq: runs.length, highestSeq: runs.length, following: runs[part.length]! });
    // The same decisions as with every record read: each week's Sunday 23:00 stays, the rest of the page goes.
    const inPart = (seq: number) => seq <= part.length;
    expect([...paged.kept].filter(([seq]) => inPart(seq))).toEqual([...whole.kept].filter(([seq]) => inPart(seq)));
    expect(paged.dropped).toEqual(whole.dropped.filter(inPart));
    expect(paged.kept.get(runs.length)).toBe("newest");
    expect([...paged.kept].filter(([, reason]) => reason === "weekly").map(([seq]) => seq)).toEqual([7 * 24]);
    // Nothing of the page is left undecided: the second week's runs read so far are all dropped.
    expect(paged.dropped.filter((seq) => seq > 7 * 24)).toHaveLength(part.length - 7 * 24);
    // A page ending on a week's last run keeps it only if the run after it starts another week.
    const sunday = runs.slice(0, 7 * 24);
    expect(planRetention(sunday, policy, now, { newestCompletedSeq: runs.length, highestSeq: runs.length, following: runs[7 * 24]! }).kept.get(7 * 24)).toBe("weekly");
  });

  test("the monthly tier keeps the newest completed run of each UTC month, for its months", () => {
    // Hourly runs from 2025-01-06 for 200 days; monthly=4, nothing else beyond 48 hours.
    const runs = hourlyRuns(200 * 24);
    const now = runs.at(-1)!.startedAt;
    const policy = { keepAllHours: 0, dailyDays: 0, weeklyWeeks: 0, monthlyMonths: 4 };
    const { kept } = planRetention(runs, policy, now, complete(runs));
    const monthly = [...kept].filter(([, reason]) => reason === "monthly").map(([seq]) => new Date(runs[seq - 1]!.startedAt).toISOString());
    // now is 2025-07-24 23:00; four months of 30.44 days reach back to 2025-03-25: March to June (July's newest is the newest run).
    expect(monthly).toEqual(["2025-03-31T23:00:00.000Z", "2025-04-30T23:00:00.000Z", "2025-05-31T23:00:00.000Z", "2025-06-30T23:00:00.000Z"]);
    expect(kept.size).toBe(5);
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

describe("BACKUP_RETENTION", () => {
  test("sets the tiers it names; the others keep the default; unset or empty is the default policy", () => {
    expect(parseRetention("hourly=24,daily=14,weekly=8,monthly=12")).toEqual({
      policy: { keepAllHours: 24, dailyDays: 14, weeklyWeeks: 8, monthlyMonths: 12 },
      error: null,
    });
    expect(parseRetention(" Monthly = 6 ").policy).toEqual({ ...RETENTION_POLICY, monthlyMonths: 6 });
    expect(parseRetention("hourly=0,daily=0,weekly=0").policy).toEqual({ keepAllHours: 0, dailyDays: 0, weeklyWeeks: 0, monthlyMonths: 0 });
    expect(parseRetention(undefined).policy).toEqual({ keepAllHours: 48, dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 0 });
    expect(parseRetention("  ").policy).toEqual(RETENTION_POLICY);
    expect(formatRetention(parseRetention("daily=7").policy!)).toBe("hourly=48,daily=7,weekly=12,monthly=0");
  });

  test("a value it does not understand is an error naming the part at fault", () => {
    const error = (value: string) => parseRetention(value).error;
    const example = '(e.g. "hourly=48,daily=30,weekly=12,monthly=12").';
    expect(error("hourly=48,dayly=14")).toBe(`BACKUP_RETENTION: "dayly=14": "dayly" is not a tier; the tiers are hourly, daily, weekly, monthly ${example}`);
    expect(error("daily=two")).toBe(`BACKUP_RETENTION: "daily=two": daily must be a whole number from 0 to 100000 ${example}`);
    expect(error("weekly=-1")).toMatch(/^BACKUP_RETENTION: "weekly=-1": weekly must be a whole number from 0 to 100000/);
    expect(error("weekly=1.5")).toMatch(/^BACKUP_RETENTION: "weekly=1.5": weekly must be a whole number/);
    expect(error("monthly=1000000")).toMatch(/monthly must be a whole number from 0 to 100000/);
    expect(error("daily=7,daily=8")).toMatch(/^BACKUP_RETENTION: "daily=8": daily is given twice/);
    expect(error("daily=7,,weekly=2")).toMatch(/^BACKUP_RETENTION: an empty part/);
    expect(error("48")).toMatch(/^BACKUP_RETENTION: "48" is not tier=number/);
    expect(error('{"hourly":48}')).toMatch(/is not tier=number/);
    expect(() => retentionPolicyFrom("daily=x")).toThrow(/^BACKUP_RETENTION: "daily=x": daily must be a whole number/);
  });
});
