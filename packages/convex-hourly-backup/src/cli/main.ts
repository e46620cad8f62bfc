#!/usr/bin/env node
// The `convex-hourly-backup` command (package.json "bin": dist/cli.js, built
// from this file). One file per subcommand under commands/; each has --help.
// Exit codes: 0 ok, 1 the operation failed or found a problem, 2 bad usage.
// Errors are one line on stderr: never a stack trace, never a secret.
import { BIN, EXIT_FAILED, EXIT_OK, EXIT_USAGE, oneLine, scrub, UsageError, type Command } from "./common";
import { doctor } from "./commands/doctor";
import { init } from "./commands/init";
import { initBackup } from "./commands/initBackup";
import { history } from "./commands/history";
import { pin } from "./commands/pin";
import { restore } from "./commands/restore";
import { revert } from "./commands/revert";
import { unpin } from "./commands/unpin";
import { runCommand } from "./commands/run";
import { setup } from "./commands/setup";
import { status } from "./commands/status";
import { verify } from "./commands/verify";

const COMMANDS: readonly Command[] = [init, doctor, initBackup, setup, status, verify, runCommand, restore, revert, pin, unpin, history];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: ${BIN} <command> [options]

Hourly, incremental backups of a Convex deployment into a second Convex
deployment, restorable with one command.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run \`${BIN} <command> --help\` for a command's options.

Exit codes: 0 ok; 1 the operation failed or found a problem (a stale backup,
a difference, a restore that could not be whole); 2 bad usage (an unknown
command or flag, a missing or malformed value).`;
}

/** --help / -h anywhere before a `--` asks for help. */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === "--version" || name === "-v") {
    const { ownPackageJson } = await import("./initBackup/versions");
    console.log(ownPackageJson().version ?? "unknown");
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const what = name.startsWith("-") ? `unknown option "${name}"` : `unknown command "${name}"`;
    console.error(`${BIN}: ${what}. Commands: ${COMMANDS.map((c) => c.name).join(", ")}. See ${BIN} --help.`);
    return EXIT_USAGE;
  }
  if (wantsHelp(args)) {
    console.log(command.usage);
    return EXIT_OK;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${BIN} ${command.name}: ${oneLine(error)} See ${BIN} ${command.name} --help.`);
      return EXIT_USAGE;
    }
    console.error(`${command.name} failed: ${oneLine(error)}`);
    if (process.env.CONVEX_HOURLY_BACKUP_DEBUG === "1" && error instanceof Error && error.stack !== undefined) {
      console.error(scrub(error.stack));
    }
    return EXIT_FAILED;
  }
}

/** Exits once stdout and stderr are flushed, so piped output is never cut short. */
function exit(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  console.error(`${BIN} failed: ${oneLine(error)}`);
  exit(EXIT_FAILED);
});
