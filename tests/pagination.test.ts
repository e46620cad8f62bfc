import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { currentBackup, primaryDocs } from "./support/backupContents";

let d: Deployments;
beforeEach(async () => {
  d = await startDeployments();
});
afterEach(async () => {
  vi.useRealTimers();
  await d.close();
});

function product(i: number) {
  return { name: `p${i}`, description: "", price: i, category: "c", images: [], stock: BigInt(i), sizes: [], colors: [] };
}

test("pages whose documents share _creationTime lose nothing and copy nothing twice", async () => {
  // At the largest Date the mock's creation times stop increasing (ulp = 1 ms
  // > its 0.001 step), so every document inserted here has the same _creationTime.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(8.64e15);
  for (let batch = 0; batch < 5; batch++) {
    await d.primary.t.mutation(internal.shop.insertProducts, {
      docs: Array.from({ length: 500 }, (_, i) => product(batch * 500 + i)),
    });
  }
  const docs = await primaryDocs(d, "products");
  expect(new Set(docs.map((doc) => doc._creationTime)).size).toBe(1);

  // 2,500 documents, 1,000 a page: page boundaries fall inside the tie.
  const summary = await d.primary.t.action(internal.backup.runNow, { tables: ["products"] });
  expect(summary.tables[0]).toMatchObject({ scanned: 2500, changed: 2500 });
  expect(d.backup.server.stats.byPath["sync:applyRange"]).toBe(3);
  const backup = (await currentBackup(d)).get("products")!;
  expect(backup.size).toBe(2500);
  expect([...backup.keys()].sort()).toEqual(docs.map((doc) => doc._id as string).sort());

  // Unchanged ties stay unchanged; a change inside the tie is found.
  await d.primary.t.mutation(internal.shop.setProductPrice, { productId: docs[1500]!._id as never, price: -1 });
  const second = await d.primary.t.action(internal.backup.runNow, { tables: ["products"] });
  expect(second.tables[0]).toMatchObject({ scanned: 2500, changed: 1, deleted: 0 });
});
