// Issue 9 item 12: --run reads a date or a date-time without a zone as local
// time (as the help says), takes a run's sequence number besides "latest",
// run ids and ISO times, and an --out that cannot be a ZIP file (a folder, a
// missing folder) is refused with a clear message before anything is written.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { changeShop, seedShop } from "../harness/shopData";
import { parseRunSelector, RestoreSource } from "../packages/convex-hourly-backup/src/cli/restore/restoreSource";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { expectRestoreEquals, expectRestoreFails, primarySnapshot, type PrimarySnapshot } from "./support/restorePoints";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// Three runs on Tuesday 2025-01-07 (UTC); in Los Angeles (UTC-8) the day starts at 08:00 UTC.
const RUN_TIMES = [Date.UTC(2025, 0, 7, 2), Date.UTC(2025, 0, 7, 6), Date.UTC(2025, 0, 7, 10)];

let d: Deployments;
let dir: string;
const states: PrimarySnapshot[] = [];

beforeAll(async () => {
  vi.useFakeTimers();
  d = await startDeployments();
  const ids = await seedShop(d.primary, { users: 3, products: 4, orders: 5 });
  for (const [i, time] of RUN_TIMES.entries()) {
    vi.setSystemTime(time);
    if (i > 0) await changeShop(d.primary, ids, { fraction: 0.5, deletes: 1, inserts: 1, seed: i });
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
    states.push(await primarySnapshot(d));
  }
});
afterAll(async () => {
  await d.close();
  vi.useRealTimers();
});

/** `npm run restore` in a fresh folder, in time zone `tz`. */
async function cli(args: string[], tz = "UTC") {
  dir = mkdtempSync(join(tmpdir(), "restore-selectors-"));
  return promisify(execFile)(
    join(ROOT, "node_modules/.bin/tsx"),
    ["--conditions=convex-hourly-backup-source", join(ROOT, "packages/convex-hourly-backup/src/cli/main.ts"), "restore", ...args, "--url", d.backup.server.url, "--secret", d.restoreSecret],
    { cwd: dir, env: { PATH: process.env.PATH ?? "", TZ: tz } },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe("--run", () => {
  test("a date or date-time without a zone is local time; with a zone it is that zone", async () => {
    // Local midnight in Los Angeles is 08:00 UTC: run 2 (06:00 UTC). Read as UTC it would be before every run.
    const date = await cli(["--run", "2025-01-07", "--dry-run"], "America/Los_Angeles");
    expect(date.stderr).toBe("");
    expect(date.stdout).toMatch(/^Run 2 /);
    // 01:00 local is 09:00 UTC: run 2 again.
    const dateTime = await cli(["--run", "2025-01-07T01:00", "--dry-run"], "America/Los_Angeles");
    expect(dateTime.stdout).toMatch(/^Run 2 /);
    // With Z it is UTC, whatever the local zone: 01:00 UTC is before every run.
    const utc = await cli(["--run", "2025-01-07T01:00:00Z", "--dry-run"], "America/Los_Angeles");
    expect(utc.code).toBe(1);
    expect(utc.stderr).toContain("RUN_NOT_FOUND: No completed run started at or before 2025-01-07T01:00:00.000Z.");
  }, 60_000);

  test("parses each selector kind, and refuses impossible dates", () => {
    expect(parseRunSelector("latest")).toEqual({ kind: "latest" });
    expect(parseRunSelector(" 42 ")).toEqual({ kind: "seq", seq: 42 });
    expect(parseRunSelector("2025-05-01")).toEqual({ kind: "atOrBefore", time: new Date(2025, 4, 1).getTime() });
    expect(parseRunSelector("2025-05-01 12:30")).toEqual({ kind: "atOrBefore", time: new Date(2025, 4, 1, 12, 30).getTime() });
    expect(parseRunSelector("2025-05-01T12:00:00.5+02:00")).toEqual({ kind: "atOrBefore", time: Date.UTC(2025, 4, 1, 10, 0, 0, 500) });
    // A Convex id is 31+ characters of letters and digits: never taken for a number.
    expect(parseRunSelector("k17062b81m2wh21nddyq4yc7s57etkxv")).toEqual({ kind: "runId", runId: "k17062b81m2wh21nddyq4yc7s57etkxv" });
    for (const bad of ["2025-13-01", "2025-02-30", "2025-05-01T24:00", "2025-05-01T12:61", "2025-05-01T12"]) {
      expect(() => parseRunSelector(bad), bad).toThrow(`--run "${bad}" looks like a time but is not valid ISO 8601.`);
    }
  });

  test("a run's sequence number selects that run; an unknown or unfinished one is refused", async () => {
    const dry = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: "1", dryRun: true });
    expect(dry.seq).toBe(1);
    await expectRestoreEquals(d, "1", states[0]!);
    await expectRestoreFails(d, "99", /RUN_NOT_FOUND: No run has sequence number 99 in the backup deployment/);
    const failed = await d.backup.t.run((ctx) =>
      ctx.db.insert("runs", { seq: 50, startedAt: RUN_TIMES[0]!, status: "failed", tables: [] }),
    );
    try {
      await expectRestoreFails(d, "50", /RUN_NOT_COMPLETED: Run 50 is failed, not completed/);
    } finally {
      await d.backup.t.run((ctx) => ctx.db.delete("runs", failed));
    }
  });
});

