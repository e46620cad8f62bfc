// Round trip: documents holding every Convex value type are backed up over
// several runs with updates and deletes in between; each past run is
// restored to a ZIP, read back by an independent reader (tests/support/
// exportReader.ts), compared with the primary's state at that run minus
// redacted fields (ids and creation times included) plus the placeholders
// of required fields the backup never holds (users.passwordHash), and
// imported into a fresh primary with the app's own schema.
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { writeAsApp } from "./support/appWrites";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Value } from "convex/values";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import primarySchema from "../convex/schema";
import { RESTORE_PLACEHOLDERS } from "../convex/backupConfig";
import { sanitizeDocument } from "./support/shopRedaction";
import { PRIMARY_DIR, startDeployments, type Deployments } from "../harness/deployments";
import { projectModules } from "../harness/modules";
import { randomSource, seedShop, type ShopIds } from "../harness/shopData";
import { writeRestoreZip, type RestoreResult } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { convexValueText, readExportZip, type ExportZip } from "./support/exportReader";
import { importIntoFresh } from "./support/importFresh";

const TABLES = ["users", "products", "orders"] as const;
type Table = (typeof TABLES)[number];
/** table -> _id -> the sanitized document as text that tells every value apart. */
type State = Map<Table, Map<string, string>>;

// ------------------------------------------------------------ random values

const KEYS = ["a", "b", "B", "Z", "zeta", "alpha", "with space", "x-y", "n1", "nested", "list", "e"];
const CHARS = ["a", "Z", "0", " ", "é", "ß", "中", "文", "😀", "𝄞", "👩‍👩‍👧", "\u0000", "\u0007", "\n", "\t", '"', "\\", "/", "\u2028", "\u00ff", "\uffff"];

function randomString(rand: () => number, max: number): string {
  let out = "";
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) out += CHARS[Math.floor(rand() * CHARS.length)]!;
  return out;
}

const FLOATS = [3, -0, 0, 0.1, -2.5, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, -1e16, 1745781566782, 2 ** 53, NaN, Infinity, -Infinity];
const INTS = [0n, -1n, 1n, 42n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -123456789012345678n];

function randomFloat(rand: () => number): number {
  return rand() < 0.5 ? FLOATS[Math.floor(rand() * FLOATS.length)]! : (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
}

function randomInt(rand: () => number): bigint {
  return rand() < 0.5 ? INTS[Math.floor(rand() * INTS.length)]! : BigInt(Math.floor((rand() - 0.5) * 2 ** 52)) * 1024n;
}

function randomValue(rand: () => number, depth: number): Value {
  const kind = Math.floor(rand() * (depth > 2 ? 7 : 9));
  switch (kind) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return randomInt(rand);
    case 3: return randomFloat(rand);
    case 4: return randomString(rand, 12);
    case 5: return new Uint8Array(Array.from({ length: Math.floor(rand() * 12) }, () => Math.floor(rand() * 256))).buffer;
    case 6: return rand() < 0.5 ? [] : {};
    case 7: return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    default: return randomObject(rand, depth + 1);
  }
}

function randomObject(rand: () => number, depth: number): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (let i = Math.floor(rand() * 5); i > 0; i--) out[KEYS[Math.floor(rand() * KEYS.length)]!] = randomValue(rand, depth);
  return out;
}

/** ~300 KB of mixed characters: more than one 256 Ki-character content chunk. */
function largeString(seed: number): string {
  const unit = `row ${seed} é中😀𝄞 "quoted" \\ \u0001\n`;
  return unit.repeat(Math.ceil(300_000 / unit.length));
}

function product(rand: () => number, i: number, large = false) {
  const base = {
    name: `Special ${i} ${randomString(rand, 6)}`,
    description: large ? largeString(i) : randomString(rand, 30),
    price: randomFloat(rand),
    category: i % 2 === 0 ? "" : "odd",
    images: i % 3 === 0 ? [] : [randomString(rand, 5), ""],
    stock: randomInt(rand),
    sizes: [],
    colors: ["😀"],
  };
  const attributes = { ...randomObject(rand, 0), empty: {}, none: [], deep: [[[{ z: [[]] }]]], bytes: new ArrayBuffer(0), three: 3, int: 3n };
  return i % 4 === 3 ? base : { ...base, attributes };
}

// ------------------------------------------------------------ the scenario

let d: Deployments;
let dir: string;
const runs: { runId: string; state: State }[] = [];

