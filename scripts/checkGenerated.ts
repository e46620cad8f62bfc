// Fails when generated code is stale:
// - a project's _generated folder (the primary, the backup project, the
//   benchmark's baseline receiver, and the package's own backup modules in
//   packages/convex-hourly-backup/src/backup): regenerated offline and
//   compared with what was there before;
// - backup-convex/: it must be exactly what `convex-hourly-backup init-backup
//   backup-convex` writes here (backupProjectFiles with the installed convex
//   and the package from its workspace folder, as the root installs it), no
//   file more or less besides convex/_generated.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { backupProjectFiles } from "../packages/convex-hourly-backup/src/cli/initBackup/projectFiles";
import { projectVersions } from "../packages/convex-hourly-backup/src/cli/initBackup/versions";

/** Folder codegen runs in -> the folder it writes. */
const PROJECTS: [project: string, generated: string][] = [
  [".", "convex/_generated"],
  ["backup-convex", "convex/_generated"],
  ["bench/baseline-convex", "convex/_generated"],
  ["packages/convex-hourly-backup", "src/backup/_generated"],
];
const BACKUP_PROJECT = "backup-convex";
/** Not part of what init-backup writes: generated, installed, or local settings git ignores. */
const NOT_SCAFFOLD = new Set(["convex/_generated", "node_modules", ".env", ".env.local"]);

function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir)) files.set(name, readFileSync(join(dir, name), "utf8"));
  return files;
}

/** Every file under `dir`, relative to it, skipping NOT_SCAFFOLD. */
function listFiles(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const rel = relative(root, path).split("\\").join("/");
    if (NOT_SCAFFOLD.has(rel)) continue;
    if (statSync(path).isDirectory()) out.push(...listFiles(path, root));
    else out.push(rel);
  }
  return out;
}

let stale = false;
for (const [project, generatedDir] of PROJECTS) {
  const generated = join(project, generatedDir);
  const before = snapshot(generated);
  execFileSync("npx", ["convex", "codegen", "--system-udfs", "--typecheck", "disable"], {
    cwd: project,
    env: { ...process.env, CONVEX_DEPLOYMENT: "" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const after = snapshot(generated);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f));
  if (changed.length > 0) {
    stale = true;
    console.error(`${generated} was stale (${changed.join(", ")}); it has been regenerated: commit it.`);
  } else {
    console.log(`${generated} is fresh.`);
  }
}

// backup-convex/ against init-backup's output, as it would be written from the repository root.
const expected = backupProjectFiles(BACKUP_PROJECT, projectVersions(process.cwd(), join(process.cwd(), BACKUP_PROJECT)));
const present = existsSync(BACKUP_PROJECT) ? listFiles(BACKUP_PROJECT) : [];
const differing = [
  ...Object.entries(expected)
    .filter(([path, contents]) => !present.includes(path) || readFileSync(join(BACKUP_PROJECT, path), "utf8") !== contents)
    .map(([path]) => (present.includes(path) ? `${path} differs` : `${path} is missing`)),
  ...present.filter((path) => !(path in expected)).map((path) => `${path} is not written by init-backup`),
];
if (differing.length > 0) {
  stale = true;
  console.error(
    `${BACKUP_PROJECT}/ is not what init-backup writes (${differing.join("; ")}): ` +
      `rewrite it with \`npx tsx --conditions=convex-hourly-backup-source packages/convex-hourly-backup/src/cli/main.ts init-backup ${BACKUP_PROJECT} --force\` ` +
      "(and delete the files it does not write), then `npm run codegen`, and commit.",
  );
} else {
  console.log(`${BACKUP_PROJECT}/ is what init-backup writes.`);
}
process.exit(stale ? 1 : 0);
