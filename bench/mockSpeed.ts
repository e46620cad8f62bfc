// Times the convex-test mock on one workload (seed the shop, first and second
// backup run), to compare the mock before and after patches/convex-test*.patch.
//   npx tsx bench/mockSpeed.ts --docs 20000
import "../harness/envScope";
import { parseArgs } from "node:util";
import { internal } from "../convex/_generated/api";
import { startDeployments } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { shopSizeFor } from "./shopSize";

const { values } = parseArgs({ options: { docs: { type: "string", default: "20000" } } });
const docs = Number(values.docs);

const d = await startDeployments();
let started = performance.now();
let cpuStarted = process.cpuUsage();
// Wall-clock and CPU time: CPU time is steadier when other processes share the cores.
const lap = (label: string) => {
  const now = performance.now();
  const cpu = process.cpuUsage(cpuStarted);
  console.log(`${label.padEnd(28)} ${((now - started) / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`);
  started = now;
  cpuStarted = process.cpuUsage();
};
await seedShop(d.primary, shopSizeFor(docs));
lap(`seed ${docs} docs`);
await d.primary.t.action(internal.backup.runNow, {});
lap("runNow (full)");
await d.primary.t.action(internal.backup.runNow, {});
lap("runNow (unchanged)");
await d.primary.t.run(async (ctx) => {
  for (let i = 0; i < 20; i++) await ctx.db.query("orders").withIndex("by_odid", (q) => q.eq("odid", `OD${100_000 + i}`)).unique();
});
lap("20 indexed point queries");
await d.close();