async function primaryState(): Promise<State> {
  const state: State = new Map();
  for (const table of TABLES) {
    const docs = await d.primary.t.run(async (ctx) => ctx.db.query(table).collect());
    const rows = docs.map((doc) => [doc._id as string, convexValueText(withPlaceholders(table, sanitizeDocument(table, doc as never)))] as const);
    state.set(table, new Map(rows));
  }
  return state;
}

/** A sanitized document as the restore writes it: required fields the backup never holds get their placeholder. */
function withPlaceholders(table: string, doc: Record<string, Value>): Record<string, Value> {
  const out = { ...doc };
  for (const [field, value] of Object.entries(RESTORE_PLACEHOLDERS[table] ?? {})) if (out[field] === undefined) out[field] = value;
  return out;
}

async function backUp(): Promise<void> {
  const summary = await d.primary.t.action(internal.backup.runNow, {});
  expect(summary.status).toBe("completed");
  runs.push({ runId: summary.runId!, state: await primaryState() });
}

beforeAll(async () => {
  d = await startDeployments();
  dir = mkdtempSync(join(tmpdir(), "restore-test-"));
  const rand = randomSource(20250501);
  const shop: ShopIds = await seedShop(d.primary, { users: 5, products: 5, orders: 6 }, 11);
  const special = await d.primary.t.mutation(internal.shop.insertProducts, {
    docs: Array.from({ length: 8 }, (_, i) => product(rand, i, i < 2)),
  });
  await writeAsApp(d, async (db) => {
    for (const orderId of shop.orders.slice(0, 3)) {
      await db.patch("orders", orderId, { payment: { provider: "x", raw: randomObject(rand, 0), amount: 3, cents: 300n } });
    }
  });
  await backUp(); // run 1

  // An hour of changes: a float that looks like an integer, a new large text,
  // new values, deletes, inserts, and a session rotation the backup never sees.
  await d.primary.t.mutation(internal.shop.setProductPrice, { productId: special[2]!, price: 3 });
  await d.primary.t.mutation(internal.shop.rotateSession, { userId: shop.users[0]!, sessionToken: "rotated".repeat(8) });
  await writeAsApp(d, async (db) => {
    await db.patch("products", special[0]!, { description: largeString(99), stock: -(2n ** 63n) });
    await db.patch("products", special[3]!, { attributes: randomObject(rand, 0), price: -0 });
  });
  await d.primary.t.mutation(internal.shop.deleteDocuments, { orders: shop.orders.slice(4, 6), products: [special[7]!] });
  await d.primary.t.mutation(internal.shop.insertProducts, { docs: [product(rand, 20), product(rand, 21)] });
  await backUp(); // run 2

  await writeAsApp(d, async (db) => {
    await db.patch("products", special[1]!, { description: "short now", price: NaN, images: [] });
    await db.patch("orders", shop.orders[0]!, { payment: { provider: "y", raw: randomObject(rand, 0) }, status: "shipped" });
    await db.delete("products", special[6]!);
    await db.delete("users", shop.users[4]! as Id<"users">);
  });
  await backUp(); // run 3
  await backUp(); // run 4: nothing changed
}, 120_000);

afterAll(async () => {
  await d.close();
});

async function restore(run: string, name: string, tables?: string[]): Promise<{ result: RestoreResult; zip: ExportZip }> {
  const out = join(dir, name);
  const result = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run, out, tables });
  return { result, zip: readExportZip(new Uint8Array(readFileSync(out))) };
}

function zipState(zip: ExportZip): State {
  const state: State = new Map();
  for (const table of TABLES) {
    const docs = zip.documents.get(table) ?? [];
    state.set(table, new Map(docs.map((doc) => [doc._id as string, convexValueText(doc)])));
  }
  return state;
}

// ------------------------------------------------------------ the checks

