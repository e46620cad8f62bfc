// Issue 11 part 3: every run and dry run says what redaction removed, per
// table and path, with a kind and a count and never a value: in the summary
// backup:runNow returns, in log lines (grouped per table, inside Convex's
// log limits), and in the run record; a path seen for the first time is
// logged as NEW once.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { MAX_PAGE_REDACTIONS, MAX_RUN_REDACTIONS, type RedactedPath } from "../packages/convex-hourly-backup/src/shared/protocol";
import { MAX_LOG_LINE_CHARS, MAX_NEW_PATH_LINES, MAX_REDACTION_TABLE_LINES, redactionLines } from "../packages/convex-hourly-backup/src/app/runReport";
import { RedactionReport } from "../packages/convex-hourly-backup/src/app/sanitize";
import { allBackupText, currentBackup, readAll } from "./support/backupContents";
import { expectNothingLost } from "./support/assertions";

const entry = (table: string, path: string, kind: RedactedPath["kind"], count: number): RedactedPath => ({ table, path, kind, count });
const CANARY = "CANARY-redaction-report";

let d: Deployments;
let ids: ShopIds;
let logs: string[];
beforeEach(async () => {
  d = await startDeployments();
  ids = await seedShop(d.primary, { users: 5, products: 4, orders: 3 });
  logs = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(" ")));
  }
});
afterEach(async () => {
  vi.restoreAllMocks();
  await d.close();
});

const runNow = (args: { dryRun?: boolean; maxDurationMs?: number } = {}) => d.primary.t.action(internal.backup.runNow, args);
const runRecords = async () => (await readAll(d, "runs")).sort((a, b) => a.seq - b.seq);
const takeLogs = () => logs.splice(0, logs.length);
const newLines = (lines: string[]) => lines.filter((line) => line.includes("NEW redacted"));

/** A new order paid by card (number and cvc under a card-like key), placed through the shop's own (logged) mutation. */
async function cardOrder(n: number): Promise<void> {
  const { _id, _creationTime, ...base } = (await d.primary.t.run((ctx) => ctx.db.get("orders", ids.orders[0]!)))!;
  const payment = { provider: "examplepay", card: { number: `4242 4242 4242 424${n}`, cvc: `${CANARY}-cvc-${n}`, brand: "visa" } };
  await d.primary.t.mutation(internal.shop.insertOrders, { docs: [{ ...base, odid: `CARD${n}`, payment }] });
}

// The shop's seed: every user has passwordHash and sessionToken (OMITTED_FIELDS),
// every product a supplier apiKey, every order a payment cardToken.
const SHOP_REPORT = [
  entry("orders", "orders.payment.cardToken", "key", 3),
  entry("products", "products.attributes.supplier.apiKey", "key", 4),
  entry("users", "users.passwordHash", "omitted", 5),
  entry("users", "users.sessionToken", "omitted", 5),
];

