import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments, PRIMARY_CLOUD_URL } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { backupRowCounts, currentBackup } from "./support/backupContents";
import { expectBackupEqualsPrimary } from "./support/assertions";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { rangeDigest, sha256 } from "../packages/convex-hourly-backup/src/shared/digest";

let d: Deployments;
let ids: ShopIds;
beforeEach(async () => {
  d = await startDeployments();
  ids = await seedShop(d.primary, { users: 30, products: 40, orders: 60 });
});
afterEach(async () => {
  await d.close();
});

describe("backup:runNow", () => {
  test("a full run copies every document of every table over the loopback HTTP path", async () => {
    const summary = await d.primary.t.action(internal.backup.runNow, {});
    expect(summary.status).toBe("completed");
    expect(summary.tables.map((t) => [t.table, t.scanned, t.changed, t.deleted])).toEqual([
      ["users", 30, 30, 0],
      ["products", 40, 40, 0],
      ["orders", 60, 60, 0],
    ]);
    await expectBackupEqualsPrimary(d);
    // Everything went through HTTP: begin, one diff + one apply per page, finish.
    const { byPath } = d.backup.server.stats;
    expect(byPath["runs:beginRun"]).toBe(1);
    expect(byPath["sync:applyRange"]).toBe(3);
    expect(byPath["runs:finishRun"]).toBe(1);
    const runs = await d.backup.t.run((ctx) => ctx.db.query("runs").collect());
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "completed", seq: 1 });
    expect(runs[0]!.tables.map((t) => t.changed)).toEqual([30, 40, 60]);
  });

  test("a second run on unchanged data writes nothing and sends only digests", async () => {
    await d.primary.t.action(internal.backup.runNow, {});
    const before = await backupRowCounts(d);
    d.backup.server.resetStats();
    const summary = await d.primary.t.action(internal.backup.runNow, {});
    expect(summary.tables.every((t) => t.changed === 0 && t.deleted === 0 && t.docsWritten === 0)).toBe(true);
    const after = await backupRowCounts(d);
    expect(after.versions).toBe(before.versions);
    expect(after.contents).toBe(before.contents);
    expect(after.runs).toBe(before.runs + 1);
    expect(d.backup.server.stats.byPath["sync:applyRange"]).toBeUndefined();
    // Run records, and per table two digests for its verification (issue 18): the slice and the new-documents check.
    expect(d.backup.server.stats.byPath["sync:diffRange"]).toBe(6);
    expect(d.backup.server.stats.bytesIn).toBeLessThan(5_000);
  });

  test("one update writes one new version and keeps the old one", async () => {
    await d.primary.t.action(internal.backup.runNow, {});
    const before = await backupRowCounts(d);
    await d.primary.t.mutation(internal.shop.setProductPrice, { productId: ids.products[7]!, price: 12.5 });
    const summary = await d.primary.t.action(internal.backup.runNow, {});
    expect(summary.tables.find((t) => t.table === "products")).toMatchObject({ changed: 1, deleted: 0 });
    expect(summary.tables.filter((t) => t.table !== "products").every((t) => t.changed === 0)).toBe(true);
    const after = await backupRowCounts(d);
    expect(after.versions).toBe(before.versions + 1);
    const history = await d.backup.t.run((ctx) =>
      ctx.db.query("versions").filter((q) => q.eq(q.field("docId"), ids.products[7]!)).collect(),
    );
    expect(history.map((v) => [v.fromSeq, v.toSeq])).toEqual([[1, 2], [2, null]]);
    expect((await currentBackup(d)).get("products")!.get(ids.products[7]!)!.price).toBe(12.5);
  });

  test("a session-token rotation is invisible: the redacted field changes nothing", async () => {
    await d.primary.t.action(internal.backup.runNow, {});
    await d.primary.t.mutation(internal.shop.rotateSession, { userId: ids.users[3]!, sessionToken: "rotated-token-value" });
    const summary = await d.primary.t.action(internal.backup.runNow, {});
    expect(summary.tables.every((t) => t.changed === 0)).toBe(true);
  });

  test("a delete and an insert are reflected", async () => {
    await d.primary.t.action(internal.backup.runNow, {});
    const gone = ids.orders[10]!;
    await d.primary.t.mutation(internal.shop.deleteDocuments, { orders: [gone] });
    const [added] = await d.primary.t.mutation(internal.shop.insertOrders, {
      docs: [
        {
          odid: "OD-NEW",
          userId: ids.users[0]!,
          items: [{ productId: ids.products[0]!, quantity: 2, price: 3.5 }],
          totalAmount: 7,
          status: "pending",
          paymentMethod: "card",
          shippingAddress: { name: "N", address: "A", city: "C", state: "S", pincode: "1" },
          createdAt: 1,
          updatedAt: 1,
        },
      ],
    });
    const summary = await d.primary.t.action(internal.backup.runNow, {});
    // Read from the change log: the two documents it names, not the 60 orders.
    expect(summary).toMatchObject({ mode: "log" });
    expect(summary.tables.find((t) => t.table === "orders")).toMatchObject({ changed: 1, deleted: 1, scanned: 2, documents: 60 });
    const orders = (await currentBackup(d)).get("orders")!;
    expect(orders.has(gone)).toBe(false);
    expect(orders.get(added!)).toMatchObject({ odid: "OD-NEW", totalAmount: 7 });
    await expectBackupEqualsPrimary(d);
    // The deleted order's last version is closed, not erased: older restore points keep it.
    const history = await d.backup.t.run((ctx) =>
      ctx.db.query("versions").filter((q) => q.eq(q.field("docId"), gone)).collect(),
    );
    expect(history.map((v) => [v.fromSeq, v.toSeq])).toEqual([[1, 2]]);
  });

  test("dryRun reads and diffs but writes nothing", async () => {
    const dry = await d.primary.t.action(internal.backup.runNow, { dryRun: true });
    expect(dry).toMatchObject({ status: "dryRun", runId: null });
    expect(dry.tables.map((t) => t.changed)).toEqual([30, 40, 60]);
    expect(await backupRowCounts(d)).toEqual({ runs: 0, versions: 0, contents: 0 });
    await d.primary.t.action(internal.backup.runNow, {});
    await d.primary.t.mutation(internal.shop.deleteDocuments, { users: [ids.users[1]!] });
    const before = await backupRowCounts(d);
    const dry2 = await d.primary.t.action(internal.backup.runNow, { dryRun: true });
    expect(dry2.tables.find((t) => t.table === "users")).toMatchObject({ changed: 0, deleted: 1 });
    expect(await backupRowCounts(d)).toEqual(before);
    expect((await currentBackup(d)).get("users")!.has(ids.users[1]!)).toBe(true);
  });

  test("tables: backs up only the named tables; an unknown table is refused", async () => {
    const summary = await d.primary.t.action(internal.backup.runNow, { tables: ["users"] });
    expect(summary.tables.map((t) => t.table)).toEqual(["users"]);
    expect([...(await currentBackup(d)).keys()]).toEqual(["users"]);
    await expect(d.primary.t.action(internal.backup.runNow, { tables: ["nope"] })).rejects.toThrow(
      /Unknown or excluded table\(s\): nope/,
    );
  });

  test("a run limited to some tables is still a whole restore point", async () => {
    await d.primary.t.action(internal.backup.runNow, {});
    await d.primary.t.mutation(internal.shop.updateUserProfile, { userId: ids.users[0]!, name: "Renamed" });
    const partial = await d.primary.t.action(internal.backup.runNow, { tables: ["users"] });
    expect(partial.tables.map((t) => [t.table, t.changed])).toEqual([["users", 1]]);
    const point = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: "latest", dryRun: true });
    expect(point.runId).toBe(partial.runId);
    expect(point.tables.map((t) => [t.table, t.documents])).toEqual([
      ["users", 30],
      ["products", 40],
      ["orders", 60],
    ]);
  });

  test("a whole-range replace (sent when a diff is skipped or tags collide) leaves exactly the primary's page", async () => {
    await d.primary.t.action(internal.backup.runNow, {});
    // The primary's users page as the action reads it, minus two documents and with one changed.
    const page = await d.primary.t.query(internal.backup.readPage, { table: "users", cursor: null });
    const kept = page.entries.slice(2);
    const changedJson = kept[0]!.json.replace('"name":"User', '"name":"Renamed User');
    kept[0] = { ...kept[0]!, json: changedJson, hash: await sha256(changedJson) };
    const client = new ConvexHttpClient(d.backup.server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
    const holder = "replace-test";
    const begun = (await client.mutation(makeFunctionReference<"mutation">("runs:beginRun"), {
      secret: d.secret, holder, leaseMs: 60_000, tables: ["users"], source: PRIMARY_CLOUD_URL,
    })) as { runId: string };
    const result = await client.mutation(makeFunctionReference<"mutation">("sync:applyRange"), {
      secret: d.secret, runId: begun.runId, holder, batchId: "b1", table: "users",
      range: { after: null, upTo: null }, digest: await rangeDigest(kept.map((e) => e.hash)),
      upserts: kept, deletedIdTags: [], replace: true,
    });
    expect(result).toMatchObject({ changed: 1, deleted: 2 });
    const users = (await currentBackup(d)).get("users")!;
    expect([...users.keys()].sort()).toEqual(kept.map((e) => e.id).sort());
    expect(users.get(kept[0]!.id)!.name).toMatch(/^Renamed User/);
  });

  test("a document at Convex's 1 MiB limit is backed up whole", async () => {
    // ~1 MiB of product: the largest document the primary can hold.
    const big = "x".repeat(1024 * 1024 - 700);
    const [productId] = await d.primary.t.mutation(internal.shop.insertProducts, {
      docs: [{ name: "big", description: big, price: 1, category: "c", images: [], stock: 1n, sizes: [], colors: [] }],
    });
    await d.primary.t.action(internal.backup.runNow, {});
    const stored = (await currentBackup(d)).get("products")!.get(productId!)!;
    expect(stored.description).toBe(big);
    const chunks = await d.backup.t.run((ctx) =>
      ctx.db.query("contents").filter((q) => q.eq(q.field("docId"), productId!)).collect(),
    );
    expect(chunks.length).toBeGreaterThan(1);
  });
});
