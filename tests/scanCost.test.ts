// What a reconciliation scan costs the backup, in documents read: an
// unchanged page costs its stored range digest (one read), and a changed
// page is read once (for the diff's tags), not twice.
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { expectRestoreEquals, snapshotPrimary } from "./support/pointInTime";

// 3 pages of 1,000 orders, one of users, one of products.
const SIZE = { users: 500, products: 500, orders: 3_000 };
const PAGES = 5;

let d: Deployments;
let ids: ShopIds;
const WEEK = 7 * 24 * 60 * 60_000;
let now = Date.UTC(2026, 10, 2);
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(now);
  d = await startDeployments();
  ids = await seedShop(d.primary, SIZE);
  await d.primary.t.action(internal.backup.runNow, {});
});
afterEach(async () => {
  vi.useRealTimers();
  await d.close();
});

/**
 * A reconciliation scan that is not asked for (no `fresh` re-read of the
 * backup): the newest restore point's configuration hash is made stale, as a
 * changed OMITTED_FIELDS would, so the next run scans every table.
 */
const reconcile = async () => {
  now += WEEK + 60_000;
  vi.setSystemTime(now);
  await d.backup.t.run(async (ctx) => {
    const newest = await ctx.db.query("runs").withIndex("by_status", (q) => q.eq("status", "completed")).order("desc").first();
    await ctx.db.patch("runs", newest!._id, { log: { ...newest!.log!, configHash: "stale" } });
  });
  d.backup.io.reset();
  const summary = await d.primary.t.action(internal.backup.runNow, {});
  expect(summary).toMatchObject({ status: "completed", mode: "scan", reason: "configuration changed" });
  return summary;
};

test("a reconciliation of unchanged data reads about one backup document per page", async () => {
  // The first run stored the digest of each page's range; the reconciliation reads them back.
  const summary = await reconcile();
  expect(summary.tables.every((t) => t.changed === 0 && t.deleted === 0)).toBe(true);
  // Per page one stored digest; besides, the run record, read by begin, each checkpoint and finish (about 16).
  expect(d.backup.io.docsRead).toBeLessThanOrEqual(PAGES + 20);
});

test("a change on every page the log did not see: each page is read once, not twice", async () => {
  // One order per page changed behind the log's back, and one deleted.
  await d.primary.t.run(async (ctx) => {
    for (const i of [10, 1_010, 2_010]) await ctx.db.patch("orders", ids.orders[i]!, { status: "cancelled" });
    await ctx.db.delete("orders", ids.orders[1_500]!);
  });
  const summary = await reconcile();
  expect(summary.tables.find((t) => t.table === "orders")).toMatchObject({ changed: 3, deleted: 1, missedByLog: 4 });
  // The three changed pages are read once each for the diff (3,000 versions);
  // applying their changes looks up only the changed documents.
  expect(d.backup.io.docsRead).toBeLessThan(3_000 + 2 * PAGES + 50);
  await expectRestoreEquals(d, "latest", await snapshotPrimary(d, ["users", "products", "orders"]));
});
