// What a user sees when a restore cannot or should not write: --dry-run,
// --tables, an unreachable backup, a wrong secret, an unknown or unfinished
// run, a backup failing mid-restore; and the CLI (exit code, messages that
// never hold the secret, configuration from .env.local).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { readExportZip } from "./support/exportReader";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

let d: Deployments;
let dir: string;
let firstRunId: string;

beforeAll(async () => {
  d = await startDeployments();
  await seedShop(d.primary, { users: 4, products: 5, orders: 6 });
  firstRunId = (await d.primary.t.action(internal.backup.runNow, {})).runId!;
  await d.primary.t.action(internal.backup.runNow, {});
});
afterAll(async () => {
  await d.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "restore-errors-"));
});

const options = (extra: Partial<Parameters<typeof writeRestoreZip>[0]> = {}) => ({
  url: d.backup.server.url,
  secret: d.restoreSecret,
  run: "latest",
  out: join(dir, "restore.zip"),
  ...extra,
});

describe("writeRestoreZip", () => {
  test("--dry-run reports the run, its tables and counts, and writes nothing", async () => {
    const result = await writeRestoreZip(options({ dryRun: true }));
    expect(result).toMatchObject({ seq: 2, dryRun: true, bytes: 0, out: null });
    expect(result.tables.map((t) => [t.table, t.documents])).toEqual([
      ["users", 4],
      ["products", 5],
      ["orders", 6],
    ]);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("--tables restores only those tables", async () => {
    const result = await writeRestoreZip(options({ tables: ["orders", "users"] }));
    expect(result.tables.map((t) => t.table)).toEqual(["users", "orders"]);
    const zip = readExportZip(new Uint8Array(readFileSync(join(dir, "restore.zip"))));
    expect(zip.tables.map((t) => t.name)).toEqual(["users", "orders"]);
    expect([...zip.documents.keys()].sort()).toEqual(["orders", "users"]);
    expect(zip.documents.get("orders")).toHaveLength(6);
  });

  test("an unknown table is refused with the run's table list", async () => {
    await expect(writeRestoreZip(options({ tables: ["payments"] }))).rejects.toThrow(
      "Run 2 did not back up table(s) payments. Its tables: users, products, orders.",
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  test("an unreachable backup fails clearly and leaves no file", async () => {
    await expect(writeRestoreZip(options({ url: "http://127.0.0.1:9" }))).rejects.toThrow(
      /backup deployment at http:\/\/127\.0\.0\.1:9 is unreachable/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a wrong secret fails with UNAUTHORIZED, never echoing a secret", async () => {
    const wrong = "w".repeat(40);
    const error = (await writeRestoreZip(options({ secret: wrong })).then(
      () => null,
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/UNAUTHORIZED/);
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(d.restoreSecret);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("an unknown run id, a time before any run, and an unfinished run are refused", async () => {
    await expect(writeRestoreZip(options({ run: "no-such-run" }))).rejects.toThrow(/RUN_NOT_FOUND/);
    await expect(writeRestoreZip(options({ run: "2000-01-01T00:00:00Z" }))).rejects.toThrow(
      /RUN_NOT_FOUND: No completed run started at or before 2000-01-01T00:00:00.000Z/,
    );
    await expect(writeRestoreZip(options({ run: "2025-13-45" }))).rejects.toThrow(/not valid ISO 8601/);
    const failed = await d.backup.t.run((ctx) =>
      ctx.db.insert("runs", { seq: 99, startedAt: Date.now(), status: "failed", tables: [] }),
    );
    await expect(writeRestoreZip(options({ run: failed }))).rejects.toThrow(
      /RUN_NOT_COMPLETED: Run 99 is failed, not completed/,
    );
    // A failed run is no restore point: "latest" still names run 2.
    expect((await writeRestoreZip(options({ dryRun: true }))).seq).toBe(2);
    await d.backup.t.run((ctx) => ctx.db.delete("runs", failed));
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a backup failing in the middle of the restore leaves no partial file", async () => {
    const realSecret = d.backup.env.BACKUP_RESTORE_SECRET;
    try {
      const restore = writeRestoreZip(
        options({
          // The backup's secret changes once the first table is written: every later request is refused.
          onProgress: (p) => {
            if (p.tableDone && p.tableIndex === 0) d.backup.env.BACKUP_RESTORE_SECRET = "rotated-".repeat(5);
          },
        }),
      );
      await expect(restore).rejects.toThrow(/UNAUTHORIZED/);
    } finally {
      d.backup.env.BACKUP_RESTORE_SECRET = realSecret;
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  test("an existing file at --out is replaced only by a complete ZIP", async () => {
    const out = join(dir, "restore.zip");
    writeFileSync(out, "previous");
    await expect(writeRestoreZip(options({ secret: "x".repeat(40) }))).rejects.toThrow(/UNAUTHORIZED/);
    expect(readFileSync(out, "utf8")).toBe("previous");
    await writeRestoreZip(options({ run: firstRunId }));
    expect(readExportZip(new Uint8Array(readFileSync(out))).documents.get("users")).toHaveLength(4);
    expect(readdirSync(dir)).toEqual(["restore.zip"]);
  });
});

describe("npm run restore (CLI)", () => {
  const cli = (args: string[], cwd: string, env: Record<string, string> = {}) =>
    run(join(ROOT, "node_modules/.bin/tsx"), ["--conditions=convex-hourly-backup-source", join(ROOT, "packages/convex-hourly-backup/src/cli/main.ts"), "restore", ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...env },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  test("reads BACKUP_URL and BACKUP_RESTORE_SECRET from .env.local, writes the ZIP and prints the counts", async () => {
    writeFileSync(join(dir, ".env.local"), `BACKUP_URL=${d.backup.server.url}\nBACKUP_RESTORE_SECRET="${d.restoreSecret}"\n`);
    const dry = await cli(["--run", "latest", "--dry-run"], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Run 2 .*\n\s+users\s+4 documents\n\s+products\s+5 documents\n\s+orders\s+6 documents/);
    expect(dry.stdout).toContain("Dry run: nothing written.");

    const written = await cli(["--run", firstRunId, "--out", "first.zip", "--tables", "users,orders"], dir);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain("Wrote");
    // Not a terminal: plain progress lines, one per table.
    expect(written.stderr).toContain("[restore] users: 4 documents");
    const zip = readExportZip(new Uint8Array(readFileSync(join(dir, "first.zip"))));
    expect(zip.tables.map((t) => t.name)).toEqual(["users", "orders"]);
  }, 60_000);

  test("exits 1 with a clear message, no secret and no file on a wrong secret", async () => {
    const wrong = "s".repeat(40);
    const result = await cli(["--run", "latest", "--out", "x.zip", "--url", d.backup.server.url, "--secret", wrong], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/restore failed: .*UNAUTHORIZED/);
    expect(result.stderr + result.stdout).not.toContain(wrong);
    expect(readdirSync(dir)).toEqual([]);

    const missing = await cli(["--run", "latest", "--out", "x.zip"], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/BACKUP_URL is not set/);
  }, 60_000);
});
