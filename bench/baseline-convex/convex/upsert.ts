// Benchmark only: the seed brief's backup receiver. Every run sends every
// document; each is looked up by its original id, then replaced or inserted.
import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { requireBenchSecret } from "./lib/auth";

export const vShopTable = v.union(v.literal("users"), v.literal("products"), v.literal("orders"));

export const upsertDocuments = mutation({
  args: { secret: v.string(), table: vShopTable, docs: v.array(v.any()) },
  returns: v.object({ inserted: v.number(), replaced: v.number() }),
  handler: async (ctx, { secret, table, docs }) => {
    requireBenchSecret(secret);
    let inserted = 0;
    let replaced = 0;
    for (const doc of docs as Record<string, unknown>[]) {
      const { _id, _creationTime, ...fields } = doc;
      const row = { ...fields, originalId: _id as string, originalCreationTime: _creationTime as number };
      const existing = await ctx.db
        .query(table)
        .withIndex("by_originalId", (q) => q.eq("originalId", _id as string))
        .unique();
      if (existing !== null) {
        await ctx.db.replace(table, existing._id, row as never);
        replaced += 1;
      } else {
        await ctx.db.insert(table, row as never);
        inserted += 1;
      }
    }
    return { inserted, replaced };
  },
});
