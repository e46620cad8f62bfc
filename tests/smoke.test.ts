import { afterEach, beforeEach, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";

let d: Deployments;
beforeEach(async () => { d = await startDeployments(); });
afterEach(async () => { await d.close(); });

test("smoke", async () => {
  await d.primary.t.mutation(internal.shop.insertProducts, { docs: [{ name: "a", description: "d", price: 3, category: "c", images: [], stock: 5n, sizes: [], colors: [], attributes: { apiKey: "x", nested: [{ password: "p", ok: 1 }] } }] });
  const summary = await d.primary.t.action(internal.backup.runNow, {});
  console.log(JSON.stringify(summary), d.backup.server.stats);
  const versions = await d.backup.t.run((ctx) => ctx.db.query("contents").collect());
  console.log(versions);
  const s2 = await d.primary.t.action(internal.backup.runNow, {});
  console.log(JSON.stringify(s2));
});
