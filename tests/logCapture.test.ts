// What the wrapped builders note, however the app's writes are made: nested
// mutations (ctx.runMutation runs in the caller's transaction, so every
// recorder in it stamps the same commit timestamp), the table-scoped
// ctx.db.table(name), and a mutation near Convex's 16,000-writes limit.
// Each case's next run delivers every noted document to the restore point.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { makeFunctionReference } from "convex/server";
import { startDeployments, type Deployments, type PrimaryDeployment } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import type { RunSummary } from "../packages/convex-hourly-backup/src/app/runReport";
import { CHANGE_LOG_TABLE } from "../packages/convex-hourly-backup/src/app/changeLog/schema";
import type { Plan } from "./fixtures/captureApp/writes";
import { currentBackup } from "./support/backupContents";
import type { LogCursor } from "../packages/convex-hourly-backup/src/shared/protocol";
import type { vChangesPage } from "../packages/convex-hourly-backup/src/app/functions/changeLog";
import type { Infer } from "convex/values";

const APP = fileURLToPath(new URL("./fixtures/captureApp", import.meta.url));
const runNowRef = makeFunctionReference<"action", { reconcile?: boolean }, RunSummary>("backup:runNow");
const wrappedPlan = makeFunctionReference<"mutation", Plan, null>("writes:wrappedPlan");
type ChangesPage = Infer<typeof vChangesPage>;
const readChangesRef = makeFunctionReference<"query", { after: LogCursor | null; tables: string[] }, ChangesPage>("backup:readChanges");
const dropChangesRef = makeFunctionReference<"mutation", { through: LogCursor }, { deleted: number; done: boolean }>("backup:dropChanges");
const rawPlan = makeFunctionReference<"mutation", Plan, null>("writes:rawPlan");

let d: Deployments;
let ids: ShopIds;
beforeEach(async () => {
  d = (await startDeployments({ primaryDir: APP })) as unknown as Deployments;
  ids = await seedShop(d.primary as PrimaryDeployment, { users: 2, products: 12, orders: 0 });
});
afterEach(async () => {
  await d.close();
});

const runNow = () => d.primary.t.action(runNowRef, {});
const logRows = () => d.primary.t.run(async (ctx) => ctx.db.query(CHANGE_LOG_TABLE).collect());
/** Each product's price as the backup's current version holds it. */
async function backedUpPrices(): Promise<Map<string, unknown>> {
  const products = (await currentBackup(d)).get("products") ?? new Map();
  return new Map([...products].map(([id, doc]) => [id, doc.price]));
}
/** Products from..to (by seed order) set to `price`; the ids are filled in when the test runs. */
const set = (from: number, to: number, price: number) =>
  Array.from({ length: to - from }, (_, i) => ({ id: String(from + i), price }));
const resolve = (plan: Plan): Plan => ({
  prices: plan.prices.map(({ id, price }) => ({ id: ids.products[Number(id)]!, price })),
  ...(plan.then === undefined ? {} : { then: plan.then.map(({ via, plan }) => ({ via, plan: resolve(plan) })) }),
});

describe("nested mutations (one transaction, one commit timestamp, several recorders)", () => {
  const cases: { name: string; top: "wrapped" | "raw"; plan: Plan; expected: [number, number, number][] }[] = [
    {
      name: "wrapped -> wrapped, different documents",
      top: "wrapped",
      plan: { prices: set(0, 2, 1), then: [{ via: "wrapped", plan: { prices: set(2, 5, 2) } }, { via: "wrapped", plan: { prices: set(5, 8, 3) } }] },
      expected: [[0, 2, 1], [2, 5, 2], [5, 8, 3]],
    },
    {
      name: "wrapped -> wrapped, the same documents",
      top: "wrapped",
      plan: { prices: set(0, 4, 1), then: [{ via: "wrapped", plan: { prices: set(0, 4, 7) } }] },
      expected: [[0, 4, 7]],
    },
    {
      name: "wrapped -> raw -> wrapped",
      top: "wrapped",
      plan: { prices: set(0, 3, 1), then: [{ via: "raw", plan: { prices: [], then: [{ via: "wrapped", plan: { prices: set(3, 8, 4) } }] } }] },
      expected: [[0, 3, 1], [3, 8, 4]],
    },
    {
      name: "raw -> wrapped, twice",
      top: "raw",
      plan: { prices: [], then: [{ via: "wrapped", plan: { prices: set(0, 4, 5) } }, { via: "wrapped", plan: { prices: set(4, 8, 6) } }] },
      expected: [[0, 4, 5], [4, 8, 6]],
    },
    {
      name: "wrapped -> wrapped -> wrapped, the same and different documents",
      top: "wrapped",
      plan: {
        prices: set(0, 2, 1),
        then: [{ via: "wrapped", plan: { prices: set(1, 4, 2), then: [{ via: "wrapped", plan: { prices: set(3, 8, 3) } }] } }],
      },
      expected: [[0, 1, 1], [1, 3, 2], [3, 8, 3]],
    },
  ];
  for (const { name, top, plan, expected } of cases) {
    test(name, async () => {
      await runNow();
      await d.primary.t.mutation(top === "wrapped" ? wrappedPlan : rawPlan, resolve(plan));
      // Every recorder wrote its own row, all with the transaction's commit timestamp.
      const rows = await logRows();
      expect(new Set(rows.map((row) => row.ts)).size).toBe(1);
      const run = await runNow();
      expect(run).toMatchObject({ status: "completed", mode: "log" });
      const prices = await backedUpPrices();
      for (const [from, to, price] of expected) {
        for (const id of ids.products.slice(from, to)) expect(prices.get(id), `product ${ids.products.indexOf(id)}`).toBe(price);
      }
      const changed = new Set(expected.flatMap(([from, to]) => ids.products.slice(from, to))).size;
      expect(run.tables.find((t) => t.table === "products")).toMatchObject({ changed });
      expect(await logRows()).toHaveLength(0);
    });
  }
});

