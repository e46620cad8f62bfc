// convex-hourly-backup setup: generates the two secrets and prints the
// commands that configure both deployments: BACKUP_SECRET (both; the
// primary's append-only credential) and BACKUP_RESTORE_SECRET (the backup
// only; what restores present). Secrets are written to no file unless
// --write-env-file is given, and are printed only inside those commands.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import { MIN_SECRET_LENGTH } from "../../shared/protocol";
import { doctorSummary } from "./doctor";
import { BIN, EXIT_OK, parseFlags, shellQuote, UsageError, type Command } from "../common";

export const DEFAULT_BACKUP_DIR = "backup-deployment";

const USAGE = `Usage: ${BIN} setup [--backup-url <url>] [--backup-dir <dir>] [--prod] [--write-env-file <file>]

Generates two secrets (32 random bytes each) and prints the commands that set
them, and BACKUP_URL: BACKUP_SECRET on both deployments (the primary's
credential: it can only append runs) and BACKUP_RESTORE_SECRET on the backup
deployment only (restores, history and pins; keep it off the primary). Run
them as printed.

  --backup-url <url>       the backup deployment's URL (https://<name>.convex.cloud);
                           fills in the BACKUP_URL command
  --backup-dir <dir>       the backup project's folder, as init-backup wrote it
                           (default: ${DEFAULT_BACKUP_DIR})
  --prod                   target each project's production deployment
                           (adds --prod to every command)
  --write-env-file <file>  also write BACKUP_URL and BACKUP_RESTORE_SECRET to
                           this file (mode 600), for restore and status on your
                           machine (never the primary's BACKUP_SECRET)
  -h, --help               this text

Exit codes: 0 the commands were printed (and the file written); 1 the file
could not be written; 2 bad usage.`;

/** Files a .gitignore usually keeps out of git. */
const IGNORED_ENV_FILES = [".env", ".env.local"];

type Options = { backupUrl: string | null; backupDir: string; prod: boolean; envFile: string | null };

