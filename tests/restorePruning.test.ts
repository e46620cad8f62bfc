// Issue 9 item 10: retention deletes a dropped run's versions over several
// steps. From the first step the run is "pruning", no restore point: a restore
// of it (by id, by number, or a time that would pick it) fails or picks
// another point, and a restore that was already reading it fails whole,
// leaving no file. A restore never exits 0 with a partial ZIP.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { internal as backupInternal } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import type { RetentionPolicy } from "../packages/convex-hourly-backup/src/backup/retentionPolicy";
import { startDeployments, type Deployments } from "../harness/deployments";
import { changeShop, seedShop, type ShopIds } from "../harness/shopData";
import { RestoreSource } from "../packages/convex-hourly-backup/src/cli/restore/restoreSource";
import {
  expectRestoreEquals,
  expectRestoreFails,
  primarySnapshot,
  restoreRun,
  type PrimarySnapshot,
} from "./support/restorePoints";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HOUR = 60 * 60 * 1000;
// Monday 2025-01-06, 22:00 UTC: run 1; runs 2 and 3 the next day.
const RUN_1 = Date.UTC(2025, 0, 6, 22);
const RUN_2 = Date.UTC(2025, 0, 7, 0);
const RUN_3 = Date.UTC(2025, 0, 7, 5);
/** Every run for 2 hours, then the newest of each day: run 1 (Jan 6) and run 3 (Jan 7, recent) stay, run 2 goes. */
const POLICY: RetentionPolicy = { keepAllHours: 2, dailyDays: 30, weeklyWeeks: 0 };
// More than a prune step deletes (1,000 rows), so run 2 takes several steps.
const ORDERS = 1_200;

let d: Deployments;
let ids: ShopIds;
const runIds: string[] = [];
const states: PrimarySnapshot[] = [];

async function backupAt(time: number): Promise<void> {
  vi.setSystemTime(time);
  const result = await d.primary.t.action(internal.backup.runNow, {});
  expect(result.status).toBe("completed");
  runIds.push(result.runId!);
  states.push(await primarySnapshot(d));
}

/** One step of retention:prune, as the cron starts it; the steps it schedules wait (fake timers). */
async function pruneOneStep() {
  return d.backup.t.mutation(backupInternal.retention.prune, { policy: POLICY });
}

async function runStatuses() {
  return d.backup.t.run(async (ctx) =>
    (await ctx.db.query("runs").withIndex("by_seq").collect()).map((run) => [run.seq, run.status]),
  );
}

