// Mass deletes and inserts on the primary: a clean-up of tens of thousands of
// documents leaves them all inside one page's key range on the backup. Every
// backup call must stay inside Convex's per-call limits (the harness enforces
// them), the run must complete, and both restore points must be exact.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { startDeployments, type Deployments } from "../harness/deployments";
import { expectRestoreEquals, snapshotPrimary, type Snapshot } from "./support/pointInTime";

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
    runId: summary.runId!,
    mode: summary.mode,
    orders: summary.tables.find((t) => t.table === "orders")!,
    calls: { ...d.backup.server.stats.byPath },
    figures: `${transactions} backup calls; largest per call: ${largest.read?.amount ?? 0} bytes read (${largest.read?.path}), ` +
      `${largest.write?.amount ?? 0} bytes written (${largest.write?.path}), ${largest.indexRanges?.amount ?? 0} index ranges (${largest.indexRanges?.path})`,
  };
}

type Point = { runId: string; snapshot: Snapshot };

/** A run whose restore point is what the primary holds now. */
async function point(args: { reconcile?: boolean } = {}) {
  const run = await backUp(args);
  return { run, point: { runId: run.runId, snapshot: await snapshotPrimary(d, TABLES) } };
}

/**
 * The change, then a run: its restore point and the one before it both equal
 * the primary's state at their runs. Prints the run's backup calls and the
 * largest per-call reads, writes and index ranges (every call stayed inside
 * Convex's limits, or the harness would have refused it).
 */
async function step(previous: Point, change: () => Promise<void>, args: { reconcile?: boolean } = {}) {
  await change();
  const next = await point(args);
  console.info(`${expect.getState().currentTestName}: ${next.run.mode} run, ${next.run.figures}`);
  await expectRestoreEquals(d, previous.runId, previous.snapshot);
  await expectRestoreEquals(d, "latest", next.point.snapshot);
  return next;
}

/** A further run finds nothing left to do. */
async function expectSettled() {
  const again = await backUp();
  expect(again.orders).toMatchObject({ changed: 0, deleted: 0, docsWritten: 0 });
}

// Deletes the change log did not see are found by a reconciliation scan: the
// deleted documents all sit inside the key range of one or a few pages of the
// primary, which the backup answers 2,000 documents at a time while the
// primary walks the range in parts. Deletes through the app's mutations are
// closed by the change-log run, a page of 1,000 at a time.
const reconcile = { reconcile: true };

describe("mass deletes", () => {
  test("the oldest 35,000 of 40,000 deleted (a TTL clean-up), found by a reconciliation", async () => {
    const ids = await insertOrders(ORDERS);
    const first = await point();
    const { run } = await step(first.point, () => deleteOrders(ids.slice(0, 35_000), "unlogged"), reconcile);
    expect(run.orders).toMatchObject({ documents: 5_000, changed: 0, deleted: 35_000, missedByLog: 35_000 });
    await expectSettled();
  }, 600_000);

  test("17,000 in a row deleted from the middle (reconciliation), then the other 23,000 through the app (change log)", async () => {
    const ids = await insertOrders(ORDERS);
    const first = await point();
    const second = await step(first.point, () => deleteOrders(ids.slice(10_000, 27_000), "unlogged"), reconcile);
    expect(second.run.orders).toMatchObject({ documents: ORDERS - 17_000, changed: 0, deleted: 17_000 });
    const rest = [...ids.slice(0, 10_000), ...ids.slice(27_000)];
    const third = await step(second.point, () => deleteOrders(rest, "logged"));
    expect(third.run).toMatchObject({ mode: "log" });
    expect(third.run.orders).toMatchObject({ documents: 0, changed: 0, deleted: 23_000 });
    await expectSettled();
  }, 600_000);

  test("39,000 of 40,000 deleted, spread evenly, found by a reconciliation", async () => {
    const ids = await insertOrders(ORDERS);
    const first = await point();
    const { run } = await step(first.point, () => deleteOrders(ids.filter((_, i) => i % 40 !== 0), "unlogged"), reconcile);
    expect(run.orders).toMatchObject({ documents: 1_000, changed: 0, deleted: 39_000 });
    await expectSettled();
  }, 600_000);
});

test("a mass insert of 40,000 orders (change log), then all of them deleted (reconciliation)", async () => {
  const few = await insertOrders(10);
  const first = await point();
  let inserted: Id<"orders">[] = [];
  const second = await step(first.point, async () => {
    inserted = await insertOrders(ORDERS, 10);
  });
  expect(second.run).toMatchObject({ mode: "log" });
  expect(second.run.orders).toMatchObject({ documents: ORDERS + 10, changed: ORDERS, deleted: 0 });
  const third = await step(second.point, () => deleteOrders([...few, ...inserted], "unlogged"), reconcile);
  expect(third.run.orders).toMatchObject({ documents: 0, changed: 0, deleted: ORDERS + 10, missedByLog: ORDERS + 10 });
  // Closed 2,000 at a time: never one huge call.
  expect(third.run.calls["sync:applyRange"]).toBeGreaterThanOrEqual(ORDERS / 2_000);
  await expectSettled();
}, 600_000);
