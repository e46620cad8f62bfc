// Issue 13: restore points a user names and pins. `convex-hourly-backup
// pin/unpin` (and `run --label --pin`, through the same pins:label / pins:pin
// calls with the restore secret) mark runs; since issue 19 the primary's
// append credential cannot (appendCredential.test.ts); retention keeps a pinned run
// (and what it needs) while it prunes its unpinned neighbours; restore
// --label finds it; status lists it. A bad or taken label is refused before
// anything is written. Each test goes on from the previous one's state.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { Value } from "convex/values";
import { internal } from "../convex/_generated/api";
import { internal as backupInternal } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import type { RetentionPolicy } from "../packages/convex-hourly-backup/src/backup/retentionPolicy";
import { startDeployments, type Deployments } from "../harness/deployments";
import { changeShop, seedShop, type ShopIds } from "../harness/shopData";
import { rowsJson } from "../harness/rowsJson";
import { readExportZip, type ExportZip } from "./support/exportReader";
import { cli as runCli } from "./support/cliRun";
import { RestoreSource } from "../packages/convex-hourly-backup/src/cli/restore/restoreSource";
import { expectRestoreFails, primarySnapshot, restoreRun, SHOP_TABLES, type PrimarySnapshot } from "./support/restorePoints";

const HOUR = 60 * 60 * 1000;
// Monday 2025-01-06 10:00 UTC: run n starts n - 1 hours later.
const T0 = Date.UTC(2025, 0, 6, 10);
const at = (seq: number) => new Date(T0 + (seq - 1) * HOUR).toISOString();
/** Only the newest completed run is kept by the policy: every other run stays only if pinned. */
const NEWEST_ONLY: RetentionPolicy = { keepAllHours: 0, dailyDays: 0, weeklyWeeks: 0 };
const LABEL = "before-migration-42";

let d: Deployments;
let ids: ShopIds;
let dir: string;
/** The primary's state when each run finished, by seq. */
const states = new Map<number, PrimarySnapshot>();

/** `convex-hourly-backup <args>` from source against the served backup, with the restore secret. */
const cli = (args: string[]) =>
  runCli(args, { cwd: dir, env: { BACKUP_URL: d.backup.server.url, BACKUP_RESTORE_SECRET: d.restoreSecret } });

/** Some shop changes, then run `seq` at its hour. */
async function backup(seq: number) {
  vi.setSystemTime(T0 + (seq - 1) * HOUR - 10 * 60_000);
  await changeShop(d.primary, ids, { fraction: 0.3, deletes: 1, inserts: 1, seed: seq });
  vi.setSystemTime(T0 + (seq - 1) * HOUR);
  const result = await d.primary.t.action(internal.backup.runNow, {});
  expect(result.status).toBe("completed");
  states.set(seq, await primarySnapshot(d));
  return result;
}

/** The backup deployment with the restore secret: what `run --label --pin` and `pin` call. */
const restoreSource = () => new RestoreSource({ url: d.backup.server.url, secret: d.restoreSecret });