beforeAll(async () => {
  vi.useFakeTimers();
  d = await startDeployments();
  vi.setSystemTime(RUN_1);
  ids = await seedShop(d.primary, { users: 3, products: 4, orders: ORDERS });
  await backupAt(RUN_1);
  // Every order replaced twice: run 2's 1,200 order versions are needed by run 2 alone.
  vi.setSystemTime(RUN_2 - HOUR);
  await changeShop(d.primary, ids, { fraction: 0, deletes: ORDERS, inserts: ORDERS, seed: 2 });
  await backupAt(RUN_2);
  vi.setSystemTime(RUN_3 - HOUR);
  await changeShop(d.primary, ids, { fraction: 0, deletes: ORDERS, inserts: ORDERS, seed: 3 });
  await backupAt(RUN_3);
  vi.setSystemTime(RUN_3 + HOUR / 2);
}, 120_000);
afterAll(async () => {
  await d.close();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("restore while retention prunes a run", () => {
  test("a restore already reading the run when pruning starts fails whole and leaves no file", async () => {
    // Retention's first step runs while the restore reads run 2: just before its first page of orders.
    const readPage = RestoreSource.prototype.readPage;
    let step: Awaited<ReturnType<typeof pruneOneStep>> | null = null;
    const spy = vi.spyOn(RestoreSource.prototype, "readPage").mockImplementation(async function (this: RestoreSource, args) {
      if (args.table === "orders" && step === null) step = await pruneOneStep();
      return readPage.call(this, args);
    });
    try {
      await expectRestoreFails(
        d,
        runIds[1]!,
        /^Run 2 stopped being a restore point while it was restored \(.*RUN_NOT_COMPLETED: Run 2 is being deleted by retention \(status pruning\).*no ZIP was written/,
      );
    } finally {
      spy.mockRestore();
    }
    // That first step marked run 2 and deleted part of what only it needs (600 versions and 600
    // content rows are more than one step's budget); more steps are scheduled.
    expect(step).toMatchObject({ markedRuns: 1, done: false });
    expect(step!.deletedVersions).toBeGreaterThan(0);
    expect(step!.deletedVersions).toBeLessThan(ORDERS);
    expect(await runStatuses()).toEqual([
      [1, "completed"],
      [2, "pruning"],
      [3, "completed"],
    ]);
  });

  test("mid-prune, run 2 by id or by number is refused with the reason, and no file is written", async () => {
    const refused = /RUN_NOT_COMPLETED: Run 2 is being deleted by retention \(status pruning\): it is no longer a restore point/;
    await expectRestoreFails(d, runIds[1]!, refused);
    await expectRestoreFails(d, "2", refused);
    await expectRestoreFails(d, "2", refused, { dryRun: true });
  });

  test("mid-prune, a time that would pick run 2 picks the newest point before it", async () => {
    const between = new Date(RUN_2 + HOUR).toISOString();
    const result = await expectRestoreEquals(d, between, states[0]!);
    expect(result.seq).toBe(1);
    // Before run 1 there is no point at all: a clean RUN_NOT_FOUND.
    await expectRestoreFails(d, new Date(RUN_1 - HOUR).toISOString(), /RUN_NOT_FOUND: No completed run started at or before/);
  });

  test("the CLI exits 1 with the reason and writes nothing for the run being pruned", async () => {
    const dir = mkdtempSync(join(tmpdir(), "restore-pruning-"));
    const result = await promisify(execFile)(
      join(ROOT, "node_modules/.bin/tsx"),
      ["--conditions=convex-hourly-backup-source", join(ROOT, "packages/convex-hourly-backup/src/cli/main.ts"), "restore", "--run", "2", "--out", "run2.zip", "--url", d.backup.server.url, "--secret", d.restoreSecret],
      { cwd: dir, env: { PATH: process.env.PATH ?? "" } },
    ).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/restore failed: .*Run 2 is being deleted by retention/);
    expect(result.stderr).not.toContain(d.restoreSecret);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  test("mid-prune and after it, the remaining points restore whole: latest and the previous one", async () => {
    expect((await expectRestoreEquals(d, "latest", states[2]!)).seq).toBe(3);
    await expectRestoreEquals(d, runIds[0]!, states[0]!);
    // The prune finishes in bounded steps; run 2 is then gone for good.
    await d.backup.t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await runStatuses()).toEqual([
      [1, "completed"],
      [3, "completed"],
    ]);
    await expectRestoreFails(d, "2", /RUN_NOT_FOUND: No run has sequence number 2/);
    expect((await expectRestoreEquals(d, "latest", states[2]!)).seq).toBe(3);
    expect((await expectRestoreEquals(d, "1", states[0]!)).seq).toBe(1);
  });
});

describe("a restore point whose stored documents do not add up", () => {
  test("fails whole instead of writing a short ZIP; a later run restores whole", async () => {
    const own = await startDeployments();
    try {
      await seedShop(own.primary, { users: 3, products: 4, orders: 5 });
      const first = await own.primary.t.action(internal.backup.runNow, {});
      const before = await primarySnapshot(own);
      // Damage: one user's version and content disappear (no run is pruning).
      await own.backup.t.run(async (ctx) => {
        const version = (await ctx.db
          .query("versions")
          .withIndex("by_key", (q) => q.eq("table", "users"))
          .first())!;
        for (const row of await ctx.db.query("contents").withIndex("by_version", (q) => q.eq("versionId", version._id)).collect()) {
          await ctx.db.delete("contents", row._id);
        }
        await ctx.db.delete("versions", version._id);
      });
      await expectRestoreFails(own, first.runId!, /^The restore of run 1 is not whole \(users: 2 documents read, 3 recorded\), so no ZIP was written/);
      // A reconciliation (the primary did not change, so the change log names
      // nothing) finds the document missing from the backup and stores it again.
      await own.primary.t.action(internal.backup.runNow, { reconcile: true });
      await expectRestoreEquals(own, "latest", await primarySnapshot(own));
      expect((await restoreRun(own, "2")).result.seq).toBe(2);
      // The previous point stays short: it fails whole every time rather than restoring 2 of 3 users.
      await expectRestoreFails(own, "1", /is not whole \(users: 2 documents read, 3 recorded\)/);
      expect(before.get("users")!.size).toBe(3);
    } finally {
      await own.close();
    }
  });
});
