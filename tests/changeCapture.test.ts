// Change capture: the app's wrapped mutations note what they wrote, hourly
// runs read only that, and a reconciliation scan finds what the log could
// not see. Each case ends with the restore points equal to the primary.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ESLint } from "eslint";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { changeShop, seedShop, type ShopIds } from "../harness/shopData";
import { CHANGE_LOG_TABLE } from "../packages/convex-hourly-backup/src/app/changeLog/schema";
import { chooseLogState } from "../packages/convex-hourly-backup/src/app/runMode";
import { expectRestoreEquals, runIdOf, snapshotPrimary } from "./support/pointInTime";

const SHOP = ["users", "products", "orders"];
const SIZE = { users: 40, products: 60, orders: 100 };
// A change-log run also compares a slice of each table: floor(documents / verifyEveryHours (24)) + 1 documents each.
// A verification slice is ceil(n / 24) documents rounded up to whole pages (1,000 documents):
// each of these tables is under a page, so the first change-log run after the scan compares it whole.
const SLICE = Object.values(SIZE).reduce((sum, n) => sum + n, 0);

let d: Deployments;
let ids: ShopIds;
beforeEach(async () => {
  d = await startDeployments();
  ids = await seedShop(d.primary, SIZE);
});
afterEach(async () => {
  vi.useRealTimers();
  await d.close();
});

const runNow = (args: { reconcile?: boolean } = {}) => d.primary.t.action(internal.backup.runNow, args);
const logRows = () => d.primary.t.run(async (ctx) => (await ctx.db.query(CHANGE_LOG_TABLE).collect()).length);
const total = (summary: { tables: { scanned: number }[] }) => summary.tables.reduce((sum, t) => sum + t.scanned, 0);

describe("the wrapped builders", () => {
  test("a mutation costs one small log row and no extra read", async () => {
    await runNow();
    d.primary.io.reset();
    await d.primary.t.mutation(internal.shop.setOrderStatus, { orderId: ids.orders[0]!, status: "shipped" });
    // The patch reads its document (Convex does, wrapped or not) and writes it; the log adds one row.
    expect(d.primary.io).toMatchObject({ docsRead: 1, docsWritten: 2 });
    expect(await logRows()).toBe(1);
    // A bulk insert of 500 documents: one row for all of them.
    d.primary.io.reset();
    await d.primary.t.mutation(internal.shop.insertProducts, {
      docs: Array.from({ length: 500 }, (_, i) => ({ name: `p${i}`, description: "", price: 1, category: "c", images: [], stock: 1n, sizes: [], colors: [] })),
    });
    expect(d.primary.io).toMatchObject({ docsRead: 0, docsWritten: 501 });
    expect(await logRows()).toBe(2);
  });

  test("a patch that only sets fields the backup omits (a rotated session token) writes no log row", async () => {
    await runNow();
    const before = await logRows();
    // users.sessionToken is in OMITTED_FIELDS, which convex/functions.ts gives withChangeCapture.
    await d.primary.t.mutation(internal.shop.rotateSession, { userId: ids.users[0]!, sessionToken: "f".repeat(64) });
    expect(await logRows()).toBe(before);
    // A field the backup keeps is logged as before.
    await d.primary.t.mutation(internal.shop.updateUserProfile, { userId: ids.users[0]!, city: "Lyon" });
    expect(await logRows()).toBe(before + 1);
    const run = await runNow();
    expect(run.tables.find((t) => t.table === "users")).toMatchObject({ scanned: 1, changed: 1 });
    await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
  });

  test("app code cannot import the raw builders (eslint)", async () => {
    const eslint = new ESLint();
    const code = 'import { mutation } from "./_generated/server";\nexport const m = mutation({ args: {}, returns: null, handler: async () => null });\n';
    // Linted as if it were convex/shop.ts (the file must belong to the TypeScript project).
    const [result] = await eslint.lintText(code, { filePath: "convex/shop.ts" });
    expect(result!.messages.map((m) => m.ruleId)).toContain("no-restricted-imports");
    expect(result!.messages[0]!.message).toMatch(/convex\/functions\.ts/);
  }, 60_000);
});

