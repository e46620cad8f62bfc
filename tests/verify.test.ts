import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { changeShop, seedShop, type ShopIds } from "../harness/shopData";
import { documentTag, sha256 } from "../packages/convex-hourly-backup/src/shared/digest";

let d: Deployments;
let ids: ShopIds;
beforeEach(async () => {
  d = await startDeployments();
  ids = await seedShop(d.primary, { users: 8, products: 10, orders: 12 });
  await d.primary.t.action(internal.backup.runNow, {});
});
afterEach(async () => {
  await d.close();
});

const verify = (tables?: string[]) =>
  d.primary.t.action(internal.backup.verify, tables === undefined ? {} : { tables });

/** verify's per-table counts as [table, missing, extra, different, ok]. */
async function differences(tables?: string[]) {
  const report = await verify(tables);
  return { ok: report.ok, tables: report.tables.map((t) => [t.table, t.missing, t.extra, t.different, t.ok]) };
}

/** The backup's current version of one document of `table` (of `docId` when given). */
async function openVersion(table: string, docId?: string) {
  return d.backup.t.run(async (ctx) => {
    const versions = await ctx.db.query("versions").collect();
    return versions.find((row) => row.table === table && row.toSeq === null && (docId === undefined || row.docId === docId))!;
  });
}

describe("backup:verify", () => {
  test("an untouched backup verifies ok, table by table", async () => {
    const report = await verify();
    expect(report.ok).toBe(true);
    expect(report.tables.map((t) => [t.table, t.scanned, t.missing, t.extra, t.different, t.rangesDiffering, t.ok])).toEqual([
      ["users", 8, 0, 0, 0, 0, true],
      ["products", 10, 0, 0, 0, 0, true],
      ["orders", 12, 0, 0, 0, 0, true],
    ]);
  });

  test("catches a version whose content was replaced", async () => {
    const version = await openVersion("products");
    await d.backup.t.run(async (ctx) => {
      const hash = await sha256('{"tampered":true}');
      await ctx.db.patch("versions", version._id, { hash, tag: await documentTag(version.docId, hash) });
    });
    expect(await differences()).toEqual({
      ok: false,
      tables: [
        ["users", 0, 0, 0, true],
        ["products", 0, 0, 1, false],
        ["orders", 0, 0, 0, true],
      ],
    });
  });

  test("catches a deleted version", async () => {
    const version = await openVersion("users");
    await d.backup.t.run(async (ctx) => {
      for (const row of await ctx.db.query("contents").withIndex("by_version", (q) => q.eq("versionId", version._id)).collect()) {
        await ctx.db.delete("contents", row._id);
      }
      await ctx.db.delete("versions", version._id);
    });
    expect((await differences(["users"])).tables).toEqual([["users", 1, 0, 0, false]]);
  });

  test("catches a version the primary never had", async () => {
    const version = await openVersion("orders");
    await d.backup.t.run(async (ctx) => {
      const { _id, _creationTime, ...fields } = version;
      const docId = "fake-order-id";
      await ctx.db.insert("versions", { ...fields, docId, tag: await documentTag(docId, fields.hash) });
    });
    expect((await differences(["orders"])).tables).toEqual([["orders", 0, 1, 0, false]]);
  });

  test("catches a stored hash changed without its tag (no single document to blame)", async () => {
    const alterHash = async (version: Awaited<ReturnType<typeof openVersion>>) =>
      d.backup.t.run((ctx) => ctx.db.patch("versions", version._id, { hash: version.hash.replace(/^./, (c) => (c === "A" ? "B" : "A")) }));
    await alterHash(await openVersion("orders"));
    const report = await verify(["orders"]);
    expect(report.ok).toBe(false);
    expect(report.tables[0]).toMatchObject({ missing: 0, extra: 0, different: 0, rangesDiffering: 1, ok: false });
    // The primary did not change: the change log names nothing, and the run's rolling verification
    // compares the primary's pages with the digests the backup stored for them, which damage to a
    // version row does not touch (it finds what changed on the primary). A reconciliation asked
    // for by hand re-reads the backup's versions and repairs it.
    const run = await d.primary.t.action(internal.backup.runNow, {});
    expect(run.tables.find((t) => t.table === "orders")).toMatchObject({ scanned: 0, missedByLog: 0 });
    expect((await verify(["orders"])).ok).toBe(false);
    await d.primary.t.action(internal.backup.runNow, { reconcile: true });
    expect((await verify(["orders"])).ok).toBe(true);
  });

  test("reports what changed in the primary since the last run, and ok after the next run", async () => {
    await changeShop(d.primary, ids, { fraction: 0.25, deletes: 2, inserts: 3 });
    const report = await differences();
    expect(report.ok).toBe(false);
    // A quarter of each table updated: 2 users (token rotations are redacted,
    // hence invisible), 3 products, 3 orders shipped; 3 orders placed, 2 deleted.
    expect(report.tables).toEqual([
      ["users", 0, 0, 2, false],
      ["products", 0, 0, 3, false],
      ["orders", 3, 2, 3, false],
    ]);
    await d.primary.t.action(internal.backup.runNow, {});
    expect((await verify()).ok).toBe(true);
  });

  test("refuses an unknown table, naming the backed-up ones", async () => {
    await expect(verify(["nope"])).rejects.toThrow(/Unknown or excluded table\(s\): nope.*users, products, orders/);
  });
});
