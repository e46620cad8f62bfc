// The change log's cursor exists from the first run, even when the log is
// empty (an app whose data came from an import, or that is simply quiet):
// logEnd gives the snapshot's timestamp, on the clock of the rows' commit
// timestamps, so later runs drain the log instead of scanning every table.
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { CHANGE_LOG_TABLE } from "../packages/convex-hourly-backup/src/app/changeLog/schema";
import { expectRestoreEquals, snapshotPrimary } from "./support/pointInTime";

const SHOP = ["users", "products", "orders"];
const SIZE = { users: 20, products: 30, orders: 50 };
const DOCUMENTS = SIZE.users + SIZE.products + SIZE.orders;

let d: Deployments;
beforeEach(async () => {
  d = await startDeployments();
  await seedShop(d.primary, SIZE);
  // As an import leaves it: the data, and no log rows.
  await d.primary.t.run(async (ctx) => {
    for (const row of await ctx.db.query(CHANGE_LOG_TABLE).collect()) await ctx.db.delete(CHANGE_LOG_TABLE, row._id);
  });
});
afterEach(async () => {
  vi.useRealTimers();
  await d.close();
});

test("an idle app with an empty log: 24 hourly runs read each document at most twice in all", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const start = Date.parse("2026-12-01T00:00:00Z");
  d.primary.io.reset();
  const modes: string[] = [];
  for (let hour = 0; hour < 24; hour++) {
    vi.setSystemTime(start + hour * 3_600_000);
    const run = await d.primary.t.action(internal.backup.runNow, {});
    expect(run.status).toBe("completed");
    modes.push(`${run.mode}${run.mode === "scan" ? ` (${run.reason})` : ""}`);
  }
  // The first run reconciles; every later one reads the (empty) log from the cursor it left.
  expect(modes[0]).toBe("scan (first run)");
  expect(modes.slice(1).every((mode) => mode === "log")).toBe(true);
  expect(d.primary.io.docsRead).toBeLessThanOrEqual(2 * DOCUMENTS);
  // A change after all that is read from the log, alone.
  const [user] = await d.primary.t.run((ctx) => ctx.db.query("users").take(1));
  await d.primary.t.mutation(internal.shop.updateUserProfile, { userId: user!._id, city: "Lyon" });
  vi.setSystemTime(start + 24 * 3_600_000);
  const changed = await d.primary.t.action(internal.backup.runNow, {});
  expect(changed).toMatchObject({ mode: "log" });
  expect(changed.tables.find((t) => t.table === "users")).toMatchObject({ scanned: 1, changed: 1 });
  await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
});
