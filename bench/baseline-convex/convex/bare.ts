// Benchmark only: the floor for a full backup run. A page arrives as it was
// read and each document is inserted as JSON text: no hashing, no versions.
import { convexToJson, v, type Value } from "convex/values";
import { mutation } from "./_generated/server";
import { requireBenchSecret } from "./lib/auth";

export const insertPage = mutation({
  args: { secret: v.string(), table: v.string(), docs: v.array(v.any()) },
  returns: v.number(),
  handler: async (ctx, { secret, table, docs }) => {
    requireBenchSecret(secret);
    for (const doc of docs as Value[]) {
      await ctx.db.insert("copies", { table, json: JSON.stringify(convexToJson(doc)) });
    }
    return docs.length;
  },
});