describe("the report of a run", () => {
  test("the summary lists each redacted path per table with kind and count; log lines and the run record hold the same, never a value", async () => {
    await d.primary.t.run(async (ctx) => {
      await ctx.db.patch("users", ids.users[0]!, { passwordHash: `${CANARY}-hash`, sessionToken: `${CANARY}-session` });
      await ctx.db.patch("products", ids.products[0]!, {
        attributes: { supplier: { apiKey: `${CANARY}-apikey` }, note: `token Bearer ${CANARY}0123456789`, ["api key"]: `${CANARY}-spaced` },
      });
    });
    const summary = await runNow();
    expect(summary.status).toBe("completed");
    const expected = [
      entry("orders", "orders.payment.cardToken", "key", 3),
      entry("products", "products.attributes.*", "key", 1),
      entry("products", "products.attributes.note", "value", 1),
      entry("products", "products.attributes.supplier.apiKey", "key", 4),
      entry("users", "users.passwordHash", "omitted", 5),
      entry("users", "users.sessionToken", "omitted", 5),
    ];
    expect(summary.redactions).toEqual(expected);
    expect(summary.redactionsCapped).toEqual([]);
    // The first run knows no earlier point: every path is new.
    expect(summary.newRedactions).toEqual(expected);

    const lines = takeLogs();
    expect(lines).toContain("[backup] redacted in users: passwordHash (omitted, 5), sessionToken (omitted, 5)");
    expect(lines).toContain("[backup] redacted in orders: payment.cardToken (key, 3)");
    expect(lines).toContain("[backup] redacted in products: attributes.* (key, 1), attributes.note (value, 1), attributes.supplier.apiKey (key, 4)");
    expect(newLines(lines)).toEqual(expected.map((e) => `[backup] NEW redacted path: ${e.path} (${e.kind})`));

    // The run record keeps the paths (for the next run to tell what is new), never a value.
    const [run] = await runRecords();
    expect(run!.redactions).toEqual(expected);
    for (const text of [JSON.stringify(summary), lines.join("\n"), await allBackupText(d)]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain("sk_live_");
      expect(text).not.toContain("tok_");
      expect(text).not.toContain("$2b$10$");
    }
  });

  test("a path seen for the first time is logged as NEW on that run only; a change-log run reports what it read", async () => {
    const first = await runNow();
    expect(first.redactions).toEqual(SHOP_REPORT);
    takeLogs();

    await cardOrder(1);
    const second = await runNow();
    expect(second.mode).toBe("log");
    // Only the order the log named was read: its card number and cvc are new.
    expect(second.redactions).toEqual([
      entry("orders", "orders.payment.card.cvc", "key", 1),
      entry("orders", "orders.payment.card.number", "key", 1),
    ]);
    expect(second.newRedactions).toEqual(second.redactions);
    const secondLines = takeLogs();
    expect(newLines(secondLines)).toEqual([
      "[backup] NEW redacted path: orders.payment.card.cvc (key)",
      "[backup] NEW redacted path: orders.payment.card.number (key)",
    ]);
    expect(secondLines).toContain("[backup] redacted in orders: payment.card.cvc (key, 1), payment.card.number (key, 1)");

    // Run 3 redacts the same paths again, and paths run 2 never read (users): none is new.
    await cardOrder(2);
    await d.primary.t.mutation(internal.shop.updateUserProfile, { userId: ids.users[0]!, city: "Pune" });
    const third = await runNow();
    expect(third.redactions).toEqual([
      entry("orders", "orders.payment.card.cvc", "key", 1),
      entry("orders", "orders.payment.card.number", "key", 1),
      entry("users", "users.passwordHash", "omitted", 1),
      entry("users", "users.sessionToken", "omitted", 1),
    ]);
    expect(third.newRedactions).toEqual([]);
    expect(newLines(takeLogs())).toEqual([]);

    // Each completed run keeps what it redacted (count > 0) and what earlier points knew (count 0).
    const records = await runRecords();
    expect(records[2]!.redactions).toEqual(
      expect.arrayContaining([
        entry("orders", "orders.payment.cardToken", "key", 0),
        entry("products", "products.attributes.supplier.apiKey", "key", 0),
        ...third.redactions!,
      ]),
    );
    expect(records[2]!.redactions).toHaveLength(6);

    // A run that reads nothing says so.
    const idle = await runNow();
    expect(idle.redactions).toEqual([]);
    expect(takeLogs()).toContain("[backup] redacted: nothing in the documents this run read");
  });

  test("a dry run reports every path it would redact, compares with no earlier run, and writes nothing", async () => {
    const dry = await runNow({ dryRun: true });
    expect(dry.status).toBe("dryRun");
    expect(dry.redactions).toEqual(SHOP_REPORT);
    expect(dry.newRedactions).toBeUndefined();
    const lines = takeLogs();
    expect(lines).toContain("[backup dry-run] redacted in users: passwordHash (omitted, 5), sessionToken (omitted, 5)");
    expect(lines.some((line) => line.startsWith("[backup dry-run] a dry run compares with no earlier run"))).toBe(true);
    expect(newLines(lines)).toEqual([]);
    expect(await runRecords()).toEqual([]);

    // After a run, a dry run still lists everything (it does not take the lease that reads the previous point).
    await runNow();
    takeLogs();
    const again = await runNow({ dryRun: true });
    expect(again.redactions).toEqual(SHOP_REPORT);
    expect(newLines(takeLogs())).toEqual([]);
  });

  test("a run handed over to continuations reports every page read, by each action, once", async () => {
    await d.primary.t.mutation(internal.shop.insertProducts, {
      docs: Array.from({ length: 2_100 }, (_, i) => ({
        name: `bulk${i}`, description: "", price: i, category: "c", images: [], stock: 1n, sizes: [], colors: [],
        attributes: { apiKey: `${CANARY}-${i}` },
      })),
    });
    let summary = await runNow({ maxDurationMs: 0 });
    expect(summary.status).toBe("continued");
    for (let i = 0; summary.status === "continued" && i < 20; i++) {
      const pending = (await d.primary.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect())).filter(
        (job) => job.state.kind === "pending",
      );
      await d.primary.t.run((ctx) => ctx.scheduler.cancel(pending[0]!._id));
      summary = await runNow(pending[0]!.args[0] as { maxDurationMs?: number });
    }
    expect(summary.status).toBe("completed");
    expect(summary.redactions).toEqual([
      entry("orders", "orders.payment.cardToken", "key", 3),
      entry("products", "products.attributes.apiKey", "key", 2_100),
      entry("products", "products.attributes.supplier.apiKey", "key", 4),
      entry("users", "users.passwordHash", "omitted", 5),
      entry("users", "users.sessionToken", "omitted", 5),
    ]);
    expect(summary.newRedactions).toEqual(summary.redactions);
    expect(logs.join("\n")).not.toContain(CANARY);
    await expectNothingLost(d);
  });

  test("a page with more distinct paths than MAX_PAGE_REDACTIONS lists that many and says there are more", async () => {
    const many = Object.fromEntries(Array.from({ length: MAX_PAGE_REDACTIONS + 50 }, (_, i) => [`vendor${i}`, { apiKey: `${CANARY}-${i}` }]));
    await d.primary.t.run((ctx) => ctx.db.patch("products", ids.products[0]!, { attributes: many }));
    const summary = await runNow();
    const products = summary.redactions!.filter((e) => e.table === "products");
    expect(products.length).toBeLessThanOrEqual(MAX_PAGE_REDACTIONS);
    expect(summary.redactionsCapped).toEqual(["products"]);
    const line = takeLogs().find((l) => l.startsWith("[backup] redacted in products: "))!;
    expect(line.endsWith("(more paths were redacted than listed)")).toBe(true);
    expect(line.length).toBeLessThanOrEqual(MAX_LOG_LINE_CHARS);
    const [run] = await runRecords();
    expect(run!.redactions!.length).toBeLessThanOrEqual(MAX_RUN_REDACTIONS);
  });
});

