// Issue 11 part 4: restores import. Each run stores the primary's schema
// with its restore point; the restore checks every document against it,
// gives a required field redaction removed the value RESTORE_PLACEHOLDERS
// names (users.passwordHash is required in the shop), and otherwise stops
// before writing anything with an error naming the table, the field and the
// setting to add. Points from before schemas were stored still restore.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { convexTest } from "convex-test";
import { strFromU8, unzipSync } from "fflate";
import { v, type ValidatorJSON, type Value } from "convex/values";
import { internal } from "../convex/_generated/api";
import { api as backupApi } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import primarySchema from "../convex/schema";
import { RESTORE_PLACEHOLDERS } from "../convex/backupConfig";
import { PRIMARY_DIR, startDeployments, type Deployments } from "../harness/deployments";
import { projectModules } from "../harness/modules";
import { seedShop, type ShopIds } from "../harness/shopData";
import { sha256 } from "../packages/convex-hourly-backup/src/shared/digest";
import type { RedactedPath } from "../packages/convex-hourly-backup/src/shared/protocol";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { SchemaCheck } from "../packages/convex-hourly-backup/src/cli/restore/schemaCheck";
import { RestoreError } from "../packages/convex-hourly-backup/src/cli/restore/restoreSource";
import { readAll } from "./support/backupContents";
import { expectRestoreEquals, expectRestoreFails, primarySnapshot, restoreRun, SHOP_TABLES, type PrimarySnapshot } from "./support/restorePoints";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PLACEHOLDER = RESTORE_PLACEHOLDERS.users!.passwordHash;
const SECRET_HASH = "$2b$10$CANARYrestoreSchemaPasswordHash0123456789abcdefghijklmn";

let d: Deployments;
let ids: ShopIds;
let atRun1: PrimarySnapshot;
let dir: string;

beforeAll(async () => {
  d = await startDeployments();
  dir = mkdtempSync(join(tmpdir(), "restore-schema-"));
  ids = await seedShop(d.primary, { users: 5, products: 4, orders: 3 });
  await d.primary.t.run((ctx) => ctx.db.patch("users", ids.users[0]!, { passwordHash: SECRET_HASH }));
  await d.primary.t.action(internal.backup.runNow, {});
  atRun1 = await primarySnapshot(d);
}, 60_000);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await d.close();
});

const runs = async () => (await readAll(d, "runs")).sort((a, b) => a.seq - b.seq);
const storedSchema = async (hash: string) => d.backup.t.query(backupApi.restore.getSchema, { secret: d.restoreSecret, hash });

/** Points run `seq` at another stored schema (or none) for the length of `fn`. */
async function withRunSchema(seq: number, schemaHash: string | undefined, fn: () => Promise<void>, redactions?: RedactedPath[]) {
  const run = (await runs()).find((r) => r.seq === seq)!;
  await d.backup.t.run((ctx) => ctx.db.patch("runs", run._id, { schemaHash, ...(redactions === undefined ? {} : { redactions }) }));
  try {
    await fn();
  } finally {
    await d.backup.t.run((ctx) => ctx.db.patch("runs", run._id, { schemaHash: run.schemaHash, redactions: run.redactions }));
  }
}

/** Stores a schema JSON on the backup as a run would, returning its hash. */
async function storeSchema(json: string): Promise<string> {
  const hash = await sha256(json);
  await d.backup.t.run((ctx) => ctx.db.insert("schemas", { hash, index: 0, chunks: 1, text: json }));
  return hash;
}

