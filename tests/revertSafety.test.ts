// Issue 19 items 3 and 4: revert never writes what the backup holds only in
// part into live data, and large documents never reach `npx convex run` as an
// argument Linux refuses (E2BIG): calls are sized in UTF-8 bytes, and a
// document too large for one argument is refused before anything runs.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { convexToJson } from "convex/values";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { RestoreSource } from "../packages/convex-hourly-backup/src/cli/restore/restoreSource";
import { MAX_CALL_BYTES, revertLines } from "../packages/convex-hourly-backup/src/cli/commands/revert";
import { cli, FakeNpx, noStack } from "./support/cliRun";
import { writeAsApp } from "./support/appWrites";

let d: Deployments;
let ids: ShopIds;
beforeAll(async () => {
  d = await startDeployments();
  ids = await seedShop(d.primary, { users: 2, products: 6, orders: 1 });
}, 60_000);
afterAll(async () => {
  await d.close();
});

const runNow = async () => expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
const seqNow = async () => (await new RestoreSource({ url: d.backup.server.url, secret: d.restoreSecret }).getRestorePoint({ kind: "latest" })).seq;
const product = (id: string) => d.primary.t.run((ctx) => ctx.db.get("products", id as never));
const connection = () => ["--url", d.backup.server.url, "--secret", d.restoreSecret];

describe("revert never writes [redacted] or a half-copied field into live data", () => {
  const npx = new FakeNpx();
  afterEach(() => npx.remove());

  test("a field the bad write deleted, held masked or without its nested secret, is left absent and named; other fields revert", async () => {
    const [masked, nested] = [ids.products[0]!, ids.products[1]!];
    await writeAsApp(d, async (db) => {
      await db.patch("products", masked as never, { attributes: { note: "key sk_live_0123456789abcdefghijklmn" }, price: 1 });
      await db.patch("products", nested as never, { attributes: { supplier: { name: "Acme", apiKey: "k-0123456789abcdef" } }, price: 1 });
    });
    await runNow();
    const seq = await seqNow();
    // The bad write: both lose `attributes` and get another price.
    await writeAsApp(d, async (db) => {
      await db.patch("products", masked as never, { attributes: undefined, price: 2 });
      await db.patch("products", nested as never, { attributes: undefined, price: 2 });
    });

    npx.install(JSON.stringify({ reverted: [], unchanged: [], deleted: [], dryRun: false }));
    await cli(["revert", "--table", "products", "--ids", `${masked},${nested}`, "--run", String(seq), ...connection()], { path: npx.path() });
    const [, , , json] = npx.args();
    const args = JSON.parse(json!) as { table: string; documents: string[]; dryRun: boolean; redactedPaths?: string[] };
    // The CLI hands the mutation the point's nested redacted paths of the table.
    expect(args.redactedPaths).toContain("attributes.supplier.apiKey");

    const report = await d.primary.t.mutation(internal.backup.revertDocuments, args);
    expect(report.reverted).toEqual([
      { id: masked, changedFields: ["price"], keptFields: [], notRestored: ["attributes"] },
      { id: nested, changedFields: ["price"], keptFields: [], notRestored: ["attributes"] },
    ]);
    for (const id of [masked, nested]) {
      const live = (await product(id))!;
      expect(live.price).toBe(1);
      expect(live.attributes).toBeUndefined();
      expect(JSON.stringify(convexToJson(live as never))).not.toContain("[redacted]");
    }

    // The CLI says so, by field name (never a value).
    const lines = revertLines("products", `run ${seq}`, report).join("\n");
    expect(lines).toContain(`${masked}: reverted price\n    NOT restored: attributes (the live document lacks it`);
    expect(lines).not.toMatch(/sk_live|k-0123/);
  }, 60_000);
});

describe("revert sizes its `npx convex run` calls in UTF-8 bytes", () => {
  const npx = new FakeNpx();
  afterEach(() => npx.remove());

  test("two documents of multi-byte text go in two calls under the byte limit (one call would fail with E2BIG)", async () => {
    const [a, b] = [ids.products[2]!, ids.products[3]!];
    // 23,000 euro signs: 69 KB each in UTF-8, 23 KB in characters.
    await writeAsApp(d, async (db) => {
      for (const id of [a, b]) await db.patch("products", id as never, { description: "€".repeat(23_000) });
    });
    await runNow();
    npx.install(JSON.stringify({ reverted: [], unchanged: [b], deleted: [], dryRun: true }));
    const result = await cli(["revert", "--table", "products", "--ids", `${a},${b}`, "--run", String(await seqNow()), "--dry-run", ...connection()], {
      path: npx.path(),
    });
    expect(result.stderr).not.toContain("E2BIG");
    expect(result.code).toBe(0);
    // The last call carried one document, within the limit counted in bytes.
    const [, , , json] = npx.args();
    expect(Buffer.byteLength(json!, "utf8")).toBeLessThanOrEqual(MAX_CALL_BYTES);
    expect((JSON.parse(json!) as { documents: string[] }).documents).toHaveLength(1);
    expect(result.stderr.match(/\$ npx convex run backup:revertDocuments/g)).toHaveLength(2);
  }, 60_000);

  test("a document near 1 MiB of multi-byte text is refused before anything runs, naming it and its size", async () => {
    const big = ids.products[4]!;
    // 340,000 euro signs: about 1 MB in UTF-8 (Convex's document limit is 1 MiB).
    await writeAsApp(d, (db) => db.patch("products", big as never, { description: "€".repeat(340_000) }));
    await runNow();
    npx.install("{}");
    const result = await cli(["revert", "--table", "products", "--ids", big, "--run", "latest", ...connection()], { path: npx.path() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`Document ${big} is \\d{7} bytes as command-line JSON \\(UTF-8\\).*nothing was reverted`));
    expect(result.stderr).not.toContain("cannot start npx");
    expect(() => npx.args()).toThrow(); // npx never ran
    noStack(result);
  }, 60_000);
});
