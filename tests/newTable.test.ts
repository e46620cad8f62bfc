import { afterEach, expect, test, vi } from "vitest";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

// The app adds a `reviews` table to its schema and changes nothing else.
vi.mock("../convex/schema", async (importOriginal) => {
  const original = await importOriginal<typeof import("../convex/schema")>();
  return {
    ...original,
    default: defineSchema({
      ...original.default.tables,
      reviews: defineTable({ productId: v.string(), stars: v.number(), reviewerToken: v.string() }),
    }),
  };
});

const { internal } = await import("../convex/_generated/api");
const { startDeployments } = await import("../harness/deployments");
const { currentBackup } = await import("./support/backupContents");

const d = await startDeployments();
afterEach(async () => {
  await d.close();
});

test("a table added to the schema is backed up with no other change", async () => {
  await d.primary.t.run(async (ctx) => {
    // `reviews` exists only in the mocked schema, hence the cast.
    const db = ctx.db as unknown as { insert(table: string, doc: object): Promise<string> };
    await db.insert("reviews", { productId: "p1", stars: 5, reviewerToken: "CANARY-review" });
    await db.insert("reviews", { productId: "p2", stars: 3, reviewerToken: "CANARY-review" });
  });
  const summary = await d.primary.t.action(internal.backup.runNow, {});
  expect(summary.tables.map((t) => t.table)).toEqual(["users", "products", "orders", "reviews"]);
  expect(summary.tables[3]).toMatchObject({ scanned: 2, changed: 2 });
  const reviews = [...(await currentBackup(d)).get("reviews")!.values()];
  expect(reviews.map((r) => [r.productId, r.stars]).sort()).toEqual([["p1", 5], ["p2", 3]]);
  // Secret-looking keys are redacted in new tables too.
  expect(reviews.every((r) => !("reviewerToken" in r))).toBe(true);
});
