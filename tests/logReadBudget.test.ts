// A page of the change log is sized by what Convex counts and bills: the
// stored documents it reads (log rows included), not the sanitized copies it
// sends. Documents with a large field the backup omits weigh little in the
// backup and a lot in the read.
import { afterEach, beforeEach, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { makeFunctionReference } from "convex/server";
import { getConvexSize } from "convex/values";
import { startDeployments, type Deployments } from "../harness/deployments";
import type { RunSummary } from "../packages/convex-hourly-backup/src/app/runReport";
import { currentBackup } from "./support/backupContents";

const APP = fileURLToPath(new URL("./fixtures/captureApp", import.meta.url));
const runNowRef = makeFunctionReference<"action", { reconcile?: boolean }, RunSummary>("backup:runNow");
const insertProducts = makeFunctionReference<"mutation", { docs: Record<string, unknown>[] }, string[]>("shop:insertProducts");
const MiB = 1024 * 1024;
const PRODUCTS = 2_000;
// An embedding-sized field, omitted by the fixture's backup (products.attributes).
const EMBEDDING = "0.123456789,".repeat(1_159).slice(0, 13_900);

let d: Deployments;
beforeEach(async () => {
  d = (await startDeployments({ primaryDir: APP })) as unknown as Deployments;
});
afterEach(async () => {
  await d.close();
});

test("2,000 documents with a 13.9 KB omitted field changed in one hour: the run completes, each read of the log within 16 MiB", async () => {
  const product = (i: number) => ({ name: `p${i}`, description: "", price: 2, category: "c", images: [], stock: 1n, sizes: [], colors: [], attributes: { embedding: EMBEDDING } });
  await d.primary.t.mutation(insertProducts, { docs: [{ ...product(-1), attributes: {} }] });
  expect((await d.primary.t.action(runNowRef, {})).status).toBe("completed");
  // Within the hour, 2,000 products written through the wrapped builders (500 a mutation).
  const ids: string[] = [];
  for (let at = 0; at < PRODUCTS; at += 500) {
    ids.push(...(await d.primary.t.mutation(insertProducts, { docs: Array.from({ length: 500 }, (_, i) => product(at + i)) })));
  }
  const stored = await d.primary.t.run(async (ctx) => getConvexSize((await ctx.db.get(ids[0] as never))!));
  expect(stored).toBeGreaterThan(13_900);
  d.primary.io.reset();
  const run = await d.primary.t.action(runNowRef, {});
  expect(d.primary.io.calls["backup:readChanges"]!.failed).toBe(0);
  expect(run).toMatchObject({ status: "completed", mode: "log" });
  expect(run.tables.find((t) => t.table === "products")).toMatchObject({ changed: PRODUCTS });
  const readChanges = d.primary.io.calls["backup:readChanges"]!;
  // About 29 MB stored: several pages, each far inside Convex's 16 MiB.
  expect(readChanges.calls).toBeGreaterThanOrEqual(3);
  expect(d.primary.io.largest.read!.amount).toBeLessThanOrEqual(16 * MiB);
  console.log(`largest read of one call: ${d.primary.io.largest.read!.path} ${d.primary.io.largest.read!.amount} bytes; readChanges calls: ${readChanges.calls}`);
  const backedUp = (await currentBackup(d)).get("products")!;
  expect([...backedUp.values()].every((doc) => doc.price === 2 && !("attributes" in doc))).toBe(true);
}, 60_000);
