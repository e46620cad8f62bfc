// Issue 19 item 5: the primary's BACKUP_SECRET only appends. It can no longer
// pin (100 pins locked the operator out and kept those runs forever) or take
// a label first; a run it finishes with no table (or that lost tables) is a
// partial point: `latest` skips it, and its restore advises --replace, never
// --replace-all. `run --label --pin` marks the point with the restore secret.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { internal } from "../convex/_generated/api";
import { PRIMARY_CLOUD_URL, startDeployments, type Deployments } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { cli, FakeNpx } from "./support/cliRun";

let d: Deployments;
let client: ConvexHttpClient;
beforeAll(async () => {
  d = await startDeployments();
  await seedShop(d.primary, { users: 2, products: 2, orders: 2 });
  expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
  client = new ConvexHttpClient(d.backup.server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
}, 60_000);
afterAll(async () => {
  await d.close();
});

/** A backup-deployment mutation called with the primary's append secret, as anyone holding it can. */
const asPrimary = (path: string, args: Record<string, unknown>) =>
  client.mutation(makeFunctionReference<"mutation">(path), { secret: d.secret, ...args });
const runs = () => d.backup.t.run(async (ctx) => (await ctx.db.query("runs").withIndex("by_seq").collect()).map((r) => [r.seq, r.status, r.label ?? null, r.pinned === true]));
const restore = (run: string) => writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run, dryRun: true });

/** A run the append credential begins and finishes with the tables it claims. */
async function appendRun(holder: string, tables: string[], configuredTables: string[]) {
  const { runId } = (await asPrimary("runs:beginRun", { holder, leaseMs: 60_000, tables, source: PRIMARY_CLOUD_URL })) as { runId: string };
  await asPrimary("runs:finishRun", { runId, holder, tables: [], configuredTables });
  return runId;
}

describe("the append credential can neither name nor keep a restore point", () => {
  test("beginRun with a pin or a label, pins:pin, pins:label: refused, nothing written; runNow refuses label and pin", async () => {
    const before = await runs();
    const begin = { holder: "h", leaseMs: 60_000, tables: ["users"], source: PRIMARY_CLOUD_URL };
    for (const marks of [{ pin: true }, { label: "before-migration" }]) {
      await expect(asPrimary("runs:beginRun", { ...begin, ...marks })).rejects.toMatchObject({
        data: { code: "UNAUTHORIZED", message: expect.stringMatching(/^Labels and pins take the backup's BACKUP_RESTORE_SECRET/) },
      });
    }
    for (const path of ["pins:pin", "pins:label"]) {
      await expect(asPrimary(path, { selector: { kind: "seq", seq: 1 }, label: "mine" })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    }
    for (const args of [{ pin: true }, { label: "before-migration" }]) {
      await expect(d.primary.t.action(internal.backup.runNow, args)).rejects.toThrow(/runNow: labels and pins take the backup's BACKUP_RESTORE_SECRET/);
    }
    expect(await runs()).toEqual(before);
  });
});

describe("a point the append credential finishes short is partial", () => {
  test("no table at all: latest skips it, latest-any or its number names it, and its restore never advises --replace-all", async () => {
    await appendRun("empty", [], []);
    expect((await runs()).at(-1)).toEqual([2, "completed", null, false]);
    expect((await restore("latest")).seq).toBe(1);
    const empty = await restore("latest-any");
    expect(empty).toMatchObject({ seq: 2, tables: [], partial: true });
    const out = await cli(["restore", "--run", "2", "--dry-run", "--url", d.backup.server.url, "--secret", d.restoreSecret]);
    expect(out.stdout).toContain("Run 2 holds no table at all: this ZIP restores nothing.");
    expect(out.stdout).toContain("npx convex import --replace <file.zip>");
    expect(out.stdout).not.toContain("--replace-all");
  }, 30_000);

  test("a point lacking tables the point before held is imported with --replace, naming them", async () => {
    // Run 3 claims the primary backs up users only: users are carried over from run 1 (run 2, holding none, is
    // skipped, so it cannot empty the points after it); products and orders are dropped.
    await appendRun("fewer", [], ["users"]);
    const point = await restore("latest");
    expect(point).toMatchObject({ seq: 3, droppedTables: ["products", "orders"], partial: true });
    expect(point.tables.map((t) => [t.table, t.documents])).toEqual([["users", 2]]);
  });

  test("a point whose counts name a table outside configuredTables is refused", async () => {
    const holder = "inconsistent";
    const { runId } = (await asPrimary("runs:beginRun", { holder, leaseMs: 60_000, tables: ["users"], source: PRIMARY_CLOUD_URL })) as { runId: string };
    const counts = { table: "users", scanned: 0, changed: 0, deleted: 0, bytesSent: 0, docsWritten: 0 };
    await expect(asPrimary("runs:finishRun", { runId, holder, tables: [counts], configuredTables: [] })).rejects.toMatchObject({
      data: { code: "INVALID_BATCH" },
    });
    await asPrimary("runs:releaseRun", { runId, holder });
  });
});

describe("convex-hourly-backup run --label --pin", () => {
  const npx = new FakeNpx();
  afterEach(() => npx.remove());

  test("runs the backup, then labels and pins its point with the restore secret", async () => {
    // `npx convex run backup:runNow` stands in for the app: it answers with run 1's summary.
    const run1 = (await d.backup.t.run(async (ctx) => (await ctx.db.query("runs").withIndex("by_seq").first())!))._id;
    npx.install(JSON.stringify({ runId: run1, status: "completed", tables: [], durationMs: 1 }));
    const env = { BACKUP_URL: d.backup.server.url, BACKUP_RESTORE_SECRET: d.restoreSecret };
    const result = await cli(["run", "--label", "before-migration-7", "--pin"], { path: npx.path(), env });
    expect(result.code, result.stderr).toBe(0);
    // runNow got no label or pin: the primary cannot set them.
    expect(npx.args()).toEqual(["convex", "run", "backup:runNow", "{}"]);
    expect(result.stdout).toContain('run: run 1 "before-migration-7" is a restore point labelled "before-migration-7" and pinned');
    expect((await runs())[0]).toEqual([1, "completed", "before-migration-7", true]);
    expect(result.stdout + result.stderr).not.toContain(d.restoreSecret);
  }, 30_000);
});