function parseOptions(args: string[]): Options {
  const { values } = parseFlags(args, {
    "backup-url": { type: "string" },
    "backup-dir": { type: "string", default: DEFAULT_BACKUP_DIR },
    prod: { type: "boolean", default: false },
    "write-env-file": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  const backupDir = values["backup-dir"].trim();
  if (backupDir === "") throw new UsageError("--backup-dir is empty: give the backup project's folder.");
  const envFile = values["write-env-file"];
  if (envFile !== undefined && envFile.trim() === "") throw new UsageError("--write-env-file is empty: give a file name such as .env.local.");
  return {
    backupUrl: values["backup-url"] === undefined ? null : checkBackupUrl(values["backup-url"]),
    backupDir,
    prod: values.prod,
    envFile: envFile ?? null,
  };
}

function checkBackupUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--backup-url is not a URL: expected https://<backup-deployment>.convex.cloud, got "${text}".`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError("--backup-url must start with https:// (or http:// for a local backend).");
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/**
 * 32 random bytes, base64url: 43 characters, above the deployments' minimum.
 * Never starting with "-": command lines (npx convex env set, --secret) would
 * read it as an option.
 */
export function generateSecret(): string {
  let secret = randomBytes(32).toString("base64url");
  while (secret.startsWith("-")) secret = randomBytes(32).toString("base64url");
  if (secret.length < MIN_SECRET_LENGTH) throw new Error("Generated secret is unexpectedly short.");
  return secret;
}

/** Sets or replaces KEY=value lines, keeping every other line of the file. Returns the keys replaced. */
function writeEnvFile(path: string, values: Record<string, string>): string[] {
  const lines = existsSync(path) ? readFileSync(path, "utf8").split("\n") : [];
  if (lines.at(-1) === "") lines.pop();
  const replaced: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const line = `${key}=${value}`;
    const at = lines.findIndex((l) => new RegExp(`^\\s*(export\\s+)?${key}\\s*=`).test(l));
    if (at === -1) lines.push(line);
    else {
      lines[at] = line;
      replaced.push(key);
    }
  }
  writeFileSync(path, lines.join("\n") + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
  return replaced;
}

/** `cd <dir> && <command> && cd <back>`: back to where setup ran, whatever the depth of <dir>. */
function inFolder(dir: string, command: string): string {
  const back = relative(resolve(dir), process.cwd()) || ".";
  return `cd ${shellQuote(dir)} && ${command} && cd ${shellQuote(back)}`;
}

async function run(args: string[]): Promise<number> {
  const options = parseOptions(args);
  const secret = generateSecret();
  const restoreSecret = generateSecret();
  const prod = options.prod ? " --prod" : "";
  const url = options.backupUrl ?? "https://<backup-deployment>.convex.cloud";
  const target = options.prod ? "production" : "development";

  console.log(`Generated a new BACKUP_SECRET and BACKUP_RESTORE_SECRET: 32 random bytes each, base64url (${secret.length} characters).`);
  console.log(`Run these commands to configure the ${target} deployments of both projects.\n`);
  console.log(`1. The backup project (${options.backupDir}; it refuses every request until its secrets are set):`);
  console.log(`     ${inFolder(options.backupDir, `npx convex env set BACKUP_SECRET '${secret}'${prod}`)}`);
  console.log(`     ${inFolder(options.backupDir, `npx convex env set BACKUP_RESTORE_SECRET '${restoreSecret}'${prod}`)}`);
  console.log("   BACKUP_RESTORE_SECRET reads every restore point: keep it in your password manager (or");
  console.log("   --write-env-file) for the restore, history and pin commands, and never set it on the primary.\n");
  console.log("2. The primary project (the app whose data is backed up), from its folder:");
  console.log(`     npx convex env set BACKUP_SECRET '${secret}'${prod}`);
  console.log(`     npx convex env set BACKUP_URL ${url}${prod}\n`);
  if (options.backupUrl === null) {
    console.log("   Replace the placeholder with the backup deployment's URL (the backup project's Convex dashboard,");
    console.log("   Settings > URL & Deploy Key), or run again with --backup-url.\n");
  }
  const doctor = await doctorSummary(".");
  if (doctor !== null) console.log(`   ${doctor}\n`);
  console.log("3. Check the connection without writing anything:");
  console.log(`     npx convex run backup:runNow '{"dryRun": true}'${prod}\n`);

  if (options.envFile === null) {
    console.log(`This command saved the secrets nowhere: if you lose one, run ${BIN} setup again and set the new`);
    console.log("values as printed.");
    return EXIT_OK;
  }
  // The tools on this machine read restore points: the restore secret, never the primary's.
  const values: Record<string, string> = { BACKUP_RESTORE_SECRET: restoreSecret };
  if (options.backupUrl !== null) values.BACKUP_URL = options.backupUrl;
  let replaced: string[];
  try {
    replaced = writeEnvFile(options.envFile, values);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(`cannot write ${options.envFile}${typeof code === "string" ? ` (${code})` : ""}: set the secret with the commands above instead.`);
  }
  console.log(`Wrote ${Object.keys(values).join(" and ")} to ${options.envFile} (file mode 600).`);
  if (replaced.length > 0) {
    console.log(`It replaced the ${replaced.join(" and ")} already there: set the new values as printed above.`);
  }
  if (options.backupUrl === null) console.log("BACKUP_URL was not written: run again with --backup-url to add it.");
  if (!IGNORED_ENV_FILES.includes(basename(options.envFile))) {
    console.log(`Warning: ${options.envFile} is not a file .gitignore usually covers (.env, .env.local); keep it out of git.`);
  }
  return EXIT_OK;
}

export const setup: Command = {
  name: "setup",
  summary: "generate BACKUP_SECRET and print the commands that connect the two deployments",
  usage: USAGE,
  run,
};