describe("--out", () => {
  test("an existing folder is refused before the backup is even asked, naming the folder, not a temporary file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "restore-out-"));
    try {
      // An unreachable backup: the folder is refused first.
      const error = await writeRestoreZip({ url: "http://127.0.0.1:9", secret: d.secret, run: "latest", out: folder }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toBe(
        `--out ${folder} is a directory: give the path of the ZIP file to write, e.g. ${join(folder, "restore.zip")}.`,
      );
      expect(readdirSync(folder)).toEqual([]);
      await expectRestoreFails(d, "latest", /the folder .*missing does not exist/, { out: join(folder, "missing", "x.zip") });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("the CLI exits 1 with that message (no EISDIR, no temporary file name) and writes nothing", async () => {
    const result = await cli(["--run", "latest", "--out", "."]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("restore failed: --out . is a directory: give the path of the ZIP file to write, e.g. restore.zip.");
    expect(result.stderr).not.toMatch(/EISDIR|\.partial/);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  test("the latest and the previous point restore the primary's state at those runs", async () => {
    expect((await expectRestoreEquals(d, "latest", states[2]!)).seq).toBe(3);
    expect((await expectRestoreEquals(d, "2", states[1]!)).seq).toBe(2);
  });
});

describe("latest", () => {
  // Run records of an app with hundreds of tables and redacted paths are tens
  // of KiB; Convex counts each stored record against a query's 16 MiB. The
  // lookup used to read the newest 100 records at once whatever their size
  // (the 100k bench failed there); it now stops at the first whole point.
  test("finds the newest whole point among large run records without reading past it", async () => {
    const newest = await d.backup.t.run(async (ctx) => (await ctx.db.query("runs").withIndex("by_seq").order("desc").first())!);
    const { _id, _creationTime, ...record } = newest;
    void _id;
    void _creationTime;
    // 40 records of 500 KB each: 20 MB, more than one query may read.
    for (let i = 1; i <= 40; i++) {
      await d.backup.t.run(async (ctx) => void (await ctx.db.insert("runs", { ...record, seq: record.seq + i, error: "x".repeat(500_000) })));
    }
    const source = new RestoreSource({ url: d.backup.server.url, secret: d.restoreSecret });
    const point = await source.getRestorePoint({ kind: "latest" });
    expect(point.seq).toBe(record.seq + 40);
    expect(point.whole).toBe(true);
    expect(point.droppedTables).toEqual([]);
  });
});
