// Issue 9 items 11 and 13: a restore's import advice matches what its ZIP
// holds. A first run limited with `tables` holds no data for the other
// configured tables: its ZIP is partial, says which tables are absent, and is
// imported with --replace (never --replace-all, which would empty them). A
// whole ZIP gets --replace-all with the warning that it also empties every
// component's tables, and --replace as the safe alternative.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { strFromU8, unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { changeShop, seedShop, type ShopIds } from "../harness/shopData";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { expectRestoreEquals, primarySnapshot, restoreRun, type PrimarySnapshot } from "./support/restorePoints";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

let d: Deployments;
let ids: ShopIds;
let dir: string;
const states: PrimarySnapshot[] = [];

async function backup(tables?: string[]): Promise<void> {
  const result = await d.primary.t.action(internal.backup.runNow, tables === undefined ? {} : { tables });
  expect(result.status).toBe("completed");
  states.push(await primarySnapshot(d));
}

/** `npm run restore` in `dir`: exit code and output. */
function cli(args: string[]) {
  return promisify(execFile)(
    join(ROOT, "node_modules/.bin/tsx"),
    ["--conditions=convex-hourly-backup-source", join(ROOT, "packages/convex-hourly-backup/src/cli/main.ts"), "restore", ...args, "--url", d.backup.server.url, "--secret", d.restoreSecret],
    { cwd: dir, env: { PATH: process.env.PATH ?? "" } },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

function zipReadme(path: string): string {
  return strFromU8(unzipSync(new Uint8Array(readFileSync(path)))["README.md"]!);
}

beforeAll(async () => {
  d = await startDeployments();
  dir = mkdtempSync(join(tmpdir(), "restore-partial-"));
  ids = await seedShop(d.primary, { users: 3, products: 4, orders: 5 });
  // The very first run only backs up users.
  await backup(["users"]);
});
afterAll(async () => {
  await d.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a first run limited with `tables`", () => {
  test("its restore point reports the configured tables it holds no data for", async () => {
    // "latest" is the newest WHOLE point (issue 19): there is none yet; latest-any names this partial one.
    await expect(writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: "latest", dryRun: true })).rejects.toThrow(
      /RUN_NOT_FOUND: None of the newest 1 restore points is whole .*--run latest-any/,
    );
    const dry = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: "latest-any", dryRun: true });
    expect(dry).toMatchObject({ seq: 1, missingTables: ["products", "orders"], leftOutTables: [], partial: true });
    expect(dry.tables.map((t) => t.table)).toEqual(["users"]);
  });

  test("the CLI writes the users it holds, names the absent tables and prints --replace, never --replace-all", async () => {
    const result = await cli(["--run", "latest-any", "--out", "first.zip"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("The ZIP is partial: run 1 holds no data for products, orders");
    expect(result.stdout).toMatch(/^Restore it with: npx convex import --replace \/\S+\/first\.zip$/m);
    expect(result.stdout).not.toContain("npx convex import --replace-all");
    expect(result.stdout).toContain("Never --replace-all here: it would empty products, orders");
    // The ZIP's own README gives the same advice.
    const readme = zipReadme(join(dir, "first.zip"));
    expect(readme).toContain("npx convex import --replace <this file>.zip");
    expect(readme).not.toContain("import --replace-all");
    expect(readme).toContain("holds no data for products, orders");
  }, 60_000);

  test("a run record without configuredTables (written before they were recorded) has none missing", async () => {
    const run = await d.backup.t.run(async (ctx) => (await ctx.db.query("runs").first())!);
    await d.backup.t.run((ctx) => ctx.db.patch("runs", run._id, { configuredTables: undefined }));
    try {
      const dry = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: "1", dryRun: true });
      expect(dry).toMatchObject({ missingTables: [], partial: false });
    } finally {
      await d.backup.t.run((ctx) => ctx.db.patch("runs", run._id, { configuredTables: run.configuredTables }));
    }
  });
});

describe("once every table was backed up", () => {
  beforeAll(async () => {
    await changeShop(d.primary, ids, { fraction: 0.5, deletes: 1, inserts: 2, seed: 2 });
    await backup();
  });

  test("the ZIP is whole: --replace-all, with the warning about components and --replace as the safe alternative", async () => {
    const result = await cli(["--run", "latest", "--out", "whole.zip"]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("The ZIP is partial");
    expect(result.stdout).toMatch(/^Restore it with: npx convex import --replace-all \/\S+\/whole\.zip$/m);
    expect(result.stdout).toContain("--replace-all also empties every table not in the ZIP: tables the backup excludes, and the tables of every component.");
    expect(result.stdout).toMatch(
      /^ {2}To replace only the tables in the ZIP and leave the rest as it is: npx convex import --replace \/\S+\/whole\.zip$/m,
    );
    expect(zipReadme(join(dir, "whole.zip"))).toContain("the tables of every component");
  }, 60_000);

  test("--tables makes the ZIP partial: it names what it leaves out and gets --replace", async () => {
    const { result, zip } = await restoreRun(d, "latest", { tables: ["orders"] });
    expect(result).toMatchObject({ missingTables: [], leftOutTables: ["users", "products"], partial: true });
    expect([...zip.documents.keys()]).toEqual(["orders"]);
  });

  test("a later run limited with `tables` is still whole: the other tables are carried over", async () => {
    await changeShop(d.primary, ids, { fraction: 0.5, deletes: 1, inserts: 1, seed: 3 });
    await backup(["users"]);
    const dry = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: "latest", dryRun: true });
    expect(dry).toMatchObject({ seq: 3, missingTables: [], partial: false });
  });

  test("the latest and the previous point restore the primary's state at those runs; the first its users only", async () => {
    // Run 3 scanned users only; products and orders are carried from run 2, so they are run 2's.
    const atRun3 = new Map(states[2]!);
    atRun3.set("products", states[1]!.get("products")!);
    atRun3.set("orders", states[1]!.get("orders")!);
    await expectRestoreEquals(d, "latest", atRun3);
    await expectRestoreEquals(d, "2", states[1]!);
    await expectRestoreEquals(d, "1", states[0]!, ["users"]);
  });
});
