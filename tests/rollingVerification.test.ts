// Rolling verification (issue 18): writes the change log cannot see (the raw
// builders, dashboard-style writes) reach a restore point within
// verifyEveryHours (24) hourly runs, a raw insert in the next run; every
// point says how it was made and when its documents were last verified; an
// idle day reads each document about once. Small tables and simulated hours
// keep it cheap.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { fileURLToPath } from "node:url";
import { makeFunctionReference } from "convex/server";
import { internal } from "../convex/_generated/api";
import { api, internal as backupInternal } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { formatTime, type TableHolds } from "../packages/convex-hourly-backup/src/shared/pointHolds";
import { status as statusCommand } from "../packages/convex-hourly-backup/src/cli/commands/status";
import { restore as restoreCommand } from "../packages/convex-hourly-backup/src/cli/commands/restore";
import { expectRestoreEquals, snapshotPrimary } from "./support/pointInTime";
import { startWebhook } from "./support/webhook";

const SHOP = ["users", "products", "orders"];
const SIZE = { users: 12, products: 12, orders: 48 };
const THREE_PAGES = { users: 12, products: 12, orders: 2_500 };
let size = SIZE;
const HOUR = 60 * 60_000;
const START = Date.UTC(2026, 11, 1, 0, 0, 0);

const raw = {
  insertProduct: makeFunctionReference<"mutation", { name: string }, string>("rawWrites:insertProduct"),
  replaceOrder: makeFunctionReference<"mutation", { id: string; status: string }, null>("rawWrites:replaceOrder"),
  deleteOrder: makeFunctionReference<"mutation", { id: string }, null>("rawWrites:deleteOrder"),
};

let d: Deployments;
let ids: ShopIds;
let now = START;
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  // The shop's documents were created an hour before the first restore point.
  vi.setSystemTime(START - HOUR);
  d = await startDeployments({ primaryDir: fileURLToPath(new URL("./fixtures/rawWrites", import.meta.url)) });
  ids = await seedShop(d.primary, size);
  now = START;
  vi.setSystemTime(now);
  expect(await runNow()).toMatchObject({ mode: "scan", reason: "first run" });
});
afterEach(async () => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  await d.close();
});

const runNow = () => d.primary.t.action(internal.backup.runNow, {});
const nextHour = async () => {
  now += HOUR;
  vi.setSystemTime(now);
  return runNow();
};
const latestHolds = async (): Promise<TableHolds[]> => {
  const point = await d.backup.t.query(api.restore.getRestorePoint, { secret: d.restoreSecret, selector: { kind: "latest" } });
  return point.holds ?? [];
};
const holdsOf = (holds: TableHolds[], table: string) => holds.find((h) => h.table === table)!;

