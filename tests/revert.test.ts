// Undoing a bad write in place (issue 13 part 2): documents put back as a
// restore point held them, same ids, through the app's revertDocuments
// mutation (what `convex-hourly-backup revert` runs), keeping what the backup
// never holds (a changed password hash, a rotated session token).
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Doc } from "../convex/_generated/dataModel";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { RestoreSource } from "../packages/convex-hourly-backup/src/cli/restore/restoreSource";
import { cli, FakeNpx, noStack } from "./support/cliRun";
import { revertCalls } from "../packages/convex-hourly-backup/src/cli/commands/revert";
import type { RevertReport } from "../packages/convex-hourly-backup/src/app/functions/revertDocuments";
import { writeAsApp } from "./support/appWrites";

let d: Deployments;
let ids: ShopIds;
beforeEach(async () => {
  d = await startDeployments();
  ids = await seedShop(d.primary, { users: 4, products: 4, orders: 4 });
  expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
});
afterEach(async () => {
  await d.close();
});

/** The documents of `table` as run `seq` held them, as the backup returns them to the restore secret. */
async function atRun(seq: number, table: string, docIds: string[]): Promise<string[]> {
  const source = new RestoreSource({ url: d.backup.server.url, secret: d.restoreSecret });
  const read = await source.readDocuments({ seq, table, ids: docIds });
  expect(read.missing).toEqual([]);
  return read.documents;
}

const get = <T extends "users" | "orders">(table: T, id: string) =>
  d.primary.t.run((ctx) => ctx.db.get(table, id as never)) as Promise<Doc<T> | null>;

describe("revertDocuments", () => {
  test("puts documents back as run 1 held them, in place, keeping what the backup never holds; the next run records it", async () => {
    const [userId, otherUserId] = [ids.users[0]!, ids.users[1]!];
    const [orderId, deletedOrderId, untouchedOrderId] = [ids.orders[0]!, ids.orders[1]!, ids.orders[2]!];
    const before = { user: (await get("users", userId))!, order: (await get("orders", orderId))! };

    // The bad write, and what users did meanwhile (a new session token).
    await d.primary.t.mutation(internal.shop.updateUserProfile, { userId, name: "Mallory", city: "Nowhere" });
    await d.primary.t.mutation(internal.shop.rotateSession, { userId, sessionToken: "live-session-token-after-the-point" });
    await d.primary.t.mutation(internal.shop.setOrderStatus, { orderId, status: "cancelled" });
    await d.primary.t.mutation(internal.shop.deleteDocuments, { orders: [deletedOrderId] });
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
    const liveUser = (await get("users", userId))!;

    const users = await atRun(1, "users", [userId, otherUserId]);
    const orders = await atRun(1, "orders", [orderId, deletedOrderId, untouchedOrderId]);

    // A dry run reports and writes nothing.
    const dry = await d.primary.t.mutation(internal.backup.revertDocuments, { table: "users", documents: users, dryRun: true });
    expect(dry.reverted).toEqual([{ id: userId, changedFields: ["city", "name", "updatedAt"], keptFields: ["passwordHash", "sessionToken"] }]);
    expect(await get("users", userId)).toEqual(liveUser);

    const userReport = await d.primary.t.mutation(internal.backup.revertDocuments, { table: "users", documents: users });
    expect(userReport).toEqual({
      reverted: [{ id: userId, changedFields: ["city", "name", "updatedAt"], keptFields: ["passwordHash", "sessionToken"] }],
      unchanged: [otherUserId],
      deleted: [],
      dryRun: false,
    });
    const orderReport = await d.primary.t.mutation(internal.backup.revertDocuments, { table: "orders", documents: orders });
    expect(orderReport.reverted.map((r) => [r.id, r.changedFields])).toEqual([[orderId, ["status", "updatedAt"]]]);
    expect(orderReport.unchanged).toEqual([untouchedOrderId]);
    expect(orderReport.deleted).toEqual([deletedOrderId]);

    // Same ids, run 1's values, the live secrets kept.
    const user = (await get("users", userId))!;
    expect(user).toEqual({ ...before.user, passwordHash: liveUser.passwordHash, sessionToken: "live-session-token-after-the-point" });
    expect(await get("orders", orderId)).toEqual(before.order);
    expect(await get("orders", deletedOrderId)).toBeNull();

    // Written through the change log: the next hourly run records it, and the backup equals the primary.
    const next = await d.primary.t.action(internal.backup.runNow, {});
    expect(next.mode).toBe("log");
    expect(next.tables.find((t) => t.table === "users")).toMatchObject({ changed: 1 });
    expect(next.tables.find((t) => t.table === "orders")).toMatchObject({ changed: 1 });
    expect((await d.primary.t.action(internal.backup.verify, {})).ok).toBe(true);
  });

  test("a field whose copy at the point had a secret masked keeps its live value, never the mask", async () => {
    const productId = ids.products[0]!;
    // Run 1 held this product's attributes with a secret inside text, masked as [redacted].
    await writeAsApp(d, (db) => db.patch("products", productId as never, { attributes: { note: "key sk_live_0123456789abcdefghijklmn" }, price: 1 }));
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
    const run2 = await atRun(2, "products", [productId]);
    expect(run2[0]).toContain("[redacted]");
    // Later the secret is gone from the live text, and the price changed.
    await writeAsApp(d, (db) => db.patch("products", productId as never, { attributes: { note: "no secret any more" }, price: 2 }));
    const report = await d.primary.t.mutation(internal.backup.revertDocuments, { table: "products", documents: run2 });
    expect(report.reverted).toEqual([{ id: productId, changedFields: ["price"], keptFields: ["attributes"] }]);
    const product = (await d.primary.t.run((ctx) => ctx.db.get("products", productId)))!;
    expect(product.price).toBe(1);
    expect(product.attributes).toEqual({ note: "no secret any more" });
  });

  test("a call whose live documents are large stops inside a mutation's 16 MiB and leaves the rest; the CLI's calls revert them all", async () => {
    // 24 users at the point; then each gets an address of 750 KB: 18 MB to read in one call.
    const template = (await get("users", ids.users[0]!))!;
    await writeAsApp(d, async (db) => {
      const { _id, _creationTime, ...fields } = template;
      for (let i = 0; i < 20; i++) await db.insert("users", { ...fields, email: `extra${i}@example.com` });
    });
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
    const userIds = (await d.primary.t.run((ctx) => ctx.db.query("users").collect())).map((u) => u._id);
    expect(userIds).toHaveLength(24);
    const before = await d.primary.t.run((ctx) => ctx.db.query("users").collect());
    for (const id of userIds) await writeAsApp(d, (db) => db.patch("users", id as never, { address: "x".repeat(750_000) }));
    const documents = await atRun(2, "users", userIds);

    d.primary.io.reset();
    const reports: RevertReport[] = [];
    for await (const report of revertCalls(documents, (docs) => d.primary.t.mutation(internal.backup.revertDocuments, { table: "users", documents: docs }))) {
      reports.push(report);
    }
    expect(reports.length).toBeGreaterThan(1);
    expect(reports[0]!.remaining).toBeGreaterThan(0);
    const largest = d.primary.io.largest;
    expect(largest.read!.amount).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(largest.write!.amount).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(reports.flatMap((r) => r.reverted.map((x) => x.id)).sort()).toEqual([...userIds].sort());
    expect(await d.primary.t.run((ctx) => ctx.db.query("users").collect())).toEqual(before);
  }, 60_000);

  test("a document of another table, or not a document, is refused and nothing is written", async () => {
    const [userId] = [ids.users[0]!];
    await d.primary.t.mutation(internal.shop.updateUserProfile, { userId, name: "Mallory" });
    const users = await atRun(1, "users", [userId]);
    const orders = await atRun(1, "orders", [ids.orders[0]!]);
    await expect(
      d.primary.t.mutation(internal.backup.revertDocuments, { table: "users", documents: [...users, ...orders] }),
    ).rejects.toThrow(/not a document of users/);
    await expect(d.primary.t.mutation(internal.backup.revertDocuments, { table: "users", documents: ["{not json"] })).rejects.toThrow(/not JSON/);
    await expect(d.primary.t.mutation(internal.backup.revertDocuments, { table: "backupChanges", documents: [] })).rejects.toThrow(
      /not a table the backup covers/,
    );
    // All or nothing: the first, valid, document was not reverted either.
    expect((await get("users", userId))!.name).toBe("Mallory");
  });
});

