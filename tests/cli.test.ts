// Issue 12: the `convex-hourly-backup` command, run as a user runs it (from
// source, through the same entry as npm run restore/setup/status/verify):
// help and exit codes, init-backup, setup, status against a served backup,
// restore --placeholders, and verify/run through a stand-in `npx` on PATH.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { api as backupApi } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { backupProjectFiles } from "../packages/convex-hourly-backup/src/cli/initBackup/projectFiles";
import { sha256 } from "../packages/convex-hourly-backup/src/shared/digest";
import { readAll } from "./support/backupContents";
import { readExportZip } from "./support/exportReader";
import { cli, FakeNpx, noStack, ROOT } from "./support/cliRun";

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, "packages/convex-hourly-backup/package.json"), "utf8")) as { version: string }).version;
const CONVEX_VERSION = (JSON.parse(readFileSync(join(ROOT, "node_modules/convex/package.json"), "utf8")) as { version: string }).version;
const SUBCOMMANDS = ["init-backup", "setup", "status", "verify", "run", "restore", "revert", "pin", "unpin", "history"];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("help and usage errors", () => {
  test("--help lists every subcommand and the exit codes; each subcommand's --help exits 0 with its own", async () => {
    const top = await cli(["--help"]);
    expect(top.code).toBe(0);
    for (const name of SUBCOMMANDS) expect(top.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(top.stdout).toMatch(/Exit codes: 0 ok; 1 .*; 2 bad usage/s);

    const helps = await Promise.all(SUBCOMMANDS.map((name) => cli([name, "--help"])));
    for (const [i, help] of helps.entries()) {
      expect(help.code, SUBCOMMANDS[i]).toBe(0);
      expect(help.stdout).toContain(`Usage: convex-hourly-backup ${SUBCOMMANDS[i]}`);
      expect(help.stdout).toMatch(/Exit codes: 0 .* 1 .* 2 bad usage/s);
    }
    expect(helps[5]!.stdout).toContain("--placeholders <file.json>");
    expect(helps[1]!.stdout).toContain("--backup-dir <dir>");
  }, 60_000);

  test("an unknown subcommand, an unknown flag or a missing value: exit 2 and one clear line", async () => {
    const [command, flag, missing, none] = await Promise.all([
      cli(["backup-everything"]),
      cli(["restore", "--run", "latest", "--bogus"]),
      cli(["restore", "--out", "x.zip"]),
      cli([]),
    ]);
    expect(command.code).toBe(2);
    expect(command.stderr).toBe(
      'convex-hourly-backup: unknown command "backup-everything". Commands: init, doctor, init-backup, setup, status, verify, run, restore, revert, pin, unpin, history. See convex-hourly-backup --help.\n',
    );
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe("convex-hourly-backup restore: Unknown option '--bogus'. See convex-hourly-backup restore --help.\n");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^convex-hourly-backup restore: --run is required .*\n$/);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("Usage: convex-hourly-backup <command>");
    for (const result of [command, flag, missing]) noStack(result);
  }, 60_000);
});

