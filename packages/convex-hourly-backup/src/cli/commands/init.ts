// convex-hourly-backup init: adds the backup to an existing app, by editing
// its syntax tree (src/cli/init/plan.ts), then runs doctor. A second run
// changes nothing.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { BIN, CliError, EXIT_FAILED, EXIT_OK, parseFlags, type Command } from "../common";
import { formatFindings, isNote, summaryLine } from "../doctor/findings";
import type { FileChange } from "../init/plan";

const USAGE = `Usage: ${BIN} init [--dir <app folder>] [--dry-run] [--force]

Adds the hourly backup to the app in <app folder> (default: .), the folder
that holds convex/, by editing its code's syntax tree:
  - convex/backup.ts: defineBackup, with restorePlaceholders for every
    required field the backup redacts (so the first restore imports);
  - the mutation builders with change capture: a new convex/functions.ts, or
    the app's own custom-builder file wrapped (a Triggers builder gets
    withChangeCapture(raw, { wrapDB: triggers.wrapDB }));
  - every mutation / internalMutation import from ./_generated/server moved
    to those builders (an import of query and mutation together is split);
  - ...backupTables in convex/schema.ts, the hourly cron in convex/crons.ts
    (added to an existing one), and the no-restricted-imports rule in the
    app's eslint flat config, if it has one.
Then it runs doctor. A second run changes nothing.

  --dir <folder>   the app's folder (default: .)
  --dry-run        print the changes as a unified diff; write nothing
  --force          also edit files with uncommitted git changes
  -h, --help       this text

Exit codes: 0 done and doctor found no problem; 1 init could not finish, or
doctor found a problem (listed with its fix); 2 bad usage.`;

/** The files of `paths` with uncommitted changes (none outside a git work tree). */
function uncommitted(appDir: string, paths: readonly string[]): string[] {
  if (paths.length === 0) return [];
  try {
    const out = execFileSync("git", ["status", "--porcelain", "--", ...paths], { cwd: appDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return out.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("??")).map((l) => l.slice(3));
  } catch {
    return [];
  }
}

async function diffText(appDir: string, changes: readonly FileChange[]): Promise<string> {
  const { createTwoFilesPatch } = await import("diff");
  return changes
    .map((c) => {
      const path = relative(appDir, c.path).replaceAll("\\", "/");
      return createTwoFilesPatch(c.before === null ? "/dev/null" : `a/${path}`, `b/${path}`, c.before ?? "", c.after, undefined, undefined, { context: 3 })
        .split("\n")
        .slice(1)
        .join("\n");
    })
    .join("");
}

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    dir: { type: "string", default: "." },
    "dry-run": { type: "boolean", default: false },
    force: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  const appDir = resolve(values.dir);
  const { planInit } = await import("../init/plan");
  const plan = await planInit(appDir);
  const rel = (path: string) => relative(appDir, path).replaceAll("\\", "/");
  if (values["dry-run"]) {
    process.stdout.write(await diffText(appDir, plan.changes));
    console.log(`init --dry-run: ${plan.changes.length} file${plan.changes.length === 1 ? "" : "s"} would change; nothing written.`);
    return EXIT_OK;
  }
  const dirty = uncommitted(appDir, plan.changes.filter((c) => c.before !== null).map((c) => rel(c.path)));
  if (dirty.length > 0 && !values.force) {
    throw new CliError(`${dirty.join(", ")} ha${dirty.length === 1 ? "s" : "ve"} uncommitted changes: commit or stash them first (or pass --force), so init's edits can be reviewed as one diff.`);
  }
  for (const change of plan.changes) {
    mkdirSync(dirname(change.path), { recursive: true });
    writeFileSync(change.path, change.after);
  }
  console.log(plan.changes.length === 0 ? "init: nothing to change." : `init changed ${plan.changes.map((c) => `${rel(c.path)}${c.before === null ? " (new)" : ""}`).join(", ")}.`);
  for (const item of plan.byHand) console.log(`init: by hand: ${item}`);
  const { runDoctor } = await import("../doctor/run");
  const { findings } = await runDoctor(appDir);
  if (findings.length > 0) console.log(formatFindings(findings));
  console.log(summaryLine(findings));
  return findings.some((f) => !isNote(f)) || plan.byHand.length > 0 ? EXIT_FAILED : EXIT_OK;
}

export const init: Command = {
  name: "init",
  summary: "add the backup to the app: backup.ts, wrapped builders, schema, cron, imports converted (then doctor)",
  usage: USAGE,
  run,
};