describe("with a table of three pages (2,500 orders)", () => {
  beforeAll(() => void (size = THREE_PAGES));
  afterAll(() => void (size = SIZE));

  test("raw-builder and dashboard writes reach a restore point within 24 hourly runs, a raw insert in the next run; points in between say they were not verified since", async () => {
    // Step 1: writes the change log cannot see, ten minutes after the first point: orders in its third page.
    now += 10 * 60_000;
    vi.setSystemTime(now);
    const writtenAt = now;
    const product = await d.primary.t.mutation(raw.insertProduct, { name: "made with the raw builder" });
    await d.primary.t.mutation(raw.replaceOrder, { id: ids.orders[2_100]!, status: "cancelled" });
    await d.primary.t.mutation(raw.deleteOrder, { id: ids.orders[2_200]! });
    await d.primary.t.run((ctx) => ctx.db.patch("users", ids.users[8]!, { city: "edited in the dashboard" }));
    const expected = await snapshotPrimary(d, SHOP);

    // Step 2: hourly runs until the slices found the rest; until then each point says its
    // documents were last verified before the writes (at the first point). The first run's
    // new-documents check finds the insert.
    const foundAt = new Map<string, number>();
    for (let run = 1; run <= 24 && foundAt.size < 2; run++) {
      const summary = await nextHour();
      if (run === 1) expect(summary.tables.find((t) => t.table === "products")).toMatchObject({ missedByLog: 1, changed: 1 });
      for (const t of summary.tables) if ((t.missedByLog ?? 0) > 0 && t.table !== "products") foundAt.set(t.table, run);
      const holds = await latestHolds();
      for (const table of ["users", "orders"]) {
        const h = holdsOf(holds, table);
        expect(h).toMatchObject({ madeBy: "log", verifyEveryHours: 24 });
        if (!foundAt.has(table)) expect(h.verifiedAt).toBeLessThan(writtenAt);
        else expect(h.verifiedAt).toBeGreaterThan(writtenAt);
      }
    }
    const restored = await d.backup.t.query(api.restore.readDocuments, { secret: d.restoreSecret, seq: 2, table: "products", ids: [product] });
    expect(restored).toMatchObject({ missing: [] });
    expect(restored.documents).toHaveLength(1);
    // A slice is ceil(n / 24) documents rounded up to whole pages of 1,000: users (12) whole in the
    // first run; orders a page a run, the replacement and the deletion in the third.
    expect(foundAt.get("users")).toBe(1);
    expect(foundAt.get("orders")).toBe(3);
    await expectRestoreEquals(d, "latest", expected);
  }, 60_000);
});

test("a wrapped write committed while the run compares is no miss (the log names it past the drain); a raw one beside it is", async () => {
  // Something for the drain to send: the writes below go in when it reaches the backup, after it read the log.
  await d.primary.t.mutation(internal.shop.updateUserProfile, { userId: ids.users[5]!, city: "before the run" });
  let injected = false;
  d.backup.server.onRequest = async (path) => {
    if (injected || path !== "sync:applyChanges") return;
    injected = true;
    await d.primary.t.mutation(internal.shop.updateUserProfile, { userId: ids.users[0]!, city: "during the run" });
    await d.primary.t.mutation(internal.shop.setOrderStatus, { orderId: ids.orders[0]!, status: "shipped" });
    await d.primary.t.mutation(raw.replaceOrder, { id: ids.orders[1]!, status: "cancelled" });
  };
  const warnings: string[] = [];
  vi.spyOn(console, "warn").mockImplementation((text: string) => void warnings.push(text));
  const summary = await nextHour();
  d.backup.server.onRequest = undefined;
  expect(injected).toBe(true);
  // This run's slices are users[0] and orders[0..1]: they read all three writes; the log names two of them.
  expect(summary.tables.find((t) => t.table === "users")).toMatchObject({ missedByLog: 0 });
  expect(summary.tables.find((t) => t.table === "orders")).toMatchObject({ missedByLog: 1 });
  expect(warnings.filter((w) => w.includes("WARNING users"))).toEqual([]);
  expect(warnings.filter((w) => w.includes("WARNING orders: verification found 1 documents"))).toHaveLength(1);
  // The point holds all three; the next run drains the two wrapped writes and finds nothing missed.
  await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
  const next = await nextHour();
  for (const t of next.tables) expect(t.missedByLog ?? 0).toBe(0);
});

test("what redaction removed from a document only verification found is in the run's redaction report (the restore's placeholder check reads it)", async () => {
  // A dashboard edit of the slice's first product: a secret at a path no document had before.
  await d.primary.t.run((ctx) => ctx.db.patch("products", ids.products[0]!, { attributes: { supplier: { webhookSecret: "whsec_only_here_4f1c" } } }));
  const summary = await nextHour();
  expect(summary.tables.find((t) => t.table === "products")).toMatchObject({ missedByLog: 1 });
  expect(summary.redactions).toContainEqual(expect.objectContaining({ table: "products", path: "products.attributes.supplier.webhookSecret" }));
  expect(JSON.stringify(summary)).not.toContain("whsec_only_here_4f1c");
});

