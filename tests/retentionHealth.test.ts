// Issue 19 item 2: retention's health is visible. status shows the oldest run
// the policy no longer keeps, the versions waiting, the last prune and
// BACKUP_RETENTION's error; a prune without progress for a day while work
// waits is a WARNING in status and in every alerts:check, and one webhook
// message per incident (a loopback server stands in for Slack). Run records
// and versions are seeded straight into the backup deployment.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { internal as backupInternal } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import { startDeployments, type Deployments, PRIMARY_CLOUD_URL } from "../harness/deployments";
import { startWebhook } from "./support/webhook";

const HOUR = 60 * 60 * 1000;
// Monday 2025-01-06 00:00 UTC.
const START = Date.UTC(2025, 0, 6);

let d: Deployments;
let posted: string[];
let closeHook: () => Promise<void>;
beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
  d = await startDeployments();
  const hook = await startWebhook();
  posted = hook.delivered;
  d.backup.env.ALERT_WEBHOOK_URL = hook.url;
  closeHook = hook.close;
});
afterEach(async () => {
  await d.close();
  await closeHook();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** Completed hourly runs `from`..`to`; each replaces the one document (closing its version). */
async function seedRuns(from: number, to: number) {
  await d.backup.t.run(async (ctx) => {
    for (let seq = from; seq <= to; seq++) {
      const startedAt = START + (seq - 1) * HOUR;
      await ctx.db.insert("runs", {
        seq, startedAt, finishedAt: startedAt + 60_000, status: "completed", source: PRIMARY_CLOUD_URL, configuredTables: ["users"],
        tables: [{ table: "users", scanned: 1, changed: 1, deleted: 0, bytesSent: 100, docsWritten: 1 }],
      });
      const open = await ctx.db.query("versions").withIndex("by_doc", (q) => q.eq("table", "users").eq("docId", "u1").eq("toSeq", null)).unique();
      if (open !== null) await ctx.db.patch("versions", open._id, { toSeq: seq });
      await ctx.db.insert("versions", {
        table: "users", docId: "u1", creationTime: 1, hash: `h${seq}`, tag: `t${seq}`, fromSeq: seq, toSeq: null, chunks: 0, text: `{"n":${seq}}`,
      });
    }
  });
}

/** What `time`'s code logs: each line with its level. */
async function logged(time: number, fn: () => Promise<unknown>): Promise<string[]> {
  vi.setSystemTime(time);
  const lines: string[] = [];
  for (const level of ["log", "warn", "error"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(`${level.toUpperCase()} ${args.map(String).join(" ")}`));
  }
  try {
    await fn();
  } finally {
    vi.restoreAllMocks();
  }
  return lines;
}

const status = () => d.primary.t.action(internal.backup.status, {});
const check = () => d.backup.t.action(backupInternal.alerts.check, {});
const retentionOf = (lines: string[]) => lines.filter((line) => /retention/i.test(line));

describe("retention's health", () => {
  test("status shows what waits; a day without progress is a WARNING and one alert; a prune ends it", async () => {
    d.backup.env.BACKUP_RETENTION = "hourly=24,daily=0,weekly=0";
    // 48 hourly runs; at hour 48 the first 24 are no longer kept, nor the 24 versions they closed or wrote.
    await seedRuns(1, 48);
    const t0 = START + 48 * HOUR;
    expect(await logged(t0, check)).not.toContain(expect.stringMatching(/retention/));
    let report = await status();
    expect(report.retention).toMatchObject({
      policy: "hourly=24,daily=0,weekly=0,monthly=0",
      policyError: null,
      oldestWaiting: { seq: 1, startedAt: START },
      runsWaiting: 24,
      versionsWaiting: 24,
      atLeast: false,
      lastPrune: null,
      stalled: false,
    });
    expect(retentionOf(await logged(t0, status))).toEqual([
      "LOG [backup status] retention (hourly=24,daily=0,weekly=0,monthly=0): 24 runs no longer kept are still stored (the oldest: run 1, " +
        "started 2025-01-06T00:00:00.000Z), with 24 versions no kept point needs; no prune recorded yet.",
    ]);

    // The prune does not run for a day (a broken cron): every check warns, one message goes out.
    await seedRuns(49, 72);
    const stalled = await logged(t0 + 24 * HOUR + 15 * 60_000, check);
    const warning =
      "retention on the backup deployment has made no progress for 24 h 15 min: 49 runs the policy no longer keeps are still stored " +
      "(the oldest, run 1, started 2025-01-06T00:00:00.000Z); check retention:prune in the backup deployment's logs " +
      "(npx convex logs, on the backup). Storage grows until it prunes again.";
    expect(retentionOf(stalled)).toEqual([
      `WARN [backup alert] WARNING: ${warning}`,
      expect.stringMatching(/^LOG \[backup alert\] retention message delivered to the webhook on 127\.0\.0\.1:\d+\.$/),
    ]);
    expect(posted).toEqual([`Convex backup alert: ${warning}`]);
    expect(retentionOf(await logged(t0 + 24 * HOUR + 30 * 60_000, check))).toHaveLength(1);
    expect(posted).toHaveLength(1);
    report = await status();
    expect(report.retention).toMatchObject({ stalled: true, runsWaiting: 49 });
    expect(retentionOf(await logged(t0 + 24 * HOUR + 30 * 60_000, status)).at(-1)).toMatch(
      /^WARN \[backup status\] WARNING: retention has made no progress since it was first watched \(more than 24 h\) while runs wait to be pruned: storage grows\./,
    );

    // The cron's prune runs again: everything waiting goes, the stall is over.
    vi.setSystemTime(t0 + 24 * HOUR + 45 * 60_000);
    await d.backup.t.mutation(backupInternal.retention.prune, {});
    await d.backup.t.finishAllScheduledFunctions(vi.runAllTimers);
    const recovered = await logged(t0 + 25 * HOUR, check);
    expect(retentionOf(recovered)).toEqual(["LOG [backup alert] retention is making progress again: the stall is over."]);
    report = await status();
    expect(report.retention).toMatchObject({
      oldestWaiting: null,
      runsWaiting: 0,
      versionsWaiting: 0,
      stalled: false,
      lastPrune: { finishedAt: t0 + 24 * HOUR + 45 * 60_000, removed: { deletedRuns: 49, deletedVersions: 49 } },
    });
    expect(retentionOf(await logged(t0 + 25 * HOUR, status))).toEqual([
      "LOG [backup status] retention (hourly=24,daily=0,weekly=0,monthly=0): nothing waiting to be pruned; last prune finished " +
        "2025-01-09T00:45:00.000Z: removed 49 runs, 49 versions in 1 step.",
    ]);
    expect(posted).toHaveLength(1);
  });

  test("an invalid BACKUP_RETENTION: status says why, the prune refuses to run and deletes nothing", async () => {
    await seedRuns(1, 3);
    d.backup.env.BACKUP_RETENTION = "hourly=24,dayly=7";
    const error =
      'BACKUP_RETENTION: "dayly=7": "dayly" is not a tier; the tiers are hourly, daily, weekly, monthly (e.g. "hourly=48,daily=30,weekly=12,monthly=12").';
    expect(retentionOf(await logged(START + 3 * HOUR, status))).toEqual([
      "LOG [backup status] retention (BACKUP_RETENTION refused): nothing waiting to be pruned; no prune recorded yet.",
      `WARN [backup status] WARNING: ${error} Retention does not prune until it is fixed.`,
    ]);
    await expect(d.backup.t.mutation(backupInternal.retention.prune, {})).rejects.toThrow(error);
    const runs = await d.backup.t.run((ctx) => ctx.db.query("runs").collect());
    expect(runs).toHaveLength(3);
  });
});
