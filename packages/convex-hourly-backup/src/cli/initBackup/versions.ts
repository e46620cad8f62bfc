// The versions a scaffolded backup project depends on: the `convex` installed
// where the command runs (else this package's peer range), and this package
// from the source the app installed it from (packageSource.ts).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageSource, type PackageSource } from "./packageSource";
import type { ProjectVersions } from "./projectFiles";

export const PACKAGE_NAME = "convex-hourly-backup";

type PackageJson = { name?: string; version?: string; peerDependencies?: Record<string, string> };

/**
 * This package's package.json, found upwards from this file: src/cli/initBackup/
 * when run from source, dist/ when bundled.
 */
export function ownPackageJson(): PackageJson {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
      if (json.name === PACKAGE_NAME) return json;
    } catch {
      // no package.json here: keep looking
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${PACKAGE_NAME}'s package.json above ${fileURLToPath(import.meta.url)}.`);
    dir = parent;
  }
}

/** The version of `convex` that `cwd` resolves, or null when none is installed there. */
export function installedConvexVersion(cwd: string): string | null {
  try {
    const require = createRequire(join(cwd, "package.json"));
    const json = JSON.parse(readFileSync(require.resolve("convex/package.json"), "utf8")) as PackageJson;
    return json.version ?? null;
  } catch {
    return null;
  }
}

/** What the backup project in projectDir depends on, for the app in cwd. */
export function projectVersions(
  cwd: string,
  projectDir: string,
): ProjectVersions & { convexInstalled: boolean; source: PackageSource["kind"] } {
  const own = ownPackageJson();
  const installed = installedConvexVersion(cwd);
  const peer = own.peerDependencies?.convex ?? "^1.47.0";
  const source = packageSource(cwd, projectDir, PACKAGE_NAME, own.version ?? "latest");
  return { convex: installed ?? peer, package: source.spec, convexInstalled: installed !== null, source: source.kind };
}
