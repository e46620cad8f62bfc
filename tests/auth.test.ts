import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { internal } from "../convex/_generated/api";
import { randomSecret, startDeployments, type Deployments, PRIMARY_CLOUD_URL } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { backupRowCounts } from "./support/backupContents";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";

let d: Deployments;
beforeEach(async () => {
  d = await startDeployments();
  await seedShop(d.primary, { users: 3, products: 3, orders: 3 });
});
afterEach(async () => {
  await d.close();
});

async function runError(): Promise<string> {
  try {
    await d.primary.t.action(internal.backup.runNow, {});
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("runNow succeeded");
}

const NOTHING = { runs: 0, versions: 0, contents: 0 };

describe("the backup deployment refuses", () => {
  test("a wrong secret, writing nothing and echoing nothing", async () => {
    const wrong = randomSecret();
    d.primary.env.BACKUP_SECRET = wrong;
    const message = await runError();
    expect(message).toMatch(/UNAUTHORIZED/);
    expect(message).not.toContain(wrong);
    expect(message).not.toContain(d.secret);
    expect(await backupRowCounts(d)).toEqual(NOTHING);
  });

  test("everything while its BACKUP_SECRET is unset or shorter than 32 characters", async () => {
    for (const configured of [undefined, "", "short-secret-of-31-characters!!"]) {
      d.backup.env.BACKUP_SECRET = configured;
      d.primary.env.BACKUP_SECRET = configured === undefined || configured === "" ? d.secret : configured.padEnd(40, "x");
      const message = await runError();
      expect(message).toMatch(/BACKUP_SECRET_NOT_CONFIGURED/);
      expect(await backupRowCounts(d)).toEqual(NOTHING);
    }
    // Even a caller presenting the very (too short) configured value is refused.
    d.backup.env.BACKUP_SECRET = "short";
    const client = new ConvexHttpClient(d.backup.server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
    await expect(
      client.mutation(makeFunctionReference<"mutation">("runs:beginRun"), { secret: "short", holder: "h", leaseMs: 1000, tables: [], source: PRIMARY_CLOUD_URL }),
    ).rejects.toThrow(/BACKUP_SECRET/);
    expect(await backupRowCounts(d)).toEqual(NOTHING);
  });

  // Every public function with every kind of wrong secret: tests/badInput.test.ts.

  test("paths that are not public functions, as a real deployment does", async () => {
    const response = await fetch(`${d.backup.server.url}/api/query`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "_generated/server:query", format: "convex_encoded_json", args: [{}] }),
    });
    expect(response.status).toBe(404);
  });
});

describe("secret rotation", () => {
  test("during a rotation the backup accepts the previous secret too, then only the new one", async () => {
    const old = d.secret;
    const fresh = randomSecret();
    // Step 1: the backup gets the new secret and keeps the old one as previous.
    d.backup.env.BACKUP_SECRET = fresh;
    d.backup.env.BACKUP_SECRET_PREVIOUS = old;
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
    // Step 2: the primary switches to the new secret.
    d.primary.env.BACKUP_SECRET = fresh;
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
    // Step 3: the previous secret is removed; the old one no longer works.
    d.backup.env.BACKUP_SECRET_PREVIOUS = undefined;
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
    d.primary.env.BACKUP_SECRET = old;
    expect(await runError()).toMatch(/UNAUTHORIZED/);
  });
});

describe("restore secret rotation", () => {
  test("the backup accepts BACKUP_RESTORE_SECRET_PREVIOUS too while it is set, then only the new one", async () => {
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
    const restoreWith = (secret: string) => writeRestoreZip({ url: d.backup.server.url, secret, run: "latest", dryRun: true });
    const old = d.restoreSecret;
    const fresh = randomSecret();
    d.backup.env.BACKUP_RESTORE_SECRET = fresh;
    d.backup.env.BACKUP_RESTORE_SECRET_PREVIOUS = old;
    expect((await restoreWith(old)).seq).toBe(1);
    expect((await restoreWith(fresh)).seq).toBe(1);
    d.backup.env.BACKUP_RESTORE_SECRET_PREVIOUS = undefined;
    expect((await restoreWith(fresh)).seq).toBe(1);
    await expect(restoreWith(old)).rejects.toThrow(/UNAUTHORIZED/);
    // The primary's runs go on untouched by the rotation.
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
  });
});

describe("the primary's runNow fails clearly", () => {
  test("when BACKUP_URL is missing or malformed", async () => {
    d.primary.env.BACKUP_URL = undefined;
    expect(await runError()).toMatch(/BACKUP_URL is not set/);
    d.primary.env.BACKUP_URL = "not a url";
    expect(await runError()).toMatch(/BACKUP_URL is not a valid URL/);
  });

  test("when BACKUP_SECRET is missing or too short, naming the variable and not the value", async () => {
    d.primary.env.BACKUP_SECRET = undefined;
    expect(await runError()).toMatch(/BACKUP_SECRET is not set/);
    d.primary.env.BACKUP_SECRET = "tiny-secret-value";
    const message = await runError();
    expect(message).toMatch(/BACKUP_SECRET is shorter than 32/);
    expect(message).not.toContain("tiny-secret-value");
    expect(await backupRowCounts(d)).toEqual(NOTHING);
  });

  test("when the backup deployment is down", async () => {
    await d.backup.server.close();
    expect(await runError()).toMatch(/Backup deployment at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
  });
});