/** A whole retention pass, as the hourly cron runs it, with a policy that keeps only the newest run. */
async function prune() {
  await d.backup.t.mutation(backupInternal.retention.prune, { policy: NEWEST_ONLY });
  await d.backup.t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function runRecords() {
  const runs = await d.backup.t.run((ctx) => ctx.db.query("runs").withIndex("by_seq").collect());
  return runs.map((run) => [run.seq, run.status, run.label ?? null, run.pinned === true]);
}

/** Every row the backup and the primary's change log hold: "nothing written" compares these. */
async function allRows() {
  const backup = await d.backup.t.run(async (ctx) => ({
    runs: rowsJson(await ctx.db.query("runs").collect()),
    versions: (await ctx.db.query("versions").collect()).length,
    contents: (await ctx.db.query("contents").collect()).length,
    batches: (await ctx.db.query("batches").collect()).length,
  }));
  const changeLog = await d.primary.t.run(async (ctx) => (await ctx.db.query("backupChanges").collect()).length);
  return { ...backup, changeLog };
}

/** A restore ZIP read back: table -> id -> document. */
function byId(zip: ExportZip): Map<string, Map<string, Value>> {
  return new Map(zip.tables.map(({ name }) => [name, new Map((zip.documents.get(name) ?? []).map((doc) => [doc._id as string, doc as Value]))]));
}
const zipDocuments = (path: string) => byId(readExportZip(readFileSync(path)));

function expectState(restored: Map<string, Map<string, Value>>, seq: number) {
  expect([...restored.keys()].sort()).toEqual([...SHOP_TABLES].sort());
  for (const table of SHOP_TABLES) expect(restored.get(table), `${table} at run ${seq}`).toEqual(states.get(seq)!.get(table));
}

beforeAll(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(T0 - HOUR);
  dir = mkdtempSync(join(tmpdir(), "pins-"));
  d = await startDeployments();
  ids = await seedShop(d.primary, { users: 4, products: 5, orders: 8 });
}, 60_000);
afterAll(async () => {
  await d.close();
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("a labelled, pinned restore point", () => {
  test("a run, then its point labelled and pinned with the restore secret (as run --label --pin does)", async () => {
    await backup(1);
    const second = await backup(2);
    const marked = await restoreSource().pin({ kind: "runId", runId: second.runId! }, LABEL);
    expect(marked).toMatchObject({ seq: 2, label: LABEL, pinned: true, changed: true });
    await backup(3);
    await backup(4);
    expect(await runRecords()).toEqual([
      [1, "completed", null, false],
      [2, "completed", LABEL, true],
      [3, "completed", null, false],
      [4, "completed", null, false],
    ]);
  });

  test("backup:status lists the pin with its label", async () => {
    vi.setSystemTime(T0 + 3 * HOUR + 5 * 60_000);
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((text: string) => void lines.push(text));
    const report = await d.primary.t.action(internal.backup.status, {});
    vi.mocked(console.log).mockRestore();
    expect(report.pins).toEqual([
      { runId: expect.any(String), seq: 2, label: LABEL, status: "completed", startedAt: T0 + HOUR, finishedAt: T0 + HOUR },
    ]);
    expect(lines).toContain(`[backup status] pinned (kept until unpinned): run 2 "${LABEL}" ${at(2)}`);
    expect(lines.find((line) => line.startsWith("[backup status] run 2 "))).toMatch(/^\[backup status\] run 2 \S+ completed \["before-migration-42", pinned\] in /);
    expect(lines.at(-1)).toBe("[backup status] newest restore point: run 4, finished 5 min ago.");
  });

  test("retention prunes its unpinned neighbours, keeps it whole, and it restores by label", async () => {
    vi.setSystemTime(T0 + 4 * HOUR);
    await prune();
    // Runs 1 and 3 are gone; run 2 (pinned) and run 4 (newest) stay.
    expect(await runRecords()).toEqual([
      [2, "completed", LABEL, true],
      [4, "completed", null, false],
    ]);
    const byLabel = await restoreRun(d, LABEL, { selector: { kind: "label", label: LABEL } });
    expect(byLabel.result).toMatchObject({ seq: 2, label: LABEL });
    expectState(byId(byLabel.zip), 2);

    // As a user runs it: restore --label, and --run with the label.
    const out = join(dir, "labelled.zip");
    const result = await cli(["restore", "--label", LABEL, "--out", out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split("\n")[0]).toMatch(new RegExp(`^Run 2 "${LABEL}" \\(\\S+\\): started ${at(2)}, finished ${at(2)}$`));
    expectState(zipDocuments(out), 2);
    const viaRun = await cli(["restore", "--run", LABEL, "--out", join(dir, "via-run.zip")]);
    expect(viaRun.code, viaRun.stderr).toBe(0);
    expectState(zipDocuments(join(dir, "via-run.zip")), 2);
    // The pruned neighbour is no restore point any more.
    await expectRestoreFails(d, "3", /RUN_NOT_FOUND: No run has sequence number 3/);
  }, 60_000);
});

describe("labels are checked before anything is written", () => {
  test("a label another kept run carries is refused: no run, no version, the change log untouched", async () => {
    vi.setSystemTime(T0 + 4 * HOUR + 30 * 60_000);
    await changeShop(d.primary, ids, { fraction: 0.3, deletes: 1, inserts: 1, seed: 99 });
    const before = await allRows();
    expect(before.changeLog).toBeGreaterThan(0);
    await expect(restoreSource().label({ kind: "seq", seq: 4 }, LABEL)).rejects.toThrow(
      `LABEL_TAKEN: Run 2 is already labelled "${LABEL}" (labels are unique among kept restore points): choose another label.`,
    );
    expect(await allRows()).toEqual(before);

    const pinned = await cli(["pin", "4", "--label", LABEL]);
    expect(pinned.code).toBe(1);
    expect(pinned.stderr).toBe(
      `pin failed: The backup deployment refused pins:pin: LABEL_TAKEN: Run 2 is already labelled "${LABEL}" (labels are unique among kept restore points): choose another label.\n`,
    );
    expect(await allRows()).toEqual(before);
  }, 30_000);

  test("an invalid label is refused by the CLI and the backup itself, writing nothing", async () => {
    const before = await allRows();
    const invalid: [string, string][] = [
      ["", "A label cannot be empty."],
      ["has space", '"has space" is not a label: start with a letter'],
      ["42", '"42" is not a label: start with a letter'],
      ["2025-05-01", '"2025-05-01" is not a label'],
      ["latest", '"latest" names the newest restore point: choose another label.'],
      ["x".repeat(65), "A label has at most 64 characters (this one has 65)."],
      ["tab\there", '"tab\\there" is not a label'],
      ["émigré", '"émigré" is not a label'],
    ];
    for (const [label, message] of invalid) {
      await expect(restoreSource().label({ kind: "seq", seq: 4 }, label), label).rejects.toThrow(`INVALID_LABEL: ${message}`);
    }
    await expect(restoreSource().label({ kind: "seq", seq: 4 }, "latest-any")).rejects.toThrow('"latest-any" names the newest restore point');
    expect(await allRows()).toEqual(before);

    const usage = await cli(["pin", "4", "--label", "has space"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^convex-hourly-backup pin: --label: "has space" is not a label: start with a letter, .*See convex-hourly-backup pin --help\.\n$/);
    const runUsage = await cli(["run", "--label", "9lives"]);
    expect(runUsage.code).toBe(2);
    expect(runUsage.stderr).toMatch(/^convex-hourly-backup run: --label: "9lives" is not a label/);
    expect(await allRows()).toEqual(before);
  }, 60_000);
});

describe("pin and unpin from the command line", () => {
  test("pin an existing run with a label; unpin the other, and retention prunes it", async () => {
    const pinned = await cli(["pin", "4", "--label", "after-fix"]);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stdout).toBe(`Pinned run 4 "after-fix" (started ${at(4)}): retention keeps it until \`convex-hourly-backup unpin 4\`.\n`);
    const again = await cli(["pin", "after-fix"]);
    expect(again.stdout).toBe(`Run 4 "after-fix" (started ${at(4)}) was pinned already.\n`);

    const unpinned = await cli(["unpin", LABEL]);
    expect(unpinned.code, unpinned.stderr).toBe(0);
    expect(unpinned.stdout).toBe(`Unpinned run 2 "${LABEL}": the retention policy decides from its next pass whether it is kept.\n`);
    expect(await runRecords()).toEqual([
      [2, "completed", LABEL, false],
      [4, "completed", "after-fix", true],
    ]);
    // Until retention runs, the unpinned point still restores.
    expect((await restoreRun(d, "2")).result.seq).toBe(2);

    // Both are older than the newest run now: 2 goes, 4 (pinned) stays.
    await backup(5);
    vi.setSystemTime(T0 + 5 * HOUR);
    await prune();
    expect(await runRecords()).toEqual([
      [4, "completed", "after-fix", true],
      [5, "completed", null, false],
    ]);
    await expectRestoreFails(d, LABEL, new RegExp(`RUN_NOT_FOUND: No restore point is labelled "${LABEL}"`), {
      selector: { kind: "label", label: LABEL },
    });
    const gone = await cli(["restore", "--label", LABEL, "--out", join(dir, "gone.zip")]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`restore failed: The backup deployment refused restore:getRestorePoint: RUN_NOT_FOUND: No restore point is labelled "${LABEL}".\n`);
    expect(existsSync(join(dir, "gone.zip"))).toBe(false);
    const pinnedRun4 = await restoreRun(d, "after-fix", { selector: { kind: "label", label: "after-fix" } });
    expect(pinnedRun4.result.seq).toBe(4);

    // The label is free again once its run is gone; labelling does not pin.
    await backup(6);
    const relabelled = await restoreSource().label({ kind: "seq", seq: 6 }, LABEL);
    expect(relabelled).toMatchObject({ seq: 6, label: LABEL, pinned: false, changed: true });
  }, 90_000);

  test("a point that is not a restore point cannot be pinned; bad usage exits 2", async () => {
    const missing = await cli(["pin", "3"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("pin failed: The backup deployment refused pins:pin: RUN_NOT_FOUND: No run has sequence number 3 in the backup deployment.\n");
    const noLabel = await cli(["unpin", "no-such-label"]);
    expect(noLabel.code).toBe(1);
    expect(noLabel.stderr).toMatch(/RUN_NOT_FOUND: No run has this id or label in the backup deployment\.\n$/);
    const [none, two] = await Promise.all([cli(["pin"]), cli(["unpin", "4", "5"])]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^convex-hourly-backup pin: name the restore point: /);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^convex-hourly-backup unpin: one restore point at a time/);
    // The primary's secret cannot pin: pins need the restore credential.
    const withPrimarySecret = await cli(["pin", "5", "--secret", d.secret]);
    expect(withPrimarySecret.code).toBe(1);
    expect(withPrimarySecret.stderr).toMatch(/UNAUTHORIZED/);
    expect(withPrimarySecret.stderr).not.toContain(d.secret);
    expect(await runRecords()).toEqual([
      [4, "completed", "after-fix", true],
      [5, "completed", null, false],
      [6, "completed", LABEL, false],
    ]);
  }, 60_000);
});