describe("restore round trip", () => {
  test("the scenario really changed the data between runs", () => {
    const sizes = runs.map((r) => TABLES.map((t) => r.state.get(t)!.size));
    expect(sizes).toEqual([
      [5, 13, 6],
      [5, 14, 4],
      [4, 13, 4],
      [4, 13, 4],
    ]);
    const changed = [...runs[1]!.state.get("products")!].filter(([id, text]) => runs[0]!.state.get("products")!.get(id) !== text);
    expect(changed.length).toBeGreaterThanOrEqual(4);
  });

  test.each([1, 2, 3, 4])("run %i restores exactly the primary's state at that run, ids included", async (seq) => {
    const index = seq - 1;
    const { runId, state } = runs[index]!;
    const { result, zip } = await restore(runId, `run${seq}.zip`);
    expect(result.seq).toBe(seq);
    expect(zipState(zip)).toEqual(state);
    expect(result.tables.map((t) => [t.table, t.documents, t.expected])).toEqual(
      TABLES.map((t) => [t, state.get(t)!.size, state.get(t)!.size]),
    );
    // Export layout: every table listed once with a distinct number, "uniform" values, a newline per line.
    expect(zip.tables.map((t) => t.name).sort()).toEqual([...TABLES].sort());
    expect(new Set(zip.tables.map((t) => t.id)).size).toBe(TABLES.length);
    for (const table of TABLES) {
      expect(zip.generatedSchemas.get(table)).toBe('"uniform"\n');
      for (const doc of zip.documents.get(table)!) {
        expect(typeof doc._id).toBe("string");
        expect(typeof doc._creationTime).toBe("number");
        // The backup never holds either; the required one gets its placeholder, the optional one stays absent.
        if (table === "users") expect(doc.passwordHash).toBe(RESTORE_PLACEHOLDERS.users!.passwordHash);
        else expect(doc).not.toHaveProperty("passwordHash");
        expect(doc).not.toHaveProperty("sessionToken");
      }
    }
  });

  test("latest is the newest completed run, and an ISO time picks the newest run started at or before it", async () => {
    const latest = await restore("latest", "latest.zip");
    expect(latest.result.runId).toBe(runs[3]!.runId);
    expect(zipState(latest.zip)).toEqual(runs[3]!.state);

    const second = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: runs[1]!.runId, dryRun: true });
    const justBefore = new Date(second.startedAt - 1).toISOString();
    const first = await restore(justBefore, "before-run2.zip");
    expect(first.result.runId).toBe(runs[0]!.runId);
    expect(zipState(first.zip)).toEqual(runs[0]!.state);
    const atStart = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: new Date(second.startedAt).toISOString(), dryRun: true });
    expect(atStart.runId).toBe(runs[1]!.runId);
  });

  test("values are written as Convex's export JSON: Int64 bare, floats with a point, $bytes, $float", async () => {
    const out = join(dir, "format.zip");
    await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: runs[1]!.runId, out, tables: ["products"] });
    const { unzipSync, strFromU8 } = await import("fflate");
    const text = strFromU8(unzipSync(new Uint8Array(readFileSync(out)))["products/documents.jsonl"]!);
    expect(text).toMatch(/"price":3\.0[,}]/);
    expect(text).toMatch(/"price":-0\.0[,}]/);
    expect(text).toMatch(/"stock":-9223372036854775808[,}]/);
    expect(text).toMatch(/"three":3\.0[,}]/);
    expect(text).toMatch(/"int":3[,}]/);
    expect(text).toMatch(/"bytes":\{"\$bytes":""\}/);
    expect(text).toMatch(/^\{"_creationTime":\d+\.\d+(e\d+)?,"_id":"/m);
    // Every number literal is an integer (Int64) or has a point/exponent (Float64): no bare JSON.stringify output.
    expect(text.split("\n").filter((line) => line !== "")).toHaveLength(14);
  });

  test("each restored run imports into a fresh primary with the app's own schema (users.passwordHash required)", async () => {
    for (const [index, { runId, state }] of runs.entries()) {
      const { zip } = await restore(runId, `import${index + 1}.zip`);
      const imported = await importIntoFresh(zip, { schema: primarySchema, modules: projectModules(PRIMARY_DIR).glob, tables: TABLES });
      expect(imported, `run ${index + 1}`).toEqual(withoutSystemFields(state));
    }
  });
});

function withoutSystemFields(state: State): State {
  const out: State = new Map();
  for (const [table, docs] of state) {
    const rows = [...docs].map(([id, text]) => {
      const { _id: _a, _creationTime: _b, ...fields } = JSON.parse(text) as Record<string, unknown>;
      return [id, JSON.stringify(fields)] as const;
    });
    out.set(table, new Map(rows));
  }
  return out;
}

test("nothing but the ZIPs asked for is left in the output folder", () => {
  expect(readdirSync(dir).every((name) => name.endsWith(".zip") && !name.startsWith("."))).toBe(true);
});
