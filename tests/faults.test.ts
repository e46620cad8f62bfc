// The fault suite: every fault the loopback backup can inject. Each test ends
// with nothing lost (the backup's current state and a restore of the latest
// completed run both equal the primary) and nothing doubled.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { PRIMARY_CLOUD_URL, startDeployments, type Deployments } from "../harness/deployments";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { seedShop, type ShopIds } from "../harness/shopData";
import type { FaultRule } from "../harness/faults";
import { expectNothingLost } from "./support/assertions";
import { backupRowCounts } from "./support/backupContents";

let d: Deployments;
let ids: ShopIds;
beforeEach(async () => {
  d = await startDeployments();
  // Short timeouts so hanging requests fail fast.
  d.primary.env.BACKUP_REQUEST_TIMEOUT_MS = "400";
  ids = await seedShop(d.primary, { users: 20, products: 20, orders: 30 });
});
afterEach(async () => {
  vi.useRealTimers();
  await d.close();
});

const runNow = (args: { tables?: string[]; maxDurationMs?: number } = {}) =>
  d.primary.t.action(internal.backup.runNow, args);

async function runs() {
  return d.backup.t.run((ctx) => ctx.db.query("runs").collect());
}

describe("transient faults are retried and the run completes", () => {
  const cases: [string, FaultRule][] = [
    ["a connection cut before the request is handled", { path: "sync:applyRange", fault: { kind: "cut" }, times: 2 }],
    ["a reply lost after applyRange committed", { path: "sync:applyRange", fault: { kind: "loseReply" }, times: 3 }],
    ["a reply lost after beginRun committed", { path: "runs:beginRun", fault: { kind: "loseReply" } }],
    ["a reply lost after finishRun committed", { path: "runs:finishRun", fault: { kind: "loseReply" } }],
    ["HTTP 500", { path: "sync:diffRange", fault: { kind: "status", status: 500 }, times: 2 }],
    ["HTTP 503", { fault: { kind: "status", status: 503 }, times: 3 }],
    ["HTTP 429", { path: "sync:applyRange", fault: { kind: "status", status: 429 } }],
    ["a request that never gets an answer (timeout)", { path: "sync:applyRange", fault: { kind: "hang" } }],
    ["a reply slower than the timeout", { path: "sync:diffRange", fault: { kind: "delay", ms: 1_000 } }],
    ["the 5th request failing", { skip: 4, fault: { kind: "status", status: 502 } }],
  ];
  for (const [name, rule] of cases) {
    test(name, async () => {
      d.backup.server.faults.add(rule);
      const summary = await runNow();
      expect(summary.status).toBe("completed");
      expect(Object.values(d.backup.server.faults.applied).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      // Counted once each, even when a batch was applied twice.
      expect(summary.tables.map((t) => t.changed)).toEqual([20, 20, 30]);
      expect(await runs()).toMatchObject([{ status: "completed", seq: 1 }]);
      await expectNothingLost(d);
      expect((await backupRowCounts(d)).versions).toBe(70);
    });
  }

  test("connections refused for a moment", async () => {
    await d.backup.server.goDown();
    setTimeout(() => void d.backup.server.comeBack(), 300);
    expect((await runNow()).status).toBe("completed");
    await expectNothingLost(d);
  });
});

describe("faults that outlast the retries", () => {
  test("auth errors are not retried", async () => {
    d.primary.env.BACKUP_SECRET = "x".repeat(40);
    await expect(runNow()).rejects.toThrow(/UNAUTHORIZED/);
    expect(d.backup.server.stats.byPath["runs:beginRun"]).toBe(1);
  });

  test("a backup down for a whole run: the run fails, the next one completes and nothing is lost", async () => {
    await runNow();
    await d.primary.t.mutation(internal.shop.setProductPrice, { productId: ids.products[0]!, price: 1.5 });
    await d.primary.t.mutation(internal.shop.deleteDocuments, { orders: [ids.orders[0]!] });
    await d.backup.server.goDown();
    await expect(runNow()).rejects.toThrow(/unreachable/);
    await d.backup.server.comeBack();
    const summary = await runNow();
    expect(summary.status).toBe("completed");
    expect(summary.tables.map((t) => [t.changed, t.deleted])).toEqual([[0, 0], [1, 0], [0, 1]]);
    await expectNothingLost(d);
  });

  test("a run killed mid-way keeps its lease until it expires, then the next run resumes it", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-25T10:00:00Z"));
    // users and products finish; the backup vanishes during orders and the
    // action dies without giving its lease back (its release cannot arrive).
    let ordersRequests = 0;
    d.backup.server.onRequest = async () => {
      if (d.backup.server.stats.byPath["sync:diffRange"] === 3 && ordersRequests++ === 0) {
        await d.backup.server.goDown();
      }
    };
    await expect(runNow()).rejects.toThrow(/unreachable|Backup run failed/);
    d.backup.server.onRequest = undefined;
    await d.backup.server.comeBack();
    const [interrupted] = await runs();
    expect(interrupted).toMatchObject({ status: "running", seq: 1 });
    expect(interrupted!.checkpoints!.filter((c) => c.done).map((c) => c.table)).toEqual(["users", "products"]);

    // Within the lease: a cron tick finds the run in progress and does nothing.
    vi.setSystemTime(new Date("2026-11-25T10:01:00Z"));
    expect(await runNow()).toMatchObject({ status: "alreadyRunning", runId: interrupted!._id });

    // After the lease: the run is taken over and resumed, not restarted.
    vi.setSystemTime(new Date("2026-11-25T11:00:00Z"));
    d.backup.server.resetStats();
    const resumed = await runNow();
    expect(resumed).toMatchObject({ status: "completed", runId: interrupted!._id });
    expect(d.backup.server.stats.byPath["sync:diffRange"]).toBe(1); // only orders was left
    expect(resumed.tables.map((t) => t.changed)).toEqual([20, 20, 30]);
    expect(await runs()).toMatchObject([{ status: "completed", seq: 1, attempts: 2 }]);
    await expectNothingLost(d);
  });

  test("a partial scan never deletes and is not a restore point", async () => {
    await runNow();
    await d.primary.t.mutation(internal.shop.deleteDocuments, { users: ids.users.slice(0, 5) });
    // The run dies on its first write (users, from the change log): nothing may be closed.
    d.backup.server.faults.add({ path: /^sync:apply(Range|Changes)$/, fault: { kind: "status", status: 503 }, times: Infinity });
    await expect(runNow()).rejects.toThrow(/HTTP 503/);
    const open = await d.backup.t.run(async (ctx) =>
      (await ctx.db.query("versions").collect()).filter((v) => v.table === "users" && v.toSeq === null).length,
    );
    expect(open).toBe(20);
    expect((await runs()).map((r) => r.status)).toEqual(["completed", "running"]);
  });
});