test("an idle day of 24 hourly runs reads each document at most twice in all, and verifies every table", async () => {
  const total = SIZE.users + SIZE.products + SIZE.orders;
  d.primary.io.reset();
  for (let run = 1; run <= 24; run++) expect(await nextHour()).toMatchObject({ mode: "log" });
  expect(d.primary.io.docsRead).toBeGreaterThanOrEqual(total);
  expect(d.primary.io.docsRead).toBeLessThanOrEqual(2 * total);
  // Every table's pass started after the first point and reached its end.
  for (const h of await latestHolds()) expect(h.verifiedAt).toBeGreaterThan(START);
}, 60_000);

test("status and restore --dry-run say what a point made from the log after a verification holds", async () => {
  for (let run = 1; run <= 2; run++) await nextHour();
  // Each table is under a page: the first run's slice compared it whole (a pass started then), the second none.
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((text: string) => void lines.push(text));
  vi.spyOn(console, "warn").mockImplementation((text: string) => void lines.push(text));
  const report = await d.primary.t.action(internal.backup.status, {});
  const orders = report.tables.find((t) => t.table === "orders")!;
  expect(orders).toMatchObject({ madeBy: "log", verifiedAt: START + HOUR, sinceVerifiedMs: HOUR, missedByLog7d: 0 });
  const sentence =
    `orders: every write through the wrapped builders up to ${formatTime(START + 2 * HOUR)}; ` +
    `every document last verified ${formatTime(START + HOUR)} (verification every 24 h); a write made another way after that may be missing`;
  expect(lines).toContain(`[backup status] ${sentence}; last full verification 1 h ago; missed by the change log in 7 days: 0`);

  // The CLI prints the same lines.
  lines.length = 0;
  const connection = ["--url", d.backup.server.url, "--secret", d.restoreSecret];
  expect(await statusCommand.run(connection)).toBe(0);
  expect(lines).toContain(`[backup status] ${sentence}; last full verification 1 h ago; missed by the change log in 7 days: 0`);

  lines.length = 0;
  expect(await restoreCommand.run(["--run", "latest", "--dry-run", ...connection])).toBe(0);
  const out = lines.join("\n");
  expect(out).toContain("What run 3 holds:\n");
  // Tables whose sentences agree share a line.
  expect(out).toContain(`  users, products, ${sentence}\n`);
});

test("a drift alert goes out once per incident (consecutive runs with finds) and names tables, never values", async () => {
  const hook = await startWebhook();
  const delivered = hook.delivered;
  d.backup.env.ALERT_WEBHOOK_URL = hook.url;
  const check = () => d.backup.t.action(backupInternal.alerts.check, {});
  const secretName = "a value that never leaves the app";
  try {
    // Incident 1: two consecutive runs find raw inserts, then a quiet run ends it.
    for (const run of [1, 2]) {
      await d.primary.t.mutation(raw.insertProduct, { name: `${secretName} ${run}` });
      expect((await nextHour()).tables.find((t) => t.table === "products")).toMatchObject({ missedByLog: 1 });
      await check();
    }
    await nextHour();
    await check();
    expect(delivered).toHaveLength(1);
    // Incident 2: a dashboard-style insert, found by the next run, between two checks.
    await d.primary.t.run((ctx) => ctx.db.insert("products", { name: secretName, description: "", price: 1, category: "c", images: [], stock: 1n, sizes: [], colors: [] }));
    await nextHour();
    await nextHour();
    await check();
    await check();
    expect(delivered).toHaveLength(2);
    expect(delivered[0]).toMatch(/^Convex backup: run 2 of \S+ found writes the change log had not delivered in products \(1\): /);
    expect(delivered[1]).toMatch(/run 5 .* in products \(1\): /);
    for (const text of delivered) expect(text).not.toContain(secretName);
  } finally {
    await hook.close();
  }
}, 30_000);