describe("init-backup", () => {
  test("writes the backup project with the installed convex and the package as the app installs it, and refuses to overwrite it without --force", async () => {
    const target = join(dir, "my-backup");
    const first = await cli(["init-backup", target]);
    expect(first.code).toBe(0);
    // Run from the repository root, whose node_modules links the package's workspace folder:
    // the backup project links the same folder (tests/initBackupSource.test.ts has every source).
    const linked = `file:${relative(target, join(ROOT, "packages/convex-hourly-backup")).split(sep).join("/")}`;
    const expected = backupProjectFiles("my-backup", { convex: CONVEX_VERSION, package: linked });
    expect(Object.keys(expected)).toContain("convex/sync.ts");
    for (const [path, contents] of Object.entries(expected)) expect(readFileSync(join(target, path), "utf8"), path).toBe(contents);
    expect(JSON.parse(readFileSync(join(target, "package.json"), "utf8")).dependencies).toEqual({
      convex: CONVEX_VERSION,
      "convex-hourly-backup": linked,
    });
    expect(first.stdout).toContain(`cd ${target} && npm install`);
    expect(first.stdout).toContain("npx convex init");
    expect(first.stdout).toContain("npx convex deploy");
    expect(first.stdout).toContain(`setup --backup-url https://<backup-name>.convex.cloud --backup-dir ${target}`);

    writeFileSync(join(target, "convex/sync.ts"), "// my edit\n");
    const second = await cli(["init-backup", target]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^init-backup failed: .*already exist: nothing was written\. .*--force/);
    expect(readFileSync(join(target, "convex/sync.ts"), "utf8")).toBe("// my edit\n");
    noStack(second);

    const forced = await cli(["init-backup", target, "--force"]);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(target, "convex/sync.ts"), "utf8")).toBe(expected["convex/sync.ts"]);
  }, 60_000);

  test("where convex is not installed, package.json asks for the package's peer range", async () => {
    const result = await cli(["init-backup", "fresh"], { cwd: dir });
    expect(result.code).toBe(0);
    const peer = (JSON.parse(readFileSync(join(ROOT, "packages/convex-hourly-backup/package.json"), "utf8")) as {
      peerDependencies: { convex: string };
    }).peerDependencies.convex;
    const dependencies = JSON.parse(readFileSync(join(dir, "fresh/package.json"), "utf8")).dependencies;
    expect(dependencies.convex).toBe(peer);
    // No app here names the package: this package's own version, from the registry.
    expect(dependencies["convex-hourly-backup"]).toBe(PACKAGE_VERSION);
    expect(result.stdout).toContain("convex is not installed here");
  }, 30_000);
});

describe("setup", () => {
  test("prints the commands with the secret, cd-ing into --backup-dir (default backup-deployment)", async () => {
    const [named, plain] = await Promise.all([
      cli(["setup", "--backup-dir", "ops/backups", "--backup-url", "https://happy-otter-123.convex.cloud", "--prod"], { cwd: dir }),
      cli(["setup"], { cwd: dir }),
    ]);
    expect(named.code).toBe(0);
    const secret = /npx convex env set BACKUP_SECRET '([^']+)' --prod/.exec(named.stdout)![1]!;
    expect(secret).toHaveLength(43);
    expect(secret.startsWith("-")).toBe(false);
    expect(named.stdout).toContain(`cd ops/backups && npx convex env set BACKUP_SECRET '${secret}' --prod && cd ../..`);
    expect(named.stdout).toContain("npx convex env set BACKUP_URL https://happy-otter-123.convex.cloud --prod");
    // The restore secret goes to the backup project only, and differs from the primary's.
    const restoreSecret = /npx convex env set BACKUP_RESTORE_SECRET '([^']+)' --prod/.exec(named.stdout)![1]!;
    expect(restoreSecret).toHaveLength(43);
    expect(restoreSecret).not.toBe(secret);
    expect(named.stdout).toContain(`cd ops/backups && npx convex env set BACKUP_RESTORE_SECRET '${restoreSecret}' --prod && cd ../..`);
    expect(named.stdout.split(restoreSecret)).toHaveLength(2);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/cd backup-deployment && npx convex env set BACKUP_SECRET '[^']+' && cd \.\.\n/);
    expect(plain.stdout).toContain("npx convex env set BACKUP_URL https://<backup-deployment>.convex.cloud\n");
  }, 30_000);

  test("--write-env-file writes the restore secret (never the primary's) with mode 600; a bad --backup-url is bad usage", async () => {
    const result = await cli(["setup", "--backup-url", "http://127.0.0.1:3210", "--write-env-file", ".env.local"], { cwd: dir });
    expect(result.code).toBe(0);
    const env = readFileSync(join(dir, ".env.local"), "utf8");
    const restoreSecret = /BACKUP_RESTORE_SECRET '([^']+)'/.exec(result.stdout)![1]!;
    expect(env).toBe(`BACKUP_RESTORE_SECRET=${restoreSecret}\nBACKUP_URL=http://127.0.0.1:3210\n`);
    expect(statSync(join(dir, ".env.local")).mode & 0o777).toBe(0o600);
    rmSync(join(dir, ".env.local"));

    const bad = await cli(["setup", "--backup-url", "otter"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^convex-hourly-backup setup: --backup-url is not a URL/);
  }, 30_000);
});

