// What a reconciliation scan moves from the primary's queries into the backup
// action: each page as keys and hashes while it waits for the backup's diff,
// then the JSON of only the documents that differ (backup:readDocs), so the
// action holds no more for a large table than for a small one. A first run,
// which sends every page whole, reads each page once, with its JSON.
//
// The action's runQuery is wrapped to see what crosses: runNow's own handler
// runs in an inline action whose ctx.runQuery records each result.
import { fileURLToPath } from "node:url";
import { getFunctionName, makeFunctionReference, type GenericActionCtx, type GenericDataModel } from "convex/server";
import { convexToJson, type Value } from "convex/values";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { runNow } from "../convex/backup";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import type { RunSummary } from "../packages/convex-hourly-backup/src/app/runBackup";
import { expectRestoreEquals, snapshotPrimary } from "./support/pointInTime";

// 3 pages of 1,000 orders, one of users, one of products.
const SIZE = { users: 500, products: 500, orders: 3_000 };
const TABLES = ["users", "products", "orders"];

let d: Deployments;
let ids: ShopIds;
beforeEach(async () => {
  d = await startDeployments();
  ids = await seedShop(d.primary, SIZE);
});
afterEach(async () => {
  await d.close();
});

type ActionCtx = GenericActionCtx<GenericDataModel>;
type Handler = (ctx: ActionCtx, args: { reconcile?: boolean }) => Promise<RunSummary>;
const runNowHandler = (runNow as unknown as { _handler: Handler })._handler;

/** What crossed from the primary's queries into the action during one run. */
type Crossed = {
  /** Bytes of every query result, as JSON. */
  bytes: number;
  /** Documents whose JSON came with a result, by id (a document read twice counts twice). */
  jsonDocs: string[];
  /** readPage results that carried JSON, by table. */
  jsonPages: Map<string, number>;
};

type Entry = { id: string; json?: string };

/**
 * backup:runNow, with every query result the action receives recorded.
 * `beforeReadDocs` runs before each backup:readDocs call, with its ids.
 */
async function recordedRun(args: { reconcile?: boolean }, beforeReadDocs?: (table: string, ids: string[]) => Promise<void>) {
  const crossed: Crossed = { bytes: 0, jsonDocs: [], jsonPages: new Map() };
  const summary = await d.primary.t.action(async (ctx) => {
    const runQuery: ActionCtx["runQuery"] = async (ref, queryArgs) => {
      const name = getFunctionName(ref);
      const a = (queryArgs ?? {}) as { table?: string; ids?: string[] };
      if (name.endsWith(":readDocs") && beforeReadDocs !== undefined) await beforeReadDocs(a.table!, a.ids!);
      const result: unknown = await ctx.runQuery(ref, queryArgs);
      crossed.bytes += JSON.stringify(convexToJson(result as Value)).length;
      const withJson = (entries: (Entry | null)[] | undefined) => (entries ?? []).filter((e): e is Entry & { json: string } => typeof e?.json === "string");
      if (name.endsWith(":readPage")) {
        const docs = withJson((result as { entries: Entry[] }).entries);
        crossed.jsonDocs.push(...docs.map((e) => e.id));
        if (docs.length > 0) crossed.jsonPages.set(a.table!, (crossed.jsonPages.get(a.table!) ?? 0) + 1);
      }
      if (name.endsWith(":readDocs")) crossed.jsonDocs.push(...withJson((result as { docs: (Entry | null)[] }).docs).map((e) => e.id));
      return result as never;
    };
    return await runNowHandler({ ...ctx, runQuery }, args);
  });
  expect(summary.status).toBe("completed");
  return { summary, crossed };
}

/** The JSON of every document of these tables, as a page read with it carries it. */
async function wholeTablesBytes(): Promise<number> {
  let bytes = 0;
  for (const table of TABLES) {
    let cursor: string | null = null;
    for (;;) {
      const page: { isDone: boolean; continueCursor: string } = await d.primary.t.query(internal.backup.readPage, { table, cursor });
      bytes += JSON.stringify(convexToJson(page)).length;
      if (page.isDone) break;
      cursor = page.continueCursor;
    }
  }
  return bytes;
}

const counts = (summary: RunSummary, table: string) => summary.tables.find((t) => t.table === table)!;

