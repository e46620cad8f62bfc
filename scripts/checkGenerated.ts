// Fails when a project's convex/_generated is stale (the primary, the backup
// deployment, the benchmark's baseline receiver): regenerates each offline
// and compares with what was there before.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const PROJECTS = [".", "backup-convex", "bench/baseline-convex"];

function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir)) files.set(name, readFileSync(join(dir, name), "utf8"));
  return files;
}

let stale = false;
for (const project of PROJECTS) {
  const generated = join(project, "convex", "_generated");
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
process.exit(stale ? 1 : 0);
