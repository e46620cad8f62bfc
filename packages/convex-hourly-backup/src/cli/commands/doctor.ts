// convex-hourly-backup doctor: a static check of the app's convex/ folder
// (src/cli/doctor/run.ts says what it checks). Exit 1 on any finding.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { BIN, EXIT_FAILED, EXIT_OK, parseFlags, type Command } from "../common";
import { formatFindings, isNote, summaryLine, type Finding } from "../doctor/findings";

const USAGE = `Usage: ${BIN} doctor [--dir <app folder>] [--backup-module <module>]

Reads the app's convex/ folder (no deployment, nothing written) and reports,
each with its file:line and the fix:
  - a mutation built with a builder that records no changes (the raw builders
    of ./_generated/server, mutationGeneric, customMutation over them, a
    library's own builder such as new Migrations(...) without internalMutation);
  - a ctx.db wrapper (convex-helpers Triggers) composed so that its writes are
    not recorded;
  - a required field (at any depth) the backup redacts, with no restore
    placeholder: the first restore would stop at it;
  - components declared in convex/convex.config.ts: their tables are in no
    restore point, and what to do at restore (a note: it does not fail);
  - an excluded table, omitted field or placeholder naming nothing in the schema.

  --dir <folder>               the app's folder, the one that holds convex/ (default: .)
  --backup-module <module>     the module that calls defineBackup (default: backup)
  -h, --help                   this text

Exit codes: 0 no problem (notes only); 1 a problem (or the check failed); 2 bad usage.`;

/** Runs the check and prints its findings; the findings. ts-morph loads here, not when the CLI starts. */
export async function doctorFindings(dir: string, backupModule?: string): Promise<Finding[]> {
  const { runDoctor } = await import("../doctor/run");
  return (await runDoctor(resolve(dir), { backupModule })).findings;
}

/** doctor's summary line for setup, or null where there is no convex/ folder to check (never throws). */
export async function doctorSummary(dir: string): Promise<string | null> {
  if (!existsSync(resolve(dir, "convex"))) return null;
  try {
    return summaryLine(await doctorFindings(dir));
  } catch (error) {
    return `doctor could not check convex/ (${error instanceof Error ? error.message.split("\n")[0] : String(error)}): run npx convex-hourly-backup doctor.`;
  }
}

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    dir: { type: "string", default: "." },
    "backup-module": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  const findings = await doctorFindings(values.dir, values["backup-module"]);
  if (findings.length > 0) console.log(formatFindings(findings));
  console.log(summaryLine(findings));
  return findings.some((f) => !isNote(f)) ? EXIT_FAILED : EXIT_OK;
}

export const doctor: Command = {
  name: "doctor",
  summary: "check the app's convex/ folder: unrecorded mutations, missing restore placeholders, components (exit 1 on a finding)",
  usage: USAGE,
  run,
};
