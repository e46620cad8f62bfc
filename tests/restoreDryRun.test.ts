// Issue 19 item 10: `restore --dry-run` runs the restore's own checks (one
// code path: every document read and checked, nothing written), so a dry run
// that says OK means the restore writes its ZIP. It used to check top-level
// fields only, and said OK where the restore then stopped on a required
// nested field the backup redacts.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { ValidatorJSON } from "convex/values";
import { internal } from "../convex/_generated/api";
import { api as backupApi } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { sha256 } from "../packages/convex-hourly-backup/src/shared/digest";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { cli } from "./support/cliRun";

let d: Deployments;
let dir: string;
beforeAll(async () => {
  d = await startDeployments();
  dir = mkdtempSync(join(tmpdir(), "restore-dry-run-"));
  await seedShop(d.primary, { users: 3, products: 2, orders: 4 });
  expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
}, 60_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await d.close();
});

test("a required nested field the backup redacts: the dry run fails exactly as the restore does, and a passing one means the ZIP is written", async () => {
  const run = (await d.backup.t.run((ctx) => ctx.db.query("runs").collect()))[0]!;
  // The report knows orders.payment.cardToken was redacted (a secret key).
  expect(run.redactions!.map((r) => r.path)).toContain("orders.payment.cardToken");
  const stored = JSON.parse((await d.backup.t.query(backupApi.restore.getSchema, { secret: d.restoreSecret, hash: run.schemaHash! }))!) as {
    tables: Record<string, Extract<ValidatorJSON, { type: "object" }>>;
  };
  // The app's schema at that run: an optional payment object whose cardToken is required (like oauth.refreshToken).
  stored.tables.orders!.value.payment = {
    optional: true,
    fieldType: {
      type: "object",
      value: {
        provider: { optional: false, fieldType: { type: "string" } },
        cardToken: { optional: false, fieldType: { type: "string" } },
        last4: { optional: false, fieldType: { type: "string" } },
      },
    },
  };
  const json = JSON.stringify(stored);
  const hash = await sha256(json);
  await d.backup.t.run(async (ctx) => {
    await ctx.db.insert("schemas", { hash, index: 0, chunks: 1, text: json });
    await ctx.db.patch("runs", run._id, { schemaHash: hash });
  });

  const connection = { url: d.backup.server.url, secret: d.restoreSecret, run: "latest" };
  const refused = /in table "orders", the field "payment\.cardToken" is required by the schema stored with run 1, but document \S+ lacks it \(redaction removed it/;
  await expect(writeRestoreZip({ ...connection, out: join(dir, "a.zip") })).rejects.toThrow(refused);
  await expect(writeRestoreZip({ ...connection, dryRun: true })).rejects.toThrow(refused);
  const dry = await cli(["restore", "--run", "latest", "--dry-run", "--url", connection.url, "--secret", connection.secret]);
  expect(dry.code).toBe(1);
  expect(dry.stderr).toMatch(refused);

  // With the placeholder the restore needs, the dry run passes, counts what it fills, and the restore writes its ZIP.
  const placeholderOverrides = { orders: { "payment.cardToken": "tok_restored" } };
  const passed = await writeRestoreZip({ ...connection, dryRun: true, placeholderOverrides });
  expect(passed.tables.map((t) => [t.table, t.documents])).toEqual([["users", 3], ["products", 2], ["orders", 4]]);
  expect(passed.placeholders).toContainEqual({ table: "orders", path: "payment.cardToken", documents: 4 });
  const written = await writeRestoreZip({ ...connection, out: join(dir, "b.zip"), placeholderOverrides });
  expect(written.placeholders).toEqual(passed.placeholders);
  expect(readdirSync(dir)).toEqual(["b.zip"]);
}, 60_000);
