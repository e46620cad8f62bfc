// The `convex-hourly-backup` command as a user runs it (from source, through
// the same entry as npm run restore/setup/status/verify), and a stand-in
// `npx` on PATH for the commands that go through `npx convex run`.
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "vitest";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const MAIN = join(ROOT, "packages/convex-hourly-backup/src/cli/main.ts");

export type CliResult = { code: number; stdout: string; stderr: string };

/** `convex-hourly-backup <args>` from source, as `npm run <command>` runs it. */
export function cli(args: string[], options: { cwd?: string; path?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return promisify(execFile)(join(ROOT, "node_modules/.bin/tsx"), ["--conditions=convex-hourly-backup-source", MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: options.path ?? process.env.PATH ?? "", ...options.env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** No stack trace ever reaches the user. */
export const noStack = (result: CliResult) => expect(result.stderr + result.stdout).not.toMatch(/\n\s+at \S+ \(|node:internal/);

/** A stand-in `npx` that records its arguments and prints `stdout` as `npx convex run` would. */
export class FakeNpx {
  private readonly bins: string[] = [];
  private bin = "";

  install(stdout: string, code = 0): void {
    this.bin = mkdtempSync(join(tmpdir(), "cli-bin-"));
    this.bins.push(this.bin);
    writeFileSync(
      join(this.bin, "npx"),
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${this.bin}/args"\necho "some log line" >&2\ncat <<'EOF'\n${stdout}\nEOF\nexit ${code}\n`,
    );
    chmodSync(join(this.bin, "npx"), 0o755);
  }

  /** PATH with the stand-in first. */
  path(): string {
    return `${this.bin}:${process.env.PATH ?? ""}`;
  }

  /** The arguments of its last call, one per element. */
  args(): string[] {
    return readFileSync(join(this.bin, "args"), "utf8").trimEnd().split("\n");
  }

  remove(): void {
    for (const folder of this.bins) rmSync(folder, { recursive: true, force: true });
  }
}
