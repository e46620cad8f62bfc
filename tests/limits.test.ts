// Documents at Convex's limits and tables larger than any one mutation may
// write still back up whole (transaction limits on in the mock).
import { afterEach, beforeEach, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { expectNothingLost } from "./support/assertions";
import { currentBackup } from "./support/backupContents";

let d: Deployments;
beforeEach(async () => {
  d = await startDeployments();
});
afterEach(async () => {
  await d.close();
});

const product = (name: string, extra: Record<string, unknown> = {}) => ({
  name, description: "", price: 1, category: "c", images: [] as string[], stock: 1n, sizes: [] as string[], colors: [] as string[], ...extra,
});

test("arrays of 8,192 items and 16 levels of nesting", async () => {
  let nested: Record<string, unknown> = { bottom: true };
  // products doc (1) > attributes (2) > 14 more levels = 16.
  for (let level = 0; level < 14; level++) nested = { level, inner: nested };
  const [id] = await d.primary.t.mutation(internal.shop.insertProducts, {
    docs: [
      product("wide", { images: Array.from({ length: 8_192 }, (_, i) => `img${i}`) }),
      product("deep", { attributes: nested }),
      product("mixed", { attributes: { list: Array.from({ length: 8_192 }, (_, i) => ({ i, b: new Uint8Array([i % 256]).buffer })) } }),
    ],
  });
  const summary = await d.primary.t.action(internal.backup.runNow, {});
  expect(summary.tables.find((t) => t.table === "products")).toMatchObject({ scanned: 3, changed: 3 });
  expect(((await currentBackup(d)).get("products")!.get(id!)!.images as string[]).length).toBe(8_192);
  await expectNothingLost(d);
});

test("field names Convex accepts in nested objects, the empty one included, back up and restore", async () => {
  const attributes = { "": 1, nested: { "": { "": "x" }, " spaced key ": [{ "": null }], "a.b-c": true, "_under": 2 } };
  const [id] = await d.primary.t.mutation(internal.shop.insertProducts, { docs: [product("odd keys", { attributes })] });
  const summary = await d.primary.t.action(internal.backup.runNow, {});
  expect(summary.status).toBe("completed");
  expect((await currentBackup(d)).get("products")!.get(id!)!.attributes).toEqual(attributes);
  await expectNothingLost(d);
  // And the next run finds nothing to do: no run is stuck on them.
  const next = await d.primary.t.action(internal.backup.runNow, {});
  expect(next.tables.every((t) => t.changed === 0)).toBe(true);
});

test("a table larger than one mutation may write (16,000 documents) backs up in bounded batches", async () => {
  for (let batch = 0; batch < 33; batch++) {
    await d.primary.t.mutation(internal.shop.insertProducts, {
      docs: Array.from({ length: 500 }, (_, i) => product(`p${batch * 500 + i}`)),
    });
  }
  const summary = await d.primary.t.action(internal.backup.runNow, { tables: ["products"] });
  expect(summary.tables[0]).toMatchObject({ scanned: 16_500, changed: 16_500 });
  // 17 pages of at most 1,000 documents, each its own mutation on the backup.
  expect(d.backup.server.stats.byPath["sync:applyRange"]).toBe(17);
  // This first run scanned products only, so it holds none of the shop's other
  // tables: a partial point, which `latest` (the newest whole one) rightly skips.
  // Restore it by its id: products is what this test proves.
  await expectNothingLost(d, summary.runId!);
  const second = await d.primary.t.action(internal.backup.runNow, { tables: ["products"] });
  expect(second.tables[0]).toMatchObject({ changed: 0, docsWritten: 0 });
}, 300_000);

test("documents whose JSON is several times their size (control characters) still back up", async () => {
  // 900,000 control characters: 0.9 MB stored, 5.4 MB as JSON ("\u0001" each).
  const escaped = "\u0001".repeat(900_000);
  for (let i = 0; i < 6; i++) {
    await d.primary.t.mutation(internal.shop.insertProducts, { docs: [product(`escaped${i}`, { description: escaped })] });
  }
  const summary = await d.primary.t.action(internal.backup.runNow, { tables: ["products"] });
  expect(summary.tables[0]).toMatchObject({ scanned: 6, changed: 6 });
  // A first run of products only is a partial point (`latest` skips it): restore it by its id.
  await expectNothingLost(d, summary.runId!);
}, 120_000);
