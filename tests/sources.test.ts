// One backup deployment serves one primary. A second deployment pointed at
// the same BACKUP_URL with the same secret (dev beside prod) is refused with
// an error naming both, and the first one's restore points stay intact.
import { afterEach, beforeEach, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { PRIMARY_CLOUD_URL, startDeployments, type Deployments } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { expectRestoreEquals, runIdOf, snapshotPrimary } from "./support/pointInTime";
import { rowsJson } from "../harness/rowsJson";

const SHOP = ["users", "products", "orders"];
const OTHER = "https://other-deployment-456.convex.cloud";

let d: Deployments;
beforeEach(async () => {
  d = await startDeployments();
  await seedShop(d.primary, { users: 10, products: 10, orders: 10 });
});
afterEach(async () => {
  await d.close();
});

const runNow = () => d.primary.t.action(internal.backup.runNow, {});

test("a second deployment is refused, naming both, and writes nothing", async () => {
  await runNow();
  const prod = await snapshotPrimary(d, SHOP);
  const rows = async () =>
    d.backup.t.run(async (ctx) => rowsJson([await ctx.db.query("runs").collect(), await ctx.db.query("versions").collect()]));
  const before = await rows();

  // Same data, same secret, same BACKUP_URL, another deployment (say dev).
  d.primary.env.CONVEX_CLOUD_URL = OTHER;
  const refused = runNow();
  await expect(refused).rejects.toThrow(/SOURCE_MISMATCH/);
  await expect(refused).rejects.toThrow(PRIMARY_CLOUD_URL);
  await expect(refused).rejects.toThrow(OTHER);
  expect(await rows()).toBe(before);
  await expectRestoreEquals(d, "latest", prod);

  // Back on prod, runs go on; the restore points are prod's alone.
  d.primary.env.CONVEX_CLOUD_URL = PRIMARY_CLOUD_URL;
  expect((await runNow()).status).toBe("completed");
  await expectRestoreEquals(d, "latest", prod);
  await expectRestoreEquals(d, await runIdOf(d, 1), prod);
});

test("BACKUP_SOURCE names the source explicitly (an app moved to a new deployment keeps its backups)", async () => {
  await runNow();
  d.primary.env.CONVEX_CLOUD_URL = OTHER;
  d.primary.env.BACKUP_SOURCE = PRIMARY_CLOUD_URL;
  expect((await runNow()).status).toBe("completed");
  await expectRestoreEquals(d, "latest", await snapshotPrimary(d, SHOP));
});
