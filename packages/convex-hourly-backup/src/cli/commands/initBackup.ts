// convex-hourly-backup init-backup <dir>: writes the backup deployment's
// project (package.json and convex/ modules that re-export the package's),
// then prints the steps that deploy and connect it.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { backupProjectFiles } from "../initBackup/projectFiles";
import { projectVersions } from "../initBackup/versions";
import { BIN, CliError, EXIT_OK, parseFlags, shellQuote, UsageError, type Command } from "../common";

const USAGE = `Usage: ${BIN} init-backup <dir> [--force]

Writes the backup deployment's project into <dir> (created if missing): a
package.json that depends on convex (the version installed here) and on
${BIN} (the version installed here, from the same source: the registry, a
tarball or a linked folder such as a workspace), and convex/ modules that
re-export the package's backup functions, so \`npm update ${BIN}\` upgrades
it. Run it from your app's folder.

  <dir>        the project's folder, e.g. backup-deployment (its name becomes
               the package name)
  --force      overwrite files that already exist there
  -h, --help   this text

Exit codes: 0 the files were written; 1 a file already exists (nothing is
written without --force) or cannot be written; 2 bad usage.`;

/** A folder's name as an npm package name: lowercase, URL-safe characters. */
function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, "-")
    .replace(/^[._-]+/, "");
  return name === "" ? "backup-deployment" : name;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { force: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
    true,
  );
  if (positionals.length === 0) throw new UsageError("give the folder to write, e.g. init-backup backup-deployment.");
  if (positionals.length > 1) throw new UsageError(`one folder only, got ${positionals.length}: ${positionals.join(" ")}.`);
  const dir = positionals[0]!;
  if (dir.trim() === "") throw new UsageError("the folder name is empty.");

  const versions = projectVersions(process.cwd(), resolve(dir));
  const files = backupProjectFiles(packageName(dir), versions);
  const paths = Object.keys(files);
  const existing = paths.filter((path) => existsSync(join(dir, path)));
  if (existing.length > 0 && !values.force) {
    throw new CliError(
      `${join(dir, existing[0]!)}${existing.length > 1 ? ` and ${existing.length - 1} more files` : ""} already exist: ` +
        "nothing was written. Pick another folder, or pass --force to overwrite them.",
    );
  }
  try {
    for (const [path, contents] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), contents);
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new CliError(`cannot write into ${dir}${typeof code === "string" ? ` (${code})` : ""}.`);
  }

  const q = shellQuote(dir);
  const back = shellQuote(relative(resolve(dir), process.cwd()) || ".");
  console.log(
    `Wrote the backup project into ${dir}/ (convex ${versions.convex}, ${BIN} ${versions.package}` +
      `${versions.source === "registry" ? "" : `, as the app installs it`}` +
      `${existing.length > 0 ? `; replaced ${existing.length} existing files` : ""}):`,
  );
  for (const path of paths.sort()) console.log(`  ${path}`);
  if (!versions.convexInstalled) {
    console.log(`convex is not installed here: its package.json asks for convex ${versions.convex}.`);
  }
  console.log(`
Next steps:
  1. cd ${q} && npm install
  2. npx convex init
       logs you in if needed and creates (or picks) the backup's Convex project; pushes nothing
  3. npx convex deploy
       deploys the backup's functions to that project's production deployment: note its URL,
       https://<backup-name>.convex.cloud (dashboard: Settings > URL & Deploy Key)
  4. cd ${back}
  5. npx ${BIN} setup --backup-url https://<backup-name>.convex.cloud --backup-dir ${q} --prod
       and run the commands it prints`);
  return EXIT_OK;
}

export const initBackup: Command = {
  name: "init-backup",
  summary: "write the backup deployment's project (package.json, convex/) into a folder",
  usage: USAGE,
  run,
};
