import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { api } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import { randomSecret, startDeployments, type Deployments, PRIMARY_CLOUD_URL } from "../harness/deployments";
import { changeShop, seedShop, type ShopIds } from "../harness/shopData";
import { MAX_STATUS_RUNS } from "../packages/convex-hourly-backup/src/shared/protocol";

const HOUR = 60 * 60 * 1000;
const START = Date.UTC(2025, 0, 6, 10, 0, 0);

let d: Deployments;
let ids: ShopIds;
beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
  d = await startDeployments();
  ids = await seedShop(d.primary, { users: 3, products: 4, orders: 5 });
});
afterEach(async () => {
  await d.close();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const status = (limit?: number) => d.primary.t.action(internal.backup.status, limit === undefined ? {} : { limit });

/** What backup:status logged, warnings marked. */
function captureLogs(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((text: string) => void lines.push(text));
  vi.spyOn(console, "warn").mockImplementation((text: string) => void lines.push(`WARN ${text}`));
  return lines;
}

describe("backup:status", () => {
  test("with no run yet: no restore point, stale, a WARNING", async () => {
    const logs = captureLogs();
    const report = await status();
    expect(report).toMatchObject({ runs: [], newestCompleted: null, stale: true });
    expect(logs).toEqual(["WARN [backup status] WARNING: the backup holds no completed run yet (no restore point)."]);
  });

  test("lists the last runs newest first with counts, bytes, duration, and the newest point's age", async () => {
    await d.primary.t.action(internal.backup.runNow, {});
    vi.setSystemTime(START + HOUR);
    await changeShop(d.primary, ids, { fraction: 0.5, deletes: 1, inserts: 2 });
    await d.primary.t.action(internal.backup.runNow, {});
    vi.setSystemTime(START + HOUR + 10 * 60_000);

    const logs = captureLogs();
    const report = await status();
    expect(report.stale).toBe(false);
    expect(report.runs.map((run) => [run.seq, run.status, run.startedAt, run.interrupted])).toEqual([
      [2, "completed", START + HOUR, false],
      [1, "completed", START, false],
    ]);
    const [second, first] = report.runs;
    expect(first!.tables.map((t) => [t.table, t.scanned, t.changed, t.deleted])).toEqual([
      ["users", 3, 3, 0],
      ["products", 4, 4, 0],
      ["orders", 5, 5, 0],
    ]);
    // A change-log run: the documents each table holds, from the previous count and what changed.
    expect(second!.tables.map((t) => [t.table, t.documents, t.changed, t.deleted])).toEqual([
      ["users", 3, 2, 0],
      ["products", 4, 2, 0],
      ["orders", 6, 5, 1],
    ]);
    // Time stands still in this test, so each run took 0 ms by the clock.
    expect(first!.durationMs).toBe(0);
    expect(first!.bytesSent).toBe(first!.tables.reduce((sum, t) => sum + t.bytesSent, 0));
    // (A change-log run of these few documents sends more than the first run did: its verification
    // slices and new-documents check send their ranges' digests. The bench compares at scale.)
    expect(second!.bytesSent).toBe(second!.tables.reduce((sum, t) => sum + t.bytesSent, 0));
    expect(second!.bytesSent).toBeGreaterThan(0);
    expect(report.newestCompleted).toMatchObject({ seq: 2, ageMs: 10 * 60_000 });
    // A line per run, a line per table saying what the newest point holds (issue 18), retention's line
    // (issue 19; tests/retentionHealth.test.ts), the verdict.
    expect(logs).toHaveLength(7);
    expect(logs[0]).toMatch(/^\[backup status\] run 1 2025-01-06T10:00:00.000Z completed in 0 ms, sent .*users 3\/3\/0, products 4\/4\/0, orders 5\/5\/0$/);
    // Each table is under a page (1,000 documents): run 2's slice compared it whole, a pass that began with run 2.
    expect(logs[2]).toBe(
      "[backup status] users: every write through the wrapped builders up to 2025-01-06 11:00 UTC; every document last verified " +
        "2025-01-06 11:00 UTC (verification every 24 h); a write made another way after that may be missing; " +
        "last full verification 10 min ago; missed by the change log in 7 days: 0",
    );
    expect(logs[5]).toBe("[backup status] retention (hourly=48,daily=30,weekly=12,monthly=0): nothing waiting to be pruned; no prune recorded yet.");
    expect(logs[6]).toBe("[backup status] newest restore point: run 2, finished 10 min ago.");
  });

  test("flags a newest restore point older than two hours", async () => {
    await d.primary.t.action(internal.backup.runNow, {});
    vi.setSystemTime(START + 2 * HOUR);
    expect((await status()).stale).toBe(false);
    vi.setSystemTime(START + 2 * HOUR + 60_000);
    const logs = captureLogs();
    const report = await status();
    expect(report).toMatchObject({ stale: true, newestCompleted: { seq: 1, ageMs: 2 * HOUR + 60_000 } });
    expect(logs.at(-1)).toBe(
      "WARN [backup status] WARNING: the newest restore point (run 1) finished 2 h 1 min ago, more than 2 h: check backup:runNow's logs on the primary.",
    );
  });

  test("shows a run whose holder died as interrupted, and the older restore point as newest", async () => {
    await d.primary.t.action(internal.backup.runNow, {});
    vi.setSystemTime(START + HOUR);
    await d.backup.t.mutation(api.runs.beginRun, { secret: d.secret, holder: "gone", leaseMs: 60_000, tables: ["users"], source: PRIMARY_CLOUD_URL });
    vi.setSystemTime(START + HOUR + 5 * 60_000);
    const report = await status();
    expect(report.runs.map((run) => [run.seq, run.status, run.interrupted, run.finishedAt])).toEqual([
      [2, "running", true, null],
      [1, "completed", false, START],
    ]);
    expect(report.newestCompleted).toMatchObject({ seq: 1 });
  });

  test("returns at most `limit` runs", async () => {
    for (let hour = 0; hour < 4; hour++) {
      vi.setSystemTime(START + hour * HOUR);
      await d.primary.t.action(internal.backup.runNow, {});
    }
    expect((await status(2)).runs.map((run) => run.seq)).toEqual([4, 3]);
    expect((await status()).runs.map((run) => run.seq)).toEqual([4, 3, 2, 1]);
  });

  test("reads a bounded amount however large the run records: the newest ones that fit in a few MiB", async () => {
    await d.primary.t.action(internal.backup.runNow, {});
    // 36 failed runs whose records carry 7,000 tables each: about 19 MiB, more than a query may read.
    const tables = Array.from({ length: 7_000 }, (_, i) => ({
      table: `table_${i}`, scanned: 0, changed: 0, deleted: 0, bytesSent: 0, docsWritten: 0,
    }));
    for (let batch = 0; batch < 36; batch += 6) {
      await d.backup.t.run(async (ctx) => {
        for (let seq = 2 + batch; seq < 8 + batch; seq++) {
          await ctx.db.insert("runs", { seq, startedAt: START + seq * 60_000, status: "failed", tables });
        }
      });
    }
    vi.setSystemTime(START + HOUR);
    captureLogs();
    const report = await status(MAX_STATUS_RUNS);
    // Newest first, as many as MAX_STATUS_BYTES holds; the newest restore point is still found.
    const seqs = report.runs.map((run) => run.seq);
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs.length).toBeLessThan(36);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 37 - i));
    expect(report.newestCompleted).toMatchObject({ seq: 1 });
  });

  test("fails with the backup's reason when the secret is wrong, without echoing it", async () => {
    const wrong = randomSecret();
    d.primary.env.BACKUP_SECRET = wrong;
    const failure = status().then(
      () => "succeeded",
      (error: unknown) => String(error),
    );
    const message = await failure;
    expect(message).toMatch(/UNAUTHORIZED/);
    expect(message).not.toContain(wrong);
  });
});
