// Secrets never leave: unique canaries in every redacted field and in the
// shared secret itself, through successful runs, failing runs and a restore,
// appear in no backup table, no log line, no error message and no restore ZIP.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync, strFromU8 } from "fflate";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { writeRestoreZip } from "../scripts/restore/writeRestoreZip";
import { allBackupText } from "./support/backupContents";

// The shared secret is itself a canary: 40 recognisable characters.
const SECRET = "CANARY-SHARED-SECRET-0123456789abcdefghij";
const canary = (name: string) => `CANARY-${name}-${Math.random().toString(36).slice(2)}`;

let d: Deployments;
let ids: ShopIds;
let dir: string;
beforeEach(async () => {
  d = await startDeployments({ secret: SECRET });
  ids = await seedShop(d.primary, { users: 5, products: 5, orders: 5 });
  dir = mkdtempSync(join(tmpdir(), "canary-"));
});
afterEach(async () => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
  await d.close();
});

test("canaries reach no backup table, log line, error message or restore ZIP", async () => {
  const planted = {
    passwordHash: canary("passwordHash"),
    sessionToken: canary("sessionToken"),
    apiKey: canary("apiKey"),
    cardToken: canary("cardToken"),
    nestedPassword: canary("nestedPassword"),
  };
  await d.primary.t.run(async (ctx) => {
    await ctx.db.patch("users", ids.users[0]!, { passwordHash: planted.passwordHash, sessionToken: planted.sessionToken });
    await ctx.db.patch("products", ids.products[0]!, {
      attributes: { supplier: { apiKey: planted.apiKey }, deep: [{ x: { password: planted.nestedPassword } }] },
    });
    await ctx.db.patch("orders", ids.orders[0]!, { payment: { cardToken: planted.cardToken } });
  });

  const seen: string[] = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void seen.push(args.map(String).join(" ")));
  }
  const errors: string[] = [];
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      errors.push(error instanceof Error ? `${error.message}\n${error.stack}` : String(error));
    }
  };
  const runNow = () => d.primary.t.action(internal.backup.runNow, {});

  // A good run, a change, a run that fails on a dead backup, a wrong secret,
  // a run with a backup that refuses, then a good run and a restore.
  await runNow();
  await d.primary.t.mutation(internal.shop.rotateSession, { userId: ids.users[0]!, sessionToken: canary("rotated") });
  await d.backup.server.goDown();
  await attempt(runNow);
  await d.backup.server.comeBack();
  d.primary.env.BACKUP_SECRET = "CANARY-WRONG-SECRET-0123456789abcdefghijk";
  await attempt(runNow);
  d.primary.env.BACKUP_SECRET = SECRET;
  d.backup.server.faults.add({ path: "sync:applyRange", fault: { kind: "status", status: 503 }, times: Infinity });
  await d.primary.t.mutation(internal.shop.setProductPrice, { productId: ids.products[1]!, price: 2.5 });
  await attempt(runNow);
  d.backup.server.faults.clear();
  await attempt(runNow);
  const out = join(dir, "restore.zip");
  await attempt(() => writeRestoreZip({ url: d.backup.server.url, secret: SECRET, run: "latest", out }));
  await attempt(() => writeRestoreZip({ url: d.backup.server.url, secret: "CANARY-WRONG-SECRET-0123456789abcdefghijk", run: "latest", out: join(dir, "x.zip") }));
  vi.restoreAllMocks();

  expect(errors.length).toBeGreaterThanOrEqual(3);
  const zip = unzipSync(readFileSync(out));
  const zipText = Object.values(zip).map((bytes) => strFromU8(bytes)).join("\n");
  expect(zipText).toContain(ids.users[0]!); // the restore did run
  const places = {
    backup: await allBackupText(d),
    logs: seen.join("\n"),
    errors: errors.join("\n"),
    zip: zipText,
  };
  for (const [where, text] of Object.entries(places)) {
    expect(text, where).not.toContain("CANARY");
  }
});