describe("runs driven by the change log", () => {
  test("an hour's changes cost reads of what changed, and the restore point equals a full scan's", async () => {
    const first = await runNow();
    expect(first).toMatchObject({ mode: "scan", reason: "first run" });
    expect(await logRows()).toBe(0);
    const firstPoint = await snapshotPrimary(d, SHOP);

    const change = await changeShop(d.primary, ids, { fraction: 0.05, deletes: 3, inserts: 4 });
    const rows = await logRows();
    d.primary.io.reset();
    d.backup.io.reset();
    const second = await runNow();
    expect(second).toMatchObject({ status: "completed", mode: "log" });
    // Read from the primary: what the log named (updates, rotated sessions, deletes, inserts), not 200 documents.
    const named = change.updated + change.sessionRotations + change.deleted + change.inserted;
    expect(total(second)).toBeLessThanOrEqual(named);
    // The primary reads each log row (and again to delete it), each named document and the verification's slice; a scan reads all 200.
    expect(d.primary.io.docsRead).toBeLessThanOrEqual(named + 2 * rows + SLICE);
    // The backup reads the open version of each (and again to close it), a few range digests and run records,
    // and the versions in each slice's range (new to the backup: read once, its digest stored).
    expect(d.backup.io.docsRead).toBeLessThan(4 * named + 2 * SLICE);
    const orders = second.tables.find((t) => t.table === "orders")!;
    expect(orders).toMatchObject({ deleted: 3, documents: SIZE.orders + 4 - 3 });
    // Drained rows are gone once the backup acknowledged them.
    expect(await logRows()).toBe(0);

    await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
    await expectRestoreEquals(d, await runIdOf(d, 1), firstPoint);
    // A full comparison agrees: nothing the log-driven run left out.
    expect((await d.primary.t.action(internal.backup.verify, {})).ok).toBe(true);
    const reconciled = await runNow({ reconcile: true });
    expect(reconciled).toMatchObject({ mode: "scan", reason: "asked" });
    expect(reconciled.tables.map((t) => t.missedByLog)).toEqual([0, 0, 0]);
  });

  test("an hour of many small mutations reaches the backup in one page: one read, one batch per table", async () => {
    await runNow();
    // Every document updated, each by its own mutation, plus a delete and an insert: 200 log rows (rotated sessions are not logged).
    const change = await changeShop(d.primary, ids, { fraction: 1, deletes: 2, inserts: 2 });
    expect(await logRows()).toBe(200);
    d.primary.io.reset();
    d.backup.io.reset();
    const run = await runNow();
    expect(run).toMatchObject({ status: "completed", mode: "log" });
    expect(total(run)).toBe(change.updated + change.deleted + change.inserted);
    expect(d.primary.io.calls["backup:readChanges"]?.calls).toBe(1);
    expect(d.primary.io.calls["backup:deleteRows"]?.calls).toBe(1);
    expect(d.backup.io.calls["sync:applyChanges"]?.calls).toBe(SHOP.length);
    expect(await logRows()).toBe(0);
    await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
  });

  test("mutations writing 10,000 documents: the drain reads each of their log rows about once", async () => {
    await runNow();
    const product = (i: number) => ({ name: `bulk${i}`, description: "", price: i, category: "c", images: [], stock: 1n, sizes: [], colors: [] });
    for (const from of [0, 5_000]) {
      await d.primary.t.mutation(internal.shop.insertProducts, { docs: Array.from({ length: 5_000 }, (_, i) => product(from + i)) });
    }
    // One log row per mutation (up to 8,192 ids a row): 2 rows, drained in pages of 2,000 documents.
    expect(await logRows()).toBe(2);
    d.primary.io.reset();
    const run = await runNow();
    expect(run.tables.find((t) => t.table === "products")).toMatchObject({ changed: 10_000, documents: SIZE.products + 10_000 });
    const readChanges = d.primary.io.calls["backup:readChanges"]!;
    // 5 full pages (a sixth call may find the end).
    expect(readChanges.calls).toBeLessThanOrEqual(6);
    // 10,000 documents, then each row once and a page's starting row again: not every later row on every page.
    expect(readChanges.docsRead - 10_000).toBeLessThanOrEqual(2 + readChanges.calls);
    expect(await logRows()).toBe(0);
    await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
  }, 120_000);

  test("an idle hour reads nothing from the tables but its verification slice", async () => {
    await runNow();
    d.primary.io.reset();
    d.backup.io.reset();
    const idle = await runNow();
    expect(idle).toMatchObject({ mode: "log" });
    expect(idle.tables.every((t) => t.scanned === 0 && t.changed === 0 && t.missedByLog === 0)).toBe(true);
    expect(idle.tables.map((t) => t.verified)).toEqual([SIZE.users, SIZE.products, SIZE.orders]);
    expect(d.primary.io.docsRead).toBe(SLICE);
    // Its pages are the scan's: the backup compares each with the digest it stored, reading no version.
    expect(d.backup.io.calls["sync:diffRange"]!.docsRead).toBeLessThanOrEqual(2 * SHOP.length);
    // The pass reached every table's end: the next hour (none due for 24 hours) reads no document.
    d.primary.io.reset();
    const quiet = await runNow();
    expect(quiet.tables.map((t) => t.verified)).toEqual([0, 0, 0]);
    expect(d.primary.io.docsRead).toBe(0);
  });

  test("a write the log cannot see is found by the reconciliation, reported, and backed up", async () => {
    await runNow();
    // The first change-log run compares every table whole (each under a page); the next is not due for a day.
    await runNow();
    // A dashboard edit, an import or an unwrapped mutation: no log row.
    await d.primary.t.run((ctx) => ctx.db.patch("products", ids.products[5]!, { price: 999 }));
    const logRun = await runNow();
    expect(logRun.tables.every((t) => t.changed === 0)).toBe(true);
    expect((await d.primary.t.action(internal.backup.verify, {})).ok).toBe(false);

    const warnings: string[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(line));
    // While the scan compares users, the app writes products and orders through its wrapped
    // mutations: the scan reads those writes too, but the log names them (no miss).
    let injected = false;
    d.backup.server.onRequest = async (path) => {
      if (injected || path !== "sync:diffRange") return;
      injected = true;
      await d.primary.t.mutation(internal.shop.setProductPrice, { productId: ids.products[7]!, price: 7 });
      await d.primary.t.mutation(internal.shop.setOrderStatus, { orderId: ids.orders[3]!, status: "delivered" });
    };
    const reconciled = await runNow({ reconcile: true });
    d.backup.server.onRequest = undefined;
    warn.mockRestore();
    expect(injected).toBe(true);
    expect(reconciled.tables.find((t) => t.table === "products")).toMatchObject({ missedByLog: 1, changed: 2 });
    expect(reconciled.tables.find((t) => t.table === "orders")).toMatchObject({ missedByLog: 0, changed: 1 });
    expect(warnings.join("\n")).toMatch(/products: the reconciliation found 1 documents the change log had not delivered/);
    await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
  });

  // What a restore point records of a table after a crash: the restore refuses a point whose documents differ from its count.
  const recordedOrders = async () => (await d.backup.t.run((ctx) => ctx.db.query("runs").withIndex("by_seq").order("desc").first()))!.tables.find((t) => t.table === "orders")!.documents;

  test("a run that dies after the backup applied part of a page resumes, re-applies it without harm, and counts right", async () => {
    await runNow();
    await changeShop(d.primary, ids, { fraction: 0.1, deletes: 2, inserts: 5 });
    // The page's first batch is applied; every other one fails for good: the run dies, its log rows stay.
    d.backup.server.faults.add({ path: "sync:applyChanges", skip: 1, fault: { kind: "status", status: 503 }, times: Infinity });
    await expect(runNow()).rejects.toThrow(/HTTP 503/);
    expect(await logRows()).toBeGreaterThan(0);
    d.backup.server.faults.clear();
    const resumed = await runNow();
    expect(resumed).toMatchObject({ status: "completed", mode: "log" });
    expect(resumed.tables.find((t) => t.table === "orders")!.documents).toBe(SIZE.orders + 5 - 2);
    expect(await recordedOrders()).toBe(SIZE.orders + 5 - 2);
    expect(await logRows()).toBe(0);
    await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
  });

  test("a run that dies after dropping the log rows, before its cursor was saved, loses nothing and counts right", async () => {
    await runNow();
    await changeShop(d.primary, ids, { fraction: 0.1, deletes: 2, inserts: 5 });
    // Everything is applied and the rows are dropped; completing the run fails for good.
    d.backup.server.faults.add({ path: "runs:finishRun", fault: { kind: "status", status: 503 }, times: Infinity });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-25T10:00:00Z"));
    await expect(runNow()).rejects.toThrow(/HTTP 503/);
    expect(await logRows()).toBe(0);
    d.backup.server.faults.clear();
    // Once its lease expired, the run is resumed: it finds nothing left to read, yet records what the first attempt applied.
    vi.setSystemTime(new Date("2026-11-25T11:00:00Z"));
    const resumed = await runNow();
    expect(resumed).toMatchObject({ status: "completed", mode: "log" });
    expect(resumed.tables.every((t) => t.scanned === 0 && t.changed === 0)).toBe(true);
    expect(await recordedOrders()).toBe(SIZE.orders + 5 - 2);
    await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
    expect((await d.primary.t.action(internal.backup.verify, {})).ok).toBe(true);
  });

  test("a configuration change brings a reconciliation; a week passes without one (verification replaced the weekly scan)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-02T00:00:00Z"));
    await runNow();
    vi.setSystemTime(new Date("2026-11-03T00:00:00Z"));
    expect(await runNow()).toMatchObject({ mode: "log" });
    d.primary.env.BACKUP_EXCLUDED_TABLES = "orders";
    expect(await runNow()).toMatchObject({ mode: "scan", reason: "configuration changed" });
    vi.setSystemTime(new Date("2026-11-09T23:00:00Z"));
    expect(await runNow()).toMatchObject({ mode: "log" });
    vi.setSystemTime(new Date("2026-11-10T01:00:00Z"));
    expect(await runNow()).toMatchObject({ mode: "log" });
    await expectRestoreEquals(d, "latest", await snapshotPrimary(d, ["users", "products"]));
  });
});

test("without change capture every run is a scan", async () => {
  const log = await chooseLogState(
    { mode: "log", reason: "change log", cursor: { ts: 5n, part: 0, offset: 1 }, reconciledAt: 0, configHash: "h" },
    { changeCapture: false, configHash: "h", reconcileEveryMs: 1e12, asked: false, partial: false, now: 1 },
    () => Promise.resolve(null),
  );
  expect(log).toMatchObject({ mode: "scan", reason: "no change capture" });
});