describe("against a backup deployment", () => {
  let d: Deployments;
  beforeAll(async () => {
    d = await startDeployments();
    await seedShop(d.primary, { users: 3, products: 2, orders: 2 });
    expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
  }, 60_000);
  afterAll(async () => {
    await d.close();
  });

  const connection = () => ["--url", d.backup.server.url, "--secret", d.restoreSecret];

  test("status prints the runs and the newest restore point's age, exit 0; stale: exit 1 with the warning", async () => {
    const fresh = await cli(["status", ...connection()], { cwd: dir });
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^\[backup status\] run 1 \S+ completed in \d+ ms, sent .*; scanned\/changed\/deleted: users 3\/3\/0, products 2\/2\/0, orders 2\/2\/0\n/m);
    expect(fresh.stdout).toMatch(/\[backup status\] newest restore point: run 1, finished 0 min ago\.\n$/);
    expect(fresh.stdout + fresh.stderr).not.toContain(d.restoreSecret);
    // The primary's secret reads status too (run records, never documents).
    const withPrimarySecret = await cli(["status", "--url", d.backup.server.url, "--secret", d.secret], { cwd: dir });
    expect(withPrimarySecret.code).toBe(0);

    const [run] = await readAll(d, "runs");
    const hoursAgo = Date.now() - 3 * 60 * 60 * 1000;
    await d.backup.t.run((ctx) => ctx.db.patch("runs", run!._id, { startedAt: hoursAgo - 1000, finishedAt: hoursAgo }));
    try {
      const stale = await cli(["status", ...connection()], { cwd: dir });
      expect(stale.code).toBe(1);
      expect(stale.stdout).toContain("WARNING: the newest restore point (run 1) finished 3 h ago, more than 2 h");
    } finally {
      await d.backup.t.run((ctx) => ctx.db.patch("runs", run!._id, { startedAt: run!.startedAt, finishedAt: run!.finishedAt }));
    }
  }, 60_000);

  test("status with a wrong secret or no backup URL: exit 1, one line, no secret", async () => {
    const wrong = "w".repeat(43);
    const [refused, unset] = await Promise.all([
      cli(["status", "--url", d.backup.server.url, "--secret", wrong], { cwd: dir }),
      cli(["status"], { cwd: dir }),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^status failed: .*UNAUTHORIZED.*\n$/);
    expect(refused.stderr + refused.stdout).not.toContain(wrong);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toMatch(/^status failed: BACKUP_URL is not set/);
    noStack(refused);
  }, 60_000);

  test("restore --placeholders fills a required field for a point stored without a placeholder for it", async () => {
    // Run 1 as a point made before restorePlaceholders named users.passwordHash: its stored schema has none.
    const [run] = await readAll(d, "runs");
    const stored = (await d.backup.t.query(backupApi.restore.getSchema, { secret: d.restoreSecret, hash: run!.schemaHash! }))!;
    const withoutPlaceholders = JSON.stringify({ ...(JSON.parse(stored) as object), restorePlaceholders: {} });
    const hash = await sha256(withoutPlaceholders);
    await d.backup.t.run(async (ctx) => {
      await ctx.db.insert("schemas", { hash, index: 0, chunks: 1, text: withoutPlaceholders });
      await ctx.db.patch("runs", run!._id, { schemaHash: hash });
    });
    try {
      const refused = await cli(["restore", "--run", "1", "--out", "refused.zip", ...connection()], { cwd: dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/restore failed: .*"users", the field "passwordHash" is required .* --placeholders <file\.json> holding/);
      expect(existsSync(join(dir, "refused.zip"))).toBe(false);

      writeFileSync(join(dir, "placeholders.json"), JSON.stringify({ users: { passwordHash: "!reset-me" } }));
      const restored = await cli(["restore", "--run", "1", "--out", "point.zip", "--placeholders", "placeholders.json", ...connection()], {
        cwd: dir,
      });
      expect(restored.code).toBe(0);
      expect(restored.stdout).toContain("users.passwordHash got its placeholder (3 documents)");
      const users = readExportZip(new Uint8Array(readFileSync(join(dir, "point.zip")))).documents.get("users")!;
      expect(users.map((u) => u.passwordHash)).toEqual(["!reset-me", "!reset-me", "!reset-me"]);
    } finally {
      await d.backup.t.run((ctx) => ctx.db.patch("runs", run!._id, { schemaHash: run!.schemaHash }));
    }

    // Merged over what the run stored: the file's value wins where both name the path.
    const merged = await cli(["restore", "--run", "1", "--out", "merged.zip", "--placeholders", "placeholders.json", ...connection()], { cwd: dir });
    expect(merged.code).toBe(0);
    const users = readExportZip(new Uint8Array(readFileSync(join(dir, "merged.zip")))).documents.get("users")!;
    expect(new Set(users.map((u) => u.passwordHash))).toEqual(new Set(["!reset-me"]));
  }, 90_000);

  test("a --placeholders file that is not {table: {path: value}}: exit 2, nothing contacted or written", async () => {
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ users: "!reset-me" }));
    const bad = await cli(["restore", "--run", "1", "--out", "bad.zip", "--placeholders", "bad.json", ...connection()], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^convex-hourly-backup restore: --placeholders bad\.json: "users" is not an object of paths/);
    const missing = await cli(["restore", "--run", "1", "--dry-run", "--placeholders", "nope.json", ...connection()], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--placeholders nope.json cannot be read (ENOENT)");
    expect(existsSync(join(dir, "bad.zip"))).toBe(false);
  }, 30_000);
});