describe("redaction by meaning (issue 19 item 9): what the backup copy of a document holds", () => {
  test("qualified and abbreviated secret keys, named values, secret lines and a key file go; look-alike data stays", async () => {
    const pem = `-----BEGIN PRIVATE KEY-----\n${CANARY}-pem\n-----END PRIVATE KEY-----\n`;
    const attributes = {
      account: { passwordConfirm: `${CANARY}-1`, apiKeyV2: `${CANARY}-2`, privKey: `${CANARY}-3`, card: { cardNo: "4242424242424242", brand: "visa" } },
      env: [{ name: "DATABASE_PASSWORD", value: `${CANARY}-4` }, { name: "NODE_ENV", value: "production" }],
      args: [["password", `${CANARY}-5`, "y"], ["region", "eu"]],
      dotenv: `FOO=1\nDB_PASSWORD=${CANARY}-6`,
      yaml: `host: db\npassword: ${CANARY}-7`,
      header: `Authorization: Token ${CANARY}-8`,
      keyFile: new TextEncoder().encode(`key:\n${pem}`).buffer,
      mapPin: { lat: 18.52, lng: 73.85 }, boardingPass: "BP-12A", passNumber: "P-7", scoreCard: { number: 12 },
    };
    await d.primary.t.run((ctx) => ctx.db.patch("products", ids.products[0]!, { attributes }));
    const summary = await runNow();
    expect(summary.status).toBe("completed");

    const copy = (await currentBackup(d)).get("products")!.get(ids.products[0]!)!;
    const { keyFile, ...kept } = copy.attributes as Record<string, unknown>;
    expect(kept).toEqual({
      account: { card: { brand: "visa" } },
      env: [{ name: "DATABASE_PASSWORD" }, { name: "NODE_ENV", value: "production" }],
      args: [["region", "eu"]],
      dotenv: "FOO=1\nDB_PASSWORD=[redacted]",
      yaml: "host: db\npassword: [redacted]",
      header: "Authorization: Token [redacted]",
      mapPin: { lat: 18.52, lng: 73.85 }, boardingPass: "BP-12A", passNumber: "P-7", scoreCard: { number: 12 },
    });
    expect(new TextDecoder().decode(keyFile as ArrayBuffer)).toBe("key:\n[redacted]\n");
    expect(summary.redactions!.filter((e) => e.table === "products").map((e) => `${e.path} ${e.kind}`)).toEqual([
      "products.attributes.account.apiKeyV2 key",
      "products.attributes.account.card.cardNo key",
      "products.attributes.account.passwordConfirm key",
      "products.attributes.account.privKey key",
      "products.attributes.args[].password key",
      "products.attributes.dotenv value",
      "products.attributes.env[].value key",
      "products.attributes.header value",
      "products.attributes.keyFile value",
      "products.attributes.supplier.apiKey key",
      "products.attributes.yaml value",
    ]);
    for (const text of [JSON.stringify(summary), takeLogs().join("\n"), await allBackupText(d)]) expect(text).not.toContain(CANARY);
  });
});

describe("log lines stay inside Convex's limits (256 lines per call, 4 KiB per line)", () => {
  test("thousands of paths in hundreds of tables: a bounded number of lines, each cut short", () => {
    const report = new RedactionReport(MAX_RUN_REDACTIONS);
    for (let t = 0; t < 300; t++) {
      for (let p = 0; p < 40; p++) report.add(`table${t}`, `table${t}.${"nested".repeat(8)}.field${p}`, p % 2 ? "key" : "omitted", 1_000 + p);
    }
    report.add("long", `long.${"a".repeat(1_000)}`, "key");
    const entries = report.entries();
    expect(entries).toHaveLength(MAX_RUN_REDACTIONS);
    expect(entries.every((e) => e.path.length <= 300)).toBe(true);
    const lines = redactionLines("[backup]", { entries, capped: report.capped(), newOnes: entries });
    expect(lines.length).toBeLessThanOrEqual(MAX_REDACTION_TABLE_LINES + 1 + MAX_NEW_PATH_LINES);
    for (const line of lines) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(MAX_LOG_LINE_CHARS);
    expect(lines.some((line) => /more tables \(see the run summary\)/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(/^\[backup\] NEW redacted paths, \d+ more: .*\.\.\. and \d+ more$/);
    expect(lines.filter((line) => line.startsWith("[backup] NEW redacted path: "))).toHaveLength(MAX_NEW_PATH_LINES - 1);
  });
});
