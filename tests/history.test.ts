// Issue 13: a document's history across the kept restore points
// (`convex-hourly-backup history <table> <id>`: run, time, changed field
// names, deletions; never a value), and the restore of a few documents as an
// older point held them (`restore --table orders --ids a,b --run 1`), both
// run as a user runs them.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { Value } from "convex/values";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { readHistory } from "../packages/convex-hourly-backup/src/cli/commands/history";
import { RestoreSource } from "../packages/convex-hourly-backup/src/cli/restore/restoreSource";
import { MAX_HISTORY_VERSIONS } from "../packages/convex-hourly-backup/src/backup/lib/history";
import { readExportZip } from "./support/exportReader";
import { cli as runCli } from "./support/cliRun";
import { primarySnapshot, type PrimarySnapshot } from "./support/restorePoints";

const HOUR = 60 * 60 * 1000;
// Monday 2025-01-06 10:00 UTC: run n starts n - 1 hours later.
const T0 = Date.UTC(2025, 0, 6, 10);
const at = (seq: number) => new Date(T0 + (seq - 1) * HOUR).toISOString();

let d: Deployments;
let ids: ShopIds;
let dir: string;
let x: Id<"orders">;
let y: Id<"orders">;
/** The primary's state when each run finished, by seq. */
const states = new Map<number, PrimarySnapshot>();
/** Every value the watched documents ever held, as text: none may appear in what history prints. */
const values = new Set<string>();

/** `convex-hourly-backup <args>` from source against the served backup, with the restore secret. */
const cli = (args: string[]) =>
  runCli(args, { cwd: dir, env: { BACKUP_URL: d.backup.server.url, BACKUP_RESTORE_SECRET: d.restoreSecret } });

/** Run `seq` at its hour (`changes` just before), remembering the primary's state and the watched documents' values. */
async function backup(seq: number, changes: () => Promise<unknown> = async () => null, args: { reconcile?: boolean } = {}) {
  vi.setSystemTime(T0 + (seq - 1) * HOUR - 10 * 60_000);
  await changes();
  vi.setSystemTime(T0 + (seq - 1) * HOUR);
  const result = await d.primary.t.action(internal.backup.runNow, args);
  expect(result.status).toBe("completed");
  const state = await primarySnapshot(d);
  states.set(seq, state);
  for (const id of [x, y]) collectValues(state.get("orders")!.get(id));
}

function collectValues(value: Value | undefined): void {
  if (value === undefined || value === null) return;
  if (typeof value === "object" && !(value instanceof ArrayBuffer)) {
    for (const [key, child] of Object.entries(value)) if (key !== "_id") collectValues(child);
    return;
  }
  // Short values (a quantity of 2) could appear in any text by chance: only distinctive ones are checked.
  if (String(value).length >= 4) values.add(String(value));
}

beforeAll(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(T0 - HOUR);
  dir = mkdtempSync(join(tmpdir(), "history-"));
  d = await startDeployments();
  ids = await seedShop(d.primary, { users: 3, products: 4, orders: 6 });
  [x, y] = ids.orders as [Id<"orders">, Id<"orders">];
  const setStatus = (orderId: Id<"orders">, status: "paid" | "shipped" | "delivered") =>
    d.primary.t.mutation(internal.shop.setOrderStatus, { orderId, status });
  // Run 1: both orders as placed.
  await backup(1);
  // Run 2: both shipped (status and updatedAt change).
  await backup(2, async () => {
    await setStatus(x, "shipped");
    await setStatus(y, "shipped");
  });
  // Run 3: a dashboard edit removes x's payment; a reconciliation finds it.
  await backup(3, () => d.primary.t.run((ctx) => ctx.db.patch("orders", x, { payment: undefined })), { reconcile: true });
  // Run 4: x unchanged; y delivered.
  await backup(4, () => setStatus(y, "delivered"));
  // Run 5: x deleted.
  await backup(5, () => d.primary.t.mutation(internal.shop.deleteDocuments, { orders: [x] }));
}, 60_000);
afterAll(async () => {
  await d.close();
  rmSync(dir, { recursive: true, force: true });
  vi.useRealTimers();
});

