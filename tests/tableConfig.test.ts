// What the primary backs up is its own decision, run after run: a table it
// stops backing up (excluded, or gone from its schema) leaves the restore
// points from the next run on while older points keep it, and a resumed run
// never sends a table the primary no longer backs up.
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { internal } from "../convex/_generated/api";
import { PRIMARY_CLOUD_URL, startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { canonicalJson, rangeDigest, sha256 } from "../packages/convex-hourly-backup/src/shared/digest";
import { expectRestoreEquals, runIdOf, snapshotPrimary } from "./support/pointInTime";

const SHOP = ["users", "products", "orders"];

let d: Deployments;
let ids: ShopIds;
beforeEach(async () => {
  d = await startDeployments();
  ids = await seedShop(d.primary, { users: 20, products: 20, orders: 30 });
});
afterEach(async () => {
  vi.useRealTimers();
  await d.close();
});

const runNow = () => d.primary.t.action(internal.backup.runNow, {});
const openVersions = (table: string) =>
  d.backup.t.run(async (ctx) => (await ctx.db.query("versions").collect()).filter((v) => v.table === table && v.toSeq === null).length);

test("an excluded table leaves the next restore points; older ones keep it; re-included, it comes back whole", async () => {
  await runNow();
  const everything = await snapshotPrimary(d, SHOP);

  d.primary.env.BACKUP_EXCLUDED_TABLES = "orders";
  const excluded = await runNow();
  expect(excluded.tables.map((t) => t.table)).toEqual(["users", "products"]);
  expect(await openVersions("orders")).toBe(0);
  const withoutOrders = await snapshotPrimary(d, ["users", "products"]);
  await expectRestoreEquals(d, "latest", withoutOrders);
  await expectRestoreEquals(d, await runIdOf(d, 1), everything);

  // Back in the configuration: the next run sends it again, whole.
  d.primary.env.BACKUP_EXCLUDED_TABLES = undefined;
  await d.primary.t.mutation(internal.shop.deleteDocuments, { orders: ids.orders.slice(0, 3) });
  const back = await runNow();
  // The configuration changed: a reconciliation scan, which sends orders whole.
  expect(back).toMatchObject({ mode: "scan", reason: "configuration changed" });
  expect(back.tables.find((t) => t.table === "orders")).toMatchObject({ documents: 27, changed: 27 });
  await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
  await expectRestoreEquals(d, await runIdOf(d, 2), withoutOrders);
  await expectRestoreEquals(d, await runIdOf(d, 1), everything);
});

test("a table gone from the primary's schema leaves the next restore point; the older one keeps it", async () => {
  // An earlier version of the app had a `legacy` table, backed up by run 1.
  const client = new ConvexHttpClient(d.backup.server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
  const call = (path: string, args: Record<string, unknown>) =>
    client.mutation(makeFunctionReference<"mutation">(path), { secret: d.secret, ...args });
  const holder = "earlier-app-version";
  const { runId } = (await call("runs:beginRun", { holder, leaseMs: 60_000, tables: ["legacy"], source: PRIMARY_CLOUD_URL })) as {
    runId: string;
  };
  const legacyDoc = { _id: "10001legacy", _creationTime: 1, note: "kept only in old restore points" };
  const json = canonicalJson(legacyDoc);
  const hash = await sha256(json);
  await call("sync:applyRange", {
    runId, holder, batchId: "b", table: "legacy", range: { after: null, upTo: null }, digest: await rangeDigest([hash]),
    upserts: [{ id: legacyDoc._id, creationTime: 1, hash, json }], deletedIdTags: [], replace: false,
  });
  const counts = { table: "legacy", scanned: 1, changed: 1, deleted: 0, bytesSent: 0, docsWritten: 2 };
  await call("runs:finishRun", { runId, holder, tables: [counts], configuredTables: ["legacy"] });

  // Today's app has no `legacy` table: its first run retires it.
  const summary = await runNow();
  expect(summary.status).toBe("completed");
  expect(await openVersions("legacy")).toBe(0);
  await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
  await expectRestoreEquals(d, runId, new Map([["legacy", new Map([[legacyDoc._id, legacyDoc]])]]));
});

test("a resumed run started before a table was excluded does not send it", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-11-25T10:00:00Z"));
  await runNow();
  const first = await snapshotPrimary(d, SHOP);
  // A run that planned every table died (its lease expires); or someone
  // holding the secret planted such a run. Either way it names orders.
  const client = new ConvexHttpClient(d.backup.server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
  await client.mutation(makeFunctionReference<"mutation">("runs:beginRun"), {
    secret: d.secret, holder: "dead", leaseMs: 60_000, tables: SHOP, source: PRIMARY_CLOUD_URL,
  });
  d.primary.env.BACKUP_EXCLUDED_TABLES = "orders";
  await d.primary.t.mutation(internal.shop.setOrderStatus, { orderId: ids.orders[0]!, status: "shipped" });

  vi.setSystemTime(new Date("2026-11-25T11:00:00Z"));
  d.backup.server.resetStats();
  const resumed = await runNow();
  expect(resumed.status).toBe("completed");
  expect(resumed.tables.map((t) => t.table)).toEqual(["users", "products"]);
  // Two digests (users, products); nothing of orders was read from the primary or sent.
  expect(d.backup.server.stats.byPath["sync:diffRange"]).toBe(2);
  expect(d.backup.server.stats.byPath["sync:applyRange"]).toBeUndefined();
  await expectRestoreEquals(d, "latest", await snapshotPrimary(d, ["users", "products"]));
  await expectRestoreEquals(d, await runIdOf(d, 1), first);
});
