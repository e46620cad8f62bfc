// init (src/cli/init): run in a copy of an ordinary app (tests/fixtures/apps/
// ordinary: raw builders, query and mutation imported together, a Triggers
// builder file, an existing crons.ts, required secrets at the top level and
// nested, an eslint flat config, one component), in-process. What a user sees:
// the diff of --dry-run, the refusal to edit uncommitted files, the edited
// files, doctor's verdict after it, and a second run that changes nothing.
// @vitest-environment node
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { init } from "../packages/convex-hourly-backup/src/cli/commands/init";

const FIXTURE = fileURLToPath(new URL("./fixtures/apps/ordinary", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

let app: string;
const read = (path: string) => readFileSync(join(app, path), "utf8");
const git = (...args: string[]) => execFileSync("git", args, { cwd: app, encoding: "utf8" });

/** Runs `init` with these flags in the app; its exit code, stdout and the error it threw (as the CLI prints it). */
async function runInit(...flags: string[]): Promise<{ code: number; out: string; error?: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    return { code: await init.run(["--dir", app, ...flags]), out: lines.join("\n") };
  } catch (error) {
    return { code: 1, out: lines.join("\n"), error: (error as Error).message };
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "init-app-"));
  cpSync(FIXTURE, app, { recursive: true });
  // The app's packages: this repository's (convex, convex-helpers, esbuild through convex).
  symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"));
  git("init", "-q");
  git("add", "-A");
  git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "the app");
});
afterAll(() => rmSync(app, { recursive: true, force: true }));

describe("init in an ordinary app", () => {
  test("--dry-run prints a unified diff and writes nothing", async () => {
    const { code, out } = await runInit("--dry-run");
    expect(code).toBe(0);
    expect(out).toContain("--- a/convex/users.ts\n+++ b/convex/users.ts");
    expect(out).toContain('-import { mutation, query } from "./_generated/server";\n+import { query } from "./_generated/server";\n+import { mutation } from "./functions";');
    expect(out).toContain("--- /dev/null\n+++ b/convex/backup.ts");
    expect(out).toContain("init --dry-run: 8 files would change; nothing written.");
    expect(git("status", "--porcelain")).toBe("");
  });

  test("refuses to edit a file with uncommitted changes unless --force, writing nothing", async () => {
    writeFileSync(join(app, "convex/users.ts"), read("convex/users.ts") + "\n// work in progress\n");
    const { error } = await runInit();
    expect(error).toContain("convex/users.ts has uncommitted changes: commit or stash them first (or pass --force)");
    expect(git("status", "--porcelain")).toBe(" M convex/users.ts\n");
    git("checkout", "convex/users.ts");
  });

  test("edits the app; doctor then finds no problem, only the component's note", async () => {
    const { code, out } = await runInit();
    expect(out).toContain(
      "init changed convex/apiKeys.ts, convex/crons.ts, convex/functions.ts, convex/reminders.ts, convex/schema.ts, convex/users.ts, convex/backup.ts (new), eslint.config.js.",
    );
    expect(out).toContain("doctor: no problem found");
    expect(out).toContain("note: component counter");
    expect(code).toBe(0);
    // The Triggers builder file, composed so that the triggers' writes are captured.
    expect(read("convex/functions.ts")).toContain("export const mutation = withChangeCapture(rawMutation, { wrapDB: triggers.wrapDB });");
    expect(read("convex/functions.ts")).not.toContain("customMutation");
    expect(read("convex/reminders.ts")).toContain('import { internalMutation } from "./functions";');
    expect(read("convex/schema.ts")).toContain("export default defineSchema({\n  ...backupTables,\n  users: defineTable({");
    // The existing crons.ts keeps its job and gets the hourly backup.
    expect(read("convex/crons.ts")).toContain('crons.daily("reminders"');
    expect(read("convex/crons.ts")).toContain('crons.hourly("backup", { minuteUTC: 0 }, internal.backup.runNow, {});\nexport default crons;');
    // Every required field the backup redacts, nested ones too, has a placeholder: the first restore imports.
    const backup = read("convex/backup.ts");
    for (const entry of ['"passwordHash": "!restored-from-backup"', '"oauth.refreshToken": "!restored-from-backup"', '"secret": "!restored-from-backup"']) {
      expect(backup).toContain(entry);
    }
    expect(read("eslint.config.js")).toContain('"no-restricted-imports"');
  });

  test("a second run changes nothing", async () => {
    const before = git("status", "--porcelain");
    const { code, out } = await runInit();
    expect(out).toContain("init: nothing to change.");
    expect(code).toBe(0);
    expect(git("status", "--porcelain")).toBe(before);
  });
});
