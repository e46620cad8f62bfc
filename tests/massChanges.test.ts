// Mass deletes and inserts on the primary: a clean-up of tens of thousands of
// documents leaves them all inside one page's key range on the backup. Every
// backup call must stay inside Convex's per-call limits (the harness enforces
// them), the run must complete, and both restore points must be exact.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { startDeployments, type Deployments } from "../harness/deployments";
import { expectRestoreEquals, runIdOf, snapshotPrimary, type Snapshot } from "./support/pointInTime";

const TABLES = ["users", "products", "orders"];
const ORDERS = 40_000;

let d: Deployments;
let owner: { userId: Id<"users">; productId: Id<"products"> };
beforeEach(async () => {
  d = await startDeployments();
  const [userId] = await d.primary.t.mutation(internal.shop.insertUsers, {
    docs: [{ email: "a@example.com", name: "A", role: "customer", createdAt: 0, updatedAt: 0, passwordHash: "x" }],
  });
  const [productId] = await d.primary.t.mutation(internal.shop.insertProducts, {
    docs: [{ name: "P", description: "", price: 1, category: "c", images: [], stock: 1n, sizes: [], colors: [] }],
  });
  owner = { userId: userId!, productId: productId! };
});
afterEach(async () => {
  await d.close();
});

async function insertOrders(count: number, from = 0): Promise<Id<"orders">[]> {
  const ids: Id<"orders">[] = [];
  for (let start = 0; start < count; start += 1_000) {
    const docs = Array.from({ length: Math.min(1_000, count - start) }, (_, i) => ({
      odid: `OD${from + start + i}`,
      userId: owner.userId,
      items: [{ productId: owner.productId, quantity: 1, price: 1 }],
      totalAmount: 1,
      status: "paid" as const,
      paymentMethod: "card",
      shippingAddress: { name: "A", address: "1 road", city: "Pune", state: "MH", pincode: "411001" },
      createdAt: 0,
      updatedAt: 0,
    }));
    ids.push(...(await d.primary.t.mutation(internal.shop.insertOrders, { docs })));
  }
  return ids;
}

/**
 * Deletes through the app's wrapped mutation (the change log names them), or
 * behind the log's back (a dashboard bulk delete, an unwrapped clean-up job):
 * then only a reconciliation scan finds them, walking dense key ranges.
 */
async function deleteOrders(ids: Id<"orders">[], how: "logged" | "unlogged"): Promise<void> {
  // 2,000 deletes per mutation: each is an index range (4,096 per transaction).
  for (let start = 0; start < ids.length; start += 2_000) {
    const chunk = ids.slice(start, start + 2_000);
    if (how === "logged") await d.primary.t.mutation(internal.shop.deleteDocuments, { orders: chunk });
    else await d.primary.t.run(async (ctx) => { for (const id of chunk) await ctx.db.delete("orders", id); });
  }
}

/** Runs a backup that must complete; returns its orders counts, the backup calls it made and the largest of them. */
async function backUp(args: { reconcile?: boolean } = {}) {
  d.backup.server.resetStats();
  d.backup.io.reset();
  const summary = await d.primary.t.action(internal.backup.runNow, args);
  expect(summary.status).toBe("completed");
  const { largest, transactions } = d.backup.io;
  return {
    mode: summary.mode,
    orders: summary.tables.find((t) => t.table === "orders")!,
    calls: { ...d.backup.server.stats.byPath },
    figures: `${transactions} backup calls; largest per call: ${largest.read?.amount ?? 0} bytes read (${largest.read?.path}), ` +
      `${largest.write?.amount ?? 0} bytes written (${largest.write?.path}), ${largest.indexRanges?.amount ?? 0} index ranges (${largest.indexRanges?.path})`,
  };
}

/** First run, the change, second run; then both restore points equal the primary at their runs. */
async function backUpAround(change: () => Promise<void>, second: { reconcile?: boolean } = {}) {
  await backUp();
  const before: Snapshot = await snapshotPrimary(d, TABLES);
  await change();
  const run = await backUp(second);
  // The figures the closing note asks for (every call stayed inside Convex's limits, or the harness would have refused it).
  console.info(`${expect.getState().currentTestName}: ${run.mode} run, ${run.figures}`);
  const after: Snapshot = await snapshotPrimary(d, TABLES);
  await expectRestoreEquals(d, await runIdOf(d, 1), before);
  await expectRestoreEquals(d, "latest", after);
  // A third run finds nothing left to do.
  const third = await backUp();
  expect(third.orders).toMatchObject({ changed: 0, deleted: 0, docsWritten: 0 });
  return run;
}

// Found by a reconciliation scan: the deleted documents all sit inside the
// key range of one or a few pages of the primary, which the backup answers
// 2,000 documents at a time while the primary walks the range in parts.
describe("mass deletes the change log did not see, found by a reconciliation", () => {
  const reconcile = { reconcile: true };

  test("all 40,000 orders deleted", async () => {
    const ids = await insertOrders(ORDERS);
    const run = await backUpAround(() => deleteOrders(ids, "unlogged"), reconcile);
    expect(run.orders).toMatchObject({ documents: 0, changed: 0, deleted: ORDERS, missedByLog: ORDERS });
    // Closed 2,000 at a time: 20 applies, never one huge call.
    expect(run.calls["sync:applyRange"]).toBe(ORDERS / 2_000);
  }, 600_000);

  test("the oldest 35,000 of 40,000 deleted (a TTL clean-up)", async () => {
    const ids = await insertOrders(ORDERS);
    const run = await backUpAround(() => deleteOrders(ids.slice(0, 35_000), "unlogged"), reconcile);
    expect(run.orders).toMatchObject({ documents: 5_000, changed: 0, deleted: 35_000 });
  }, 600_000);

  test("17,000 in a row deleted from the middle", async () => {
    const ids = await insertOrders(ORDERS);
    const run = await backUpAround(() => deleteOrders(ids.slice(10_000, 27_000), "unlogged"), reconcile);
    expect(run.orders).toMatchObject({ documents: ORDERS - 17_000, changed: 0, deleted: 17_000 });
  }, 600_000);

  test("39,000 of 40,000 deleted, spread evenly", async () => {
    const ids = await insertOrders(ORDERS);
    const run = await backUpAround(() => deleteOrders(ids.filter((_, i) => i % 40 !== 0), "unlogged"), reconcile);
    expect(run.orders).toMatchObject({ documents: 1_000, changed: 0, deleted: 39_000 });
  }, 600_000);
});

test("a mass delete through the app's mutations: the change log run closes them in bounded batches", async () => {
  const ids = await insertOrders(ORDERS);
  const run = await backUpAround(() => deleteOrders(ids.slice(0, 35_000), "logged"));
  expect(run).toMatchObject({ mode: "log" });
  expect(run.orders).toMatchObject({ documents: 5_000, changed: 0, deleted: 35_000 });
}, 600_000);

test("a mass insert of 40,000 orders between two runs", async () => {
  await insertOrders(10);
  const run = await backUpAround(async () => {
    await insertOrders(ORDERS, 10);
  });
  expect(run.orders).toMatchObject({ scanned: ORDERS + 10, changed: ORDERS, deleted: 0 });
}, 600_000);
