// npm run setup: generates the shared BACKUP_SECRET and prints the commands
// that configure both real deployments. The secret is written to no file
// unless --write-env-file is given, and it is printed only inside those
// commands.
//
//   npm run setup
//   npm run setup -- --backup-url https://happy-otter-123.convex.cloud --prod
//   npm run setup -- --backup-url https://happy-otter-123.convex.cloud --write-env-file .env.local
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { MIN_SECRET_LENGTH } from "../shared/protocol";

const USAGE = `Usage: npm run setup -- [--backup-url URL] [--prod] [--write-env-file .env.local]
  --backup-url      the backup deployment's URL (https://<name>.convex.cloud); fills in the BACKUP_URL command
  --prod            target each project's production deployment (adds --prod to every command)
  --write-env-file  also write BACKUP_URL and BACKUP_SECRET to this file, for tools run on your machine`;

/** Files the repository's .gitignore already keeps out of git. */
const IGNORED_ENV_FILES = [".env", ".env.local"];

type Options = { backupUrl: string | null; prod: boolean; envFile: string | null };

class UsageError extends Error {}

function parseOptions(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        "backup-url": { type: "string" },
        prod: { type: "boolean", default: false },
        "write-env-file": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return {
    backupUrl: values["backup-url"] === undefined ? null : checkBackupUrl(values["backup-url"]),
    prod: values.prod,
    envFile: values["write-env-file"] ?? null,
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
function generateSecret(): string {
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

function main(): void {
  const options = parseOptions();
  const secret = generateSecret();
  const prod = options.prod ? " --prod" : "";
  const url = options.backupUrl ?? "https://<backup-deployment>.convex.cloud";
  const target = options.prod ? "production" : "development";

  console.log(`Generated a new BACKUP_SECRET: 32 random bytes, base64url (${secret.length} characters).`);
  console.log(`Run these commands to configure the ${target} deployments of both projects.\n`);
  console.log("1. The backup project (it refuses every request until its secret is set):");
  console.log(`     cd backup-convex && npx convex env set BACKUP_SECRET '${secret}'${prod} && cd ..\n`);
  console.log("2. The primary project (the one whose data is backed up), from the repository root:");
  console.log(`     npx convex env set BACKUP_SECRET '${secret}'${prod}`);
  console.log(`     npx convex env set BACKUP_URL ${url}${prod}\n`);
  if (options.backupUrl === null) {
    console.log("   Replace the placeholder with the backup deployment's URL (the backup project's Convex dashboard,");
    console.log("   Settings > URL & Deploy Key), or run again with --backup-url.\n");
  }
  console.log("3. Check the connection without writing anything:");
  console.log(`     npx convex run backup:runNow '{"dryRun": true}'${prod}\n`);
  if (options.envFile === null) {
    console.log("This command saved the secret nowhere: if you lose it, run npm run setup again and set the new");
    console.log("value on both deployments.");
  }

  if (options.envFile !== null) {
    const values: Record<string, string> = { BACKUP_SECRET: secret };
    if (options.backupUrl !== null) values.BACKUP_URL = options.backupUrl;
    const replaced = writeEnvFile(options.envFile, values);
    console.log(`Wrote ${Object.keys(values).join(" and ")} to ${options.envFile} (file mode 600).`);
    if (replaced.length > 0) {
      console.log(`It replaced the ${replaced.join(" and ")} already there: set the new secret on both deployments (above).`);
    }
    if (options.backupUrl === null) console.log("BACKUP_URL was not written: run again with --backup-url to add it.");
    if (!IGNORED_ENV_FILES.includes(basename(options.envFile))) {
      console.log(`Warning: ${options.envFile} is not covered by this repository's .gitignore; keep it out of git.`);
    }
  }
}

try {
  main();
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  throw error;
}