const tableWrites = makeFunctionReference<"mutation", { patch: string; replace: string; remove: string }, string>("writes:tableWrites");
const insertNotes = makeFunctionReference<"mutation", { count: number }, null>("writes:insertNotes");
/** The notes the backup's current versions hold: id -> n. */
async function backedUpNotes(): Promise<Map<string, unknown>> {
  const notes = (await currentBackup(d)).get("notes") ?? new Map();
  return new Map([...notes].map(([id, doc]) => [id, doc.n]));
}

test("writes through the table-scoped ctx.db.table(name) are noted like the others", async () => {
  const [a, b, c] = await d.primary.t.run(async (ctx) => Promise.all([1, 2, 3].map((n) => ctx.db.insert("notes" as never, { n } as never))));
  await runNow();
  const inserted = await d.primary.t.mutation(tableWrites, { patch: a!, replace: b!, remove: c! });
  expect((await logRows()).flatMap((row) => row.ids).sort()).toEqual([inserted, a, b, c].sort());
  const run = await runNow();
  expect(run.tables.find((t) => t.table === "notes")).toMatchObject({ changed: 3, deleted: 1, documents: 3 });
  expect(await backedUpNotes()).toEqual(new Map([[a, 100], [b, 200], [inserted, -1]]));
});

test("a wrapped mutation writing 15,998 documents commits (with its 2 log rows: Convex's 16,000 writes), and the log delivers every one", async () => {
  const seeded = (await logRows()).length;
  await d.primary.t.mutation(insertNotes, { count: 15_998 });
  expect((await logRows()).slice(seeded).map((row) => row.ids.length).sort()).toEqual([7_806, 8_192]);
  // One write more than Convex allows: refused, nothing written.
  await expect(d.primary.t.mutation(insertNotes, { count: 15_999 })).rejects.toThrow(/Wrote too many documents/);
  // What the next run reads, page by page, from the log's start (applying
  // 15,998 documents to the backup costs the mock 15 s; tests/changeCapture.test.ts applies 10,000).
  const delivered = new Set<string>();
  let after: LogCursor | null = null;
  for (let calls = 1; ; calls++) {
    const page: ChangesPage = await d.primary.t.query(readChangesRef, { after, tables: ["notes"] });
    for (const entry of page.tables.find((t) => t.table === "notes")?.upserts ?? []) delivered.add(entry.id);
    after = page.cursor;
    if (page.isDone) break;
    expect(calls).toBeLessThan(12);
  }
  const notes = await d.primary.t.run(async (ctx) => (await ctx.db.query("notes" as never).collect()).map((doc: { _id: string }) => doc._id));
  expect(delivered.size).toBe(15_998);
  expect([...delivered].sort()).toEqual(notes.sort());
}, 60_000);

test("the sweep of drained log rows stays within a mutation's 16 MiB read, whatever the rows' size", async () => {
  // 30 full rows left behind by runs that died (8,192 real-length ids each, about 320 KB): 9.6 MB of log.
  const id = (row: number, i: number) => `k1${String(row).padStart(2, "0")}${String(i).padStart(5, "0")}${"q".repeat(28)}`;
  await d.primary.t.run(async (ctx) => {
    for (const row of await ctx.db.query(CHANGE_LOG_TABLE).collect()) await ctx.db.delete(CHANGE_LOG_TABLE, row._id);
  });
  await d.primary.t.run(async (ctx) => {
    for (let part = 0; part < 30; part++) {
      const ids = Array.from({ length: 8_192 }, (_, i) => id(part, i));
      await ctx.db.insert(CHANGE_LOG_TABLE, { ts: ctx.db.vars.commitTs, part, ids });
    }
  });
  const rows = await logRows();
  expect(rows[0]!.ids[0]).toHaveLength(37);
  d.primary.io.reset();
  let calls = 0;
  for (let done = false; !done; calls++) {
    ({ done } = await d.primary.t.mutation(dropChangesRef, { through: { ts: rows[0]!.ts as bigint, part: 29, offset: 8_192 } }));
  }
  expect(await logRows()).toHaveLength(0);
  expect(calls).toBeGreaterThan(1);
  expect(d.primary.io.largest.read!.amount).toBeLessThanOrEqual(16 * 1024 * 1024);
});