describe("concurrency", () => {
  test("a lease asked for forever lasts at most 30 minutes: the next run then resumes it", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-25T10:00:00Z"));
    const client = new ConvexHttpClient(d.backup.server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
    const planted = (await client.mutation(makeFunctionReference<"mutation">("runs:beginRun"), {
      secret: d.secret, holder: "greedy", leaseMs: 1e15, tables: ["users", "products", "orders"], source: PRIMARY_CLOUD_URL,
    })) as { runId: string };
    vi.setSystemTime(new Date("2026-11-25T10:29:00Z"));
    expect(await runNow()).toMatchObject({ status: "alreadyRunning", runId: planted.runId });
    vi.setSystemTime(new Date("2026-11-25T10:31:00Z"));
    expect(await runNow()).toMatchObject({ status: "completed", runId: planted.runId });
    await expectNothingLost(d);
  });

  test("a cron tick and a manual run at once: one runs, the other says so", async () => {
    const [a, b] = await Promise.all([runNow(), runNow()]);
    expect([a.status, b.status].sort()).toEqual(["alreadyRunning", "completed"]);
    expect(await runs()).toHaveLength(1);
    await expectNothingLost(d);
  });

  test("documents changed and deleted while a run is in progress are caught by the next run", async () => {
    let changed = false;
    d.backup.server.onRequest = async (path) => {
      // Once users is done, change and delete users behind the run's back.
      if (path === "sync:diffRange" && d.backup.server.stats.byPath[path] === 2 && !changed) {
        changed = true;
        await d.primary.t.mutation(internal.shop.updateUserProfile, { userId: ids.users[2]!, name: "Changed mid-run" });
        await d.primary.t.mutation(internal.shop.deleteDocuments, { users: [ids.users[4]!] });
      }
    };
    expect((await runNow()).status).toBe("completed");
    d.backup.server.onRequest = undefined;
    const next = await runNow();
    expect(next.tables[0]).toMatchObject({ table: "users", changed: 1, deleted: 1 });
    await expectNothingLost(d);
  });

  test("a long run hands over to scheduled continuations and still completes once", async () => {
    await d.primary.t.mutation(internal.shop.insertProducts, {
      docs: Array.from({ length: 2_100 }, (_, i) => ({
        name: `bulk${i}`, description: "", price: i, category: "c", images: [], stock: 1n, sizes: [], colors: [],
      })),
    });
    // No time budget: every action does one page, then schedules the next.
    const first = await runNow({ maxDurationMs: 0 });
    expect(first.status).toBe("continued");
    let continuations = 0;
    for (;;) {
      const scheduled = await d.primary.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
      const pending = scheduled.filter((job) => job.state.kind === "pending");
      if (pending.length === 0) break;
      expect(pending).toHaveLength(1);
      expect(pending[0]!.name).toBe("backup:runNow");
      await d.primary.t.run((ctx) => ctx.scheduler.cancel(pending[0]!._id));
      // What the scheduler would run:
      const next = await runNow(pending[0]!.args[0] as { maxDurationMs?: number });
      continuations += 1;
      if (next.status === "completed") {
        expect(next.tables.map((t) => t.scanned)).toEqual([20, 2_120, 30]);
        break;
      }
    }
    expect(continuations).toBeGreaterThanOrEqual(2);
    expect(await runs()).toMatchObject([{ status: "completed", seq: 1 }]);
    await expectNothingLost(d);
  });
});