describe("each restore point stores the primary's schema", () => {
  test("the validator JSON of every backed-up table, with users.passwordHash required", async () => {
    const [first] = await runs();
    expect(first!.schemaHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const schema = JSON.parse((await storedSchema(first!.schemaHash!))!) as {
      schemaValidation: boolean;
      tables: Record<string, Extract<ValidatorJSON, { type: "object" }>>;
    };
    expect(schema.schemaValidation).toBe(true);
    // The change log is never backed up: its schema is not stored either.
    expect(Object.keys(schema.tables).sort()).toEqual([...SHOP_TABLES].sort());
    expect(schema.tables.users!.value.passwordHash).toEqual({ fieldType: { type: "string" }, optional: false });
    expect(schema.tables.users!.value.sessionToken).toEqual({ fieldType: { type: "string" }, optional: true });
    expect(schema.tables.products!.value.stock).toEqual({ fieldType: { type: "bigint" }, optional: false });
    // No value of any document: a schema is code.
    expect(JSON.stringify(schema)).not.toContain("CANARY");
  });

  test("an unchanged schema is stored once, however many runs name it", async () => {
    await d.primary.t.mutation(internal.shop.updateUserProfile, { userId: ids.users[1]!, city: "Kochi" });
    await d.primary.t.action(internal.backup.runNow, {});
    await d.primary.t.action(internal.backup.runNow, { reconcile: true });
    const hashes = new Set((await runs()).map((run) => run.schemaHash));
    expect(hashes.size).toBe(1);
    const rows = await d.backup.t.run((ctx) => ctx.db.query("schemas").withIndex("by_hash", (q) => q.eq("hash", [...hashes][0]!)).collect());
    expect(rows).toHaveLength(1);
  });
});

describe("a restore checks every document against its point's schema", () => {
  test("users get the configured placeholder, and every document imports into the app's own schema", async () => {
    const { result, zip } = await restoreRun(d, "latest");
    expect(result.schemaChecked).toBe(true);
    expect(result.placeholders).toEqual([{ table: "users", path: "passwordHash", documents: 5 }]);
    const users = zip.documents.get("users")!;
    expect(users.map((u) => u.passwordHash)).toEqual(Array(5).fill(PLACEHOLDER));
    expect(users.every((u) => !("sessionToken" in u))).toBe(true);

    // Independently of the restore's own checker: insert every document into a
    // fresh deployment with the app's schema, which validates each one.
    const fresh = convexTest({ schema: primarySchema, modules: projectModules(PRIMARY_DIR).glob, transactionLimits: true });
    for (const table of SHOP_TABLES) {
      for (const doc of zip.documents.get(table)!) {
        const { _id, _creationTime, ...fields } = doc;
        // References are ids of the old deployment: any id of the right table passes the validator.
        const remapped = table === "orders" ? await withFreshIds(fresh, fields) : fields;
        await fresh.run((ctx) => ctx.db.insert(table, remapped as never));
      }
    }
    // The check is real: without its placeholder, a restored user is refused.
    const { _id, _creationTime, passwordHash: _placeholder, ...bare } = users[0]!;
    await expect(fresh.run((ctx) => ctx.db.insert("users", bare as never))).rejects.toThrow(/passwordHash/);
  });

  test("the ZIP's README and the CLI say which placeholders were given", async () => {
    const out = join(dir, "readme.zip");
    await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: "latest", out });
    const readme = strFromU8(unzipSync(new Uint8Array(readFileSync(out)))["README.md"]!);
    expect(readme).toContain("checked against the app's schema as run 3 stored it");
    expect(readme).toContain("- users.passwordHash: 5 documents");
    const dry = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: "latest", dryRun: true });
    // The dry run reads and checks every document as the restore does: it counts the same placeholders.
    expect(dry.placeholders).toEqual([{ table: "users", path: "passwordHash", documents: 5 }]);
  });

  test("with no placeholder configured the restore stops before writing anything, naming the table, the field and the setting", async () => {
    const message = /in table "users", the field "passwordHash" is required by the schema stored with run 3, but its documents lack it \(redaction removed it.*--placeholders <file\.json> holding \{ "users": \{ "passwordHash": <value> \} \}.*defineBackup's options \(convex\/backup\.ts\): restorePlaceholders: \{ "users": \{ "passwordHash": <value> \} \} \(applies from the next run/;
    await expectRestoreFails(d, "latest", message, { placeholders: {} });
    await expect(writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: "latest", dryRun: true, placeholders: {} })).rejects.toThrow(message);

    // Without the point's list of redacted paths the check still finds it, document by document, and still writes nothing.
    await withRunSchema(3, (await runs())[2]!.schemaHash, async () => {
      await expectRestoreFails(d, "latest", /in table "users", the field "passwordHash" is required .* document \S+ lacks it .*restorePlaceholders/, { placeholders: {} });
    }, []);
  });

  test("a placeholder that does not pass the field's validator is refused up front", async () => {
    await expectRestoreFails(d, "latest", /The placeholder for users\["passwordHash"\] in restorePlaceholders as run 3 stored it .* is a float64, but the schema stored with run 3 expects a string/, {
      placeholders: { users: { passwordHash: 5 } },
    });
  });

  test("a document that fails the stored schema for another reason: a clear error, no file, exit code 1 from the CLI", async () => {
    const original = JSON.parse((await storedSchema((await runs())[2]!.schemaHash!))!) as {
      tables: Record<string, Extract<ValidatorJSON, { type: "object" }>>;
    };
    // The same schema, but products.price an int64: every stored price (a float64) fails it.
    original.tables.products!.value.price = { fieldType: { type: "bigint" }, optional: false };
    const hash = await storeSchema(JSON.stringify(original));
    const message = /in table "products", document \S+, field "price" is a float64, but the schema stored with run 3 expects an int64 \(v\.int64\(\)\).*no ZIP was written/;
    await withRunSchema(3, hash, async () => {
      await expectRestoreFails(d, "latest", message);
      const cwd = mkdtempSync(join(tmpdir(), "restore-schema-cli-"));
      try {
        const result = await promisify(execFile)(
          join(ROOT, "node_modules/.bin/tsx"),
          ["--conditions=convex-hourly-backup-source", join(ROOT, "packages/convex-hourly-backup/src/cli/main.ts"), "restore", "--run", "latest", "--out", "x.zip", "--url", d.backup.server.url, "--secret", d.restoreSecret],
          { cwd, env: { PATH: process.env.PATH ?? "" } },
        ).then(
          () => ({ code: 0, stderr: "" }),
          (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
        );
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/restore failed: Restore of run 3 stopped: in table "products"/);
        expect(result.stderr).not.toContain(d.restoreSecret);
        expect(readdirSync(cwd)).toEqual([]);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  }, 60_000);

  test("a restore point from before schemas were stored still restores (unchecked; top-level placeholders from --placeholders filled)", async () => {
    await withRunSchema(1, undefined, async () => {
      // The point stored no schema, so no placeholders either: the documents come back as stored.
      const bare = await restoreRun(d, "1");
      expect(bare.result.schemaChecked).toBe(false);
      expect(bare.result.placeholders).toEqual([]);
      expect(bare.zip.documents.get("users")!.some((u) => "passwordHash" in u)).toBe(false);
      // The CLI's --placeholders file (placeholderOverrides) gives them.
      const { result, zip } = await restoreRun(d, "1", { placeholderOverrides: RESTORE_PLACEHOLDERS });
      expect(result.schemaChecked).toBe(false);
      expect(result.placeholders).toEqual([{ table: "users", path: "passwordHash", documents: 5 }]);
      for (const table of SHOP_TABLES) {
        const restored = new Map((zip.documents.get(table) ?? []).map((doc) => [doc._id as string, doc as Value]));
        expect(restored, `${table} restored from run 1`).toEqual(atRun1.get(table));
      }
    }, []);
    // Restored to its stored schema, run 1 gives back the same documents, now checked.
    const checked = await expectRestoreEquals(d, "1", atRun1);
    expect(checked.schemaChecked).toBe(true);
  });
});

describe("the checker (src/cli/restore/schemaCheck.ts)", () => {
  const json = (validator: unknown) => (validator as { json: ValidatorJSON }).json;
  const schemaOf = (tables: Record<string, unknown>) =>
    JSON.stringify({ schemaValidation: true, tables: Object.fromEntries(Object.entries(tables).map(([t, val]) => [t, json(val)])) });
  const doc = (fields: Record<string, unknown>) => ({ _id: "k17abc", _creationTime: 1.5, ...fields });
  const CARD = v.object({
    kind: v.literal("card"),
    number: v.string(),
  });
  const schema = schemaOf({
    t: v.object({
      items: v.array(v.object({ secret: v.string(), n: v.number() })),
      payment: v.optional(v.union(CARD, v.object({ kind: v.literal("cash") }))),
      byKey: v.optional(v.record(v.string(), v.object({ token: v.string() }))),
      count: v.optional(v.int64()),
    }),
  });
  const check = (placeholders: Record<string, Record<string, Value>>, redactions: RedactedPath[] = []) =>
    new SchemaCheck({ seq: 7, schemaJson: schema, placeholders, redactions });

  test("placeholders fill required fields inside arrays, union alternatives and records", () => {
    const c = check({ t: { "items[].secret": "x", "payment.number": "0000", "byKey.*.token": "none" } });
    const out = c.document("t", doc({ items: [{ n: 1 }, { n: 2 }], payment: { kind: "card" }, byKey: { a: {}, b: { token: "kept" } } }));
    expect(out).toEqual(doc({ items: [{ n: 1, secret: "x" }, { n: 2, secret: "x" }], payment: { kind: "card", number: "0000" }, byKey: { a: { token: "none" }, b: { token: "kept" } } }));
    // The other alternative needs nothing.
    expect(c.document("t", doc({ items: [], payment: { kind: "cash" } }))).toEqual(doc({ items: [], payment: { kind: "cash" } }));
    expect(c.filled()).toEqual([
      { table: "t", path: "byKey.*.token", documents: 1 },
      { table: "t", path: "items[].secret", documents: 2 },
      { table: "t", path: "payment.number", documents: 1 },
    ]);
  });

  test("every mismatch is an error naming table, document and field, never a value", () => {
    const c = check({});
    const fails = (fields: Record<string, unknown>, message: RegExp) => {
      let error: unknown;
      try {
        c.document("t", doc(fields));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(RestoreError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("SECRETVALUE");
    };
    fails({ items: [{ secret: "s", n: "SECRETVALUE" }] }, /table "t", document k17abc, field "items\[\]\.n" is a string, but the schema stored with run 7 expects a float64/);
    fails({ items: [], count: 3 }, /field "count" is a float64, .* expects an int64/);
    fails({ items: [], extra: "SECRETVALUE" }, /field "extra" is present, but .* expects no such field/);
    fails({ items: [], payment: { kind: "card" } }, /the field "payment\.number" is required .* document k17abc lacks it \(the stored document does not have it\).*restorePlaceholders: \{ "t": \{ "payment\.number": <value> \} \}/);
    fails({ items: [], payment: { kind: "SECRETVALUE" } }, /field "payment\.kind" is a string of another value, .* expects the literal "(card|cash)"/);
    fails({ items: [{ n: 1 }] }, /the field "items\[\]\.secret" is required/);
  });

  test("a required field the point's report says was removed is refused before any document, unless it has a placeholder", () => {
    const removed = [{ table: "t", path: "t.items[].secret", kind: "key" as const, count: 3 }];
    expect(() => check({}, removed).preflight(["t"])).toThrow(/field "items\[\]\.secret" is required .* its documents lack it \(redaction removed it/);
    expect(check({ t: { "items[].secret": "x" } }, removed).preflight(["t"])).toEqual([{ table: "t", path: "items[].secret" }]);
    // A value-kind redaction ("[redacted]" in place) removes nothing.
    expect(check({}, [{ ...removed[0]!, kind: "value" }]).preflight(["t"])).toEqual([]);
  });
});

async function withFreshIds(fresh: ReturnType<typeof convexTest>, fields: Record<string, Value>): Promise<Record<string, Value>> {
  const userId = await fresh.run((ctx) =>
    ctx.db.insert("users", { email: "ref@example.com", name: "Ref", role: "customer", passwordHash: PLACEHOLDER, createdAt: 0, updatedAt: 0 } as never),
  );
  const productId = await fresh.run((ctx) =>
    ctx.db.insert("products", { name: "Ref", description: "", price: 1, category: "c", images: [], stock: 1n, sizes: [], colors: [] } as never),
  );
  const items = (fields.items as Record<string, Value>[]).map((item) => ({ ...item, productId }));
  return { ...fields, userId, items };
}

test("nothing is left in the test's folder but the ZIPs it wrote", () => {
  expect(readdirSync(dir).every((name) => name.endsWith(".zip"))).toBe(true);
  expect(existsSync(join(dir, "readme.zip"))).toBe(true);
});