describe("history <table> <id>", () => {
  test("lists every version across the restore points with the changed field names and the deletion", async () => {
    const result = await cli(["history", "orders", x]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        `History of orders ${x}: 3 versions, deleted at run 5 (kept restore points, oldest first)`,
        `  run 1  ${at(1)}  first kept version`,
        `  run 2  ${at(2)}  changed status, updatedAt`,
        `  run 3  ${at(3)}  removed payment`,
        `  run 5  ${at(5)}  deleted`,
        `Restore a version: convex-hourly-backup restore --table orders --ids ${x} --run <run> --out orders-<run>.zip`,
        "",
      ].join("\n"),
    );
    const other = await cli(["history", "orders", y]);
    expect(other.stdout.split("\n").slice(0, 4)).toEqual([
      `History of orders ${y}: 3 versions (kept restore points, oldest first)`,
      `  run 1  ${at(1)}  first kept version`,
      `  run 2  ${at(2)}  changed status, updatedAt`,
      `  run 4  ${at(4)}  changed status, updatedAt`,
    ]);
  }, 30_000);

  test("never shows a value: neither in its lines nor in --json", async () => {
    expect(values.size).toBeGreaterThan(10);
    expect(values).toContain("shipped");
    const [text, json] = await Promise.all([cli(["history", "orders", x]), cli(["history", "orders", x, "--json"])]);
    for (const output of [text.stdout + text.stderr, json.stdout + json.stderr]) {
      // The id is what the user typed; the mock's ids hold digits a value may share.
      const withoutId = output.split(x).join("<id>");
      for (const value of values) expect(withoutId, value).not.toContain(value);
    }
    const entries = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(entries.map((entry) => entry.kind)).toEqual(["version", "version", "version", "deleted"]);
    expect(entries[2]).toEqual({
      kind: "version",
      point: { seq: 3, startedAt: T0 + 2 * HOUR, finishedAt: T0 + 2 * HOUR, label: null, pinned: false },
      fromSeq: 3,
      changes: { added: [], removed: ["payment"], changed: [] },
    });
  }, 30_000);

  test("a document no restore point holds: exit 1 and a line saying so; bad usage exits 2", async () => {
    const [unknown, usage] = await Promise.all([cli(["history", "orders", "no-such-id"]), cli(["history", "orders"])]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/^No kept restore point holds orders no-such-id \(check the table and the id/);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^convex-hourly-backup history: give a table and a document id \(got 1 arguments\)\./);
  }, 30_000);

  test(`a long history is read in bounded pages (${MAX_HISTORY_VERSIONS} versions a query)`, async () => {
    const own = await startDeployments();
    try {
      vi.setSystemTime(T0);
      const shop = await seedShop(own.primary, { users: 1, products: 1, orders: 1 });
      const order = shop.orders[0]!;
      const runs = MAX_HISTORY_VERSIONS + 5;
      for (let seq = 1; seq <= runs; seq++) {
        vi.setSystemTime(T0 + seq * HOUR);
        await own.primary.t.mutation(internal.shop.setOrderStatus, { orderId: order, status: seq % 2 === 0 ? "paid" : "shipped" });
        await own.primary.t.action(internal.backup.runNow, {});
      }
      const source = new RestoreSource({ url: own.backup.server.url, secret: own.restoreSecret });
      const entries = await readHistory(source, "orders", order);
      expect(source.requests).toBe(2);
      expect(entries.map((entry) => entry.point.seq)).toEqual(Array.from({ length: runs }, (_, i) => i + 1));
      expect(entries.slice(1).every((entry) => entry.kind === "version" && entry.changes?.changed.join() === "status,updatedAt")).toBe(true);
    } finally {
      await own.close();
    }
  }, 120_000);
});

describe("restore --table --ids: a few documents as an older point held them", () => {
  test("two ids from run 1: exactly those documents as they were then, with the advice to never --replace", async () => {
    const out = join(dir, "two-orders.zip");
    const result = await cli(["restore", "--table", "orders", "--ids", `${x},${y}`, "--run", "1", "--out", out]);
    expect(result.code, result.stderr).toBe(0);
    const zip = readExportZip(readFileSync(out));
    expect(zip.tables).toEqual([{ name: "orders", id: 10001 }]);
    const restored = new Map((zip.documents.get("orders") ?? []).map((doc) => [doc._id as string, doc as Value]));
    // x is deleted on the primary now and y changed twice since: both come back as run 1 held them.
    const run1 = states.get(1)!.get("orders")!;
    expect(restored).toEqual(new Map([[x, run1.get(x)], [y, run1.get(y)]]));
    expect(restored.get(y)).not.toEqual(states.get(5)!.get("orders")!.get(y));
    expect(zip.generatedSchemas.get("orders")).toBe('"uniform"\n');

    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^Run 1 \\(\\S+\\): started ${at(1)}, finished ${at(1)}$`));
    expect(lines[1]).toBe("  orders: 2 documents as run 1 held them, table number 10001");
    expect(result.stdout).toContain("The ZIP holds only 2 documents of orders as of run 1.");
    expect(result.stdout).toContain("Never import it with --replace or --replace-all: either would empty the rest of orders");
    expect(result.stdout).toContain(`npx convex import --append ${out}`);
    expect(result.stdout).toContain('Convex refuses an _id that orders holds or once held ("DocumentExists", "DocumentDeleted")');
    // The ZIP says the same to whoever finds it later.
    const readme = new TextDecoder().decode((await import("fflate")).unzipSync(readFileSync(out))["README.md"]);
    expect(readme).toContain("# 2 documents of orders as of backup run 1");
    expect(readme).toContain("Never import it with --replace or --replace-all");
  }, 30_000);

  test("an id the table did not hold at that point: exit 1, no file; usage errors exit 2", async () => {
    // An order placed after run 1 (never backed up, even).
    vi.setSystemTime(T0 + 5 * HOUR);
    const late = await d.primary.t.run(async (ctx) => {
      const { _id, _creationTime, ...fields } = (await ctx.db.get("orders", y))!;
      return ctx.db.insert("orders", fields);
    });
    const out = join(dir, "missing.zip");
    const before = readdirSync(dir);
    const result = await cli(["restore", "--table", "orders", "--ids", `${y},${late},nosuch`, "--run", "1", "--out", out]);
    expect(result.stderr).toBe(
      `restore failed: orders held no document with id ${late}, nosuch at run 1 (created later, deleted before, or not an id of orders), ` +
        "so no ZIP was written. `history <table> <id>` shows which restore points hold a document.\n",
    );
    expect(result.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(before);

    const [noTable, withTables, noIds] = await Promise.all([
      cli(["restore", "--ids", x, "--run", "1", "--out", out]),
      cli(["restore", "--table", "orders", "--ids", x, "--tables", "orders", "--run", "1", "--out", out]),
      cli(["restore", "--table", "orders", "--run", "1", "--out", out]),
    ]);
    expect([noTable.code, withTables.code, noIds.code]).toEqual([2, 2, 2]);
    expect(noTable.stderr).toMatch(/^convex-hourly-backup restore: --ids needs --table/);
    expect(withTables.stderr).toMatch(/leave out --tables/);
    expect(noIds.stderr).toMatch(/--table takes --ids/);
  }, 30_000);
});