describe("convex-hourly-backup revert", () => {
  const npx = new FakeNpx();
  afterEach(() => npx.remove());
  const connection = () => ["--url", d.backup.server.url, "--secret", d.restoreSecret];

  test("reads the documents as the point held them and runs the app's revertDocuments with them; the call reverts the bad write", async () => {
    const [orderId, deletedOrderId] = [ids.orders[0]!, ids.orders[1]!];
    const before = (await get("orders", orderId))!;
    await d.primary.t.mutation(internal.shop.setOrderStatus, { orderId, status: "cancelled" });
    await d.primary.t.mutation(internal.shop.deleteDocuments, { orders: [deletedOrderId] });
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");

    // `npx convex run` stands in for the app's deployment: it records its arguments and answers as the mutation would.
    npx.install(JSON.stringify({ reverted: [{ id: orderId, changedFields: ["status", "updatedAt"], keptFields: [] }], unchanged: [], deleted: [deletedOrderId], dryRun: false }));
    const result = await cli(["revert", "--table", "orders", "--ids", `${orderId},${deletedOrderId}`, "--run", "1", "--prod", ...connection()], { path: npx.path() });
    const [convex, command, fn, json, prod] = npx.args();
    expect([convex, command, fn, prod]).toEqual(["convex", "run", "backup:revertDocuments", "--prod"]);
    const args = JSON.parse(json!) as { table: string; documents: string[]; dryRun: boolean };
    expect(args.table).toBe("orders");
    expect(args.dryRun).toBe(false);
    // Those arguments, given to the app's mutation, undo the bad write (the deleted order stays deleted).
    const report = await d.primary.t.mutation(internal.backup.revertDocuments, args);
    expect(report.reverted.map((r) => r.id)).toEqual([orderId]);
    expect(report.deleted).toEqual([deletedOrderId]);
    expect(await get("orders", orderId)).toEqual(before);

    expect(result.stdout).toContain(`orders as of run 1:\n  ${orderId}: reverted status, updatedAt\n  ${deletedOrderId}: deleted since: not recreated`);
    expect(result.code).toBe(1); // a document could not be reverted
    expect(result.stdout + result.stderr).not.toContain(d.restoreSecret);
    noStack(result);
  }, 60_000);

  test("an id the point did not hold, or a missing restore point, reverts nothing: exit 1, no npx call", async () => {
    npx.install("{}");
    const unknown = await cli(["revert", "--table", "orders", "--ids", ids.users[0]!, "--run", "1", ...connection()], { path: npx.path() });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/orders held no document with id .* at run 1, so nothing was reverted/);
    expect(() => npx.args()).toThrow(); // npx never ran
    const usage = await cli(["revert", "--table", "orders", "--ids", "a"], { path: npx.path() });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--run or --label/);
    noStack(unknown);
  }, 60_000);
});