test("a first run reads each document once, with its JSON; a reconciliation then reads the JSON of the changed documents only", async () => {
  const first = await recordedRun({});
  // Every page sent whole: no document read twice.
  expect(first.crossed.jsonDocs.length).toBe(SIZE.users + SIZE.products + SIZE.orders);
  expect(new Set(first.crossed.jsonDocs).size).toBe(first.crossed.jsonDocs.length);

  // Written behind the log's back: found only by comparing every page.
  const changed = [ids.orders[10]!, ids.orders[1_010]!, ids.orders[2_990]!];
  await d.primary.t.run(async (ctx) => {
    for (const id of changed) await ctx.db.patch("orders", id, { status: "cancelled" });
    await ctx.db.patch("users", ids.users[7]!, { city: "Elsewhere" });
    await ctx.db.delete("orders", ids.orders[1_500]!);
  });
  const whole = await wholeTablesBytes();
  d.primary.io.reset();
  const { summary, crossed } = await recordedRun({ reconcile: true });
  expect(counts(summary, "orders")).toMatchObject({ scanned: SIZE.orders - 1, changed: 3, deleted: 1 });
  expect(counts(summary, "users")).toMatchObject({ scanned: SIZE.users, changed: 1, deleted: 0 });
  expect(counts(summary, "products")).toMatchObject({ scanned: SIZE.products, changed: 0, deleted: 0 });
  // The JSON that reached the action is that of the four changed documents, nothing else.
  expect(crossed.jsonDocs.sort()).toEqual([...changed, ids.users[7]!].sort());
  expect(crossed.jsonPages.size).toBe(0);
  // Keys and hashes of 4,000 documents are a fraction of their JSON.
  console.log(`[scanReads] reconciliation: ${crossed.bytes} bytes of query results into the action; the tables' pages with JSON: ${whole}`);
  expect(crossed.bytes).toBeLessThan(whole / 2);
  // The primary read the changed documents again, and only those.
  expect(d.primary.io.calls["backup:readDocs"]?.docsRead).toBe(4);
  await expectRestoreEquals(d, "latest", await snapshotPrimary(d, TABLES));
}, 120_000);

test("a document written or deleted between its page's read and its own: the page's range is read again whole", async () => {
  await recordedRun({});
  await d.primary.t.run(async (ctx) => {
    for (const i of [5, 1_005, 2_005]) await ctx.db.patch("orders", ids.orders[i]!, { status: "cancelled" });
  });
  // Before the JSON of a changed order is read: the first asked for changes again, the second goes.
  let calls = 0;
  const { summary, crossed } = await recordedRun({ reconcile: true }, async (table, requested) => {
    if (table !== "orders") return;
    calls += 1;
    const id = requested[0]! as (typeof ids.orders)[number];
    if (calls === 1) await d.primary.t.run((ctx) => ctx.db.patch("orders", id, { status: "delivered" }));
    if (calls === 2) await d.primary.t.run((ctx) => ctx.db.delete("orders", id));
  });
  expect(calls).toBe(3);
  // Those two pages were read again with their JSON; the third page's change came by id.
  expect(crossed.jsonPages.get("orders")).toBe(2);
  expect(counts(summary, "orders")).toMatchObject({ changed: 2, deleted: 1 });
  await expectRestoreEquals(d, "latest", await snapshotPrimary(d, TABLES));
}, 120_000);

test("an app whose convex/backup.ts does not export readDocs yet (upgraded from 0.2.0): a reconciliation still completes, and says what to add", async () => {
  const fixture = fileURLToPath(new URL("./fixtures/noReadDocs", import.meta.url));
  const old = await startDeployments({ primaryDir: fixture });
  try {
    const shop = await seedShop(old.primary, { users: 20, products: 20, orders: 1_200 });
    const runNowRef = makeFunctionReference<"action", { reconcile?: boolean }, RunSummary>("backup:runNow");
    expect((await old.primary.t.action(runNowRef, {})).status).toBe("completed");
    await old.primary.t.run((ctx) => ctx.db.patch("orders", shop.orders[1_100]!, { status: "cancelled" }));
    const warnings: string[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(line));
    const reconciled = await old.primary.t.action(runNowRef, { reconcile: true }).finally(() => warn.mockRestore());
    expect(reconciled.status).toBe("completed");
    expect(reconciled.tables.find((t) => t.table === "orders")).toMatchObject({ changed: 1, documents: 1_200 });
    expect(warnings.filter((line) => line.includes("readDocs is not exported"))).toHaveLength(1);
    expect((await old.primary.t.action(makeFunctionReference<"action", Record<string, never>, { ok: boolean }>("backup:verify"), {})).ok).toBe(true);
  } finally {
    await old.close();
  }
}, 120_000);