describe("verify and run go through npx convex run", () => {
  const npx = new FakeNpx();
  afterAll(() => npx.remove());
  const fakeNpx = (stdout: string, code = 0) => npx.install(stdout, code);
  const path = () => npx.path();
  const args = () => npx.args();

  test("verify passes --tables and --prod, streams the report and exits 1 on ok: false", async () => {
    const report = { ok: false, tables: [{ table: "orders", scanned: 5, missing: 1, extra: 0, different: 2, rangesDiffering: 1 }], durationMs: 9 };
    fakeNpx(JSON.stringify(report, null, 2));
    const result = await cli(["verify", "--tables", "orders", "--prod"], { cwd: dir, path: path() });
    expect(args()).toEqual(["convex", "run", "backup:verify", '{"tables":["orders"]}', "--prod"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('"missing": 1');
    expect(result.stderr).toContain("some log line");
    expect(result.stderr).toContain("verify found differences: orders (1 missing, 0 extra, 2 different)");

    fakeNpx(JSON.stringify({ ok: true, tables: [], durationMs: 3 }, null, 2));
    const ok = await cli(["verify"], { cwd: dir, path: path() });
    expect(args()).toEqual(["convex", "run", "backup:verify", "{}"]);
    expect(ok.code).toBe(0);
  }, 30_000);

  test("run passes --dry-run, --reconcile and --function-module; a failing command exits 1", async () => {
    fakeNpx(JSON.stringify({ runId: null, status: "dryRun", tables: [] }, null, 2));
    const dry = await cli(["run", "--dry-run", "--reconcile", "--function-module", "admin/backup"], { cwd: dir, path: path() });
    expect(args()).toEqual(["convex", "run", "admin/backup:runNow", '{"dryRun":true,"reconcile":true}']);
    expect(dry.code).toBe(0);

    fakeNpx("", 1);
    const failed = await cli(["run"], { cwd: dir, path: path() });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/run failed: npx convex run backup:runNow '\{\}' failed \(exit code 1\): its output is above\.\n$/);
    noStack(failed);
  }, 30_000);
});
