// @vitest-environment node
// Issue 20: the backup project init-backup writes installs convex-hourly-backup
// from the same source as the app, at the same version: the registry, a tarball
// or a linked folder (a workspace). Each case builds an app folder the way npm
// leaves it (package.json spec, node_modules) and reads the package.json that
// init-backup writes for the backup project.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { backupProjectFiles } from "../packages/convex-hourly-backup/src/cli/initBackup/projectFiles";
import { ownPackageJson, projectVersions } from "../packages/convex-hourly-backup/src/cli/initBackup/versions";

const NAME = "convex-hourly-backup";
let root: string;

function writeJson(path: string, value: unknown): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, JSON.stringify(value));
}

/** An app folder whose package.json names the package with spec; installed: node_modules/<name> as a copy of that version. */
function app(folder: string, spec: string, installed?: { version: string } | { linkTo: string }): string {
  const dir = join(root, folder);
  writeJson(join(dir, "package.json"), { name: "app", dependencies: { convex: "1.48.0", [NAME]: spec } });
  if (installed !== undefined && "version" in installed) {
    writeJson(join(dir, "node_modules", NAME, "package.json"), { name: NAME, version: installed.version });
  } else if (installed !== undefined) {
    mkdirSync(join(dir, "node_modules"), { recursive: true });
    symlinkSync(installed.linkTo, join(dir, "node_modules", NAME), "dir");
  }
  return dir;
}

/** The dependency the written backup project's package.json gives the package. */
function writtenSpec(appDir: string, projectDir: string): string {
  const files = backupProjectFiles("backup-deployment", projectVersions(appDir, projectDir));
  return (JSON.parse(files["package.json"]!) as { dependencies: Record<string, string> }).dependencies[NAME]!;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "init-backup-source-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("init-backup: the backup project installs the package the way the app did", () => {
  test("registry: the version installed in the app, exact (not the app's range)", () => {
    const dir = app("registry", "^0.3.0", { version: "0.3.7" });
    expect(writtenSpec(dir, join(dir, "backup-deployment"))).toBe("0.3.7");
    // Not installed yet (or run outside an app): this package's own version.
    const bare = app("registry-bare", "^0.3.0");
    expect(writtenSpec(bare, join(bare, "backup-deployment"))).toBe(ownPackageJson().version);
  });

  test("tarball: the same file, its path relative to the backup project wherever that is", () => {
    mkdirSync(join(root, "pack"));
    writeFileSync(join(root, "pack", `${NAME}-0.3.0.tgz`), "");
    const dir = app("tarball-app", `file:../pack/${NAME}-0.3.0.tgz`, { version: "0.3.0" });
    expect(writtenSpec(dir, join(dir, "backup-deployment"))).toBe(`file:../../pack/${NAME}-0.3.0.tgz`);
    expect(writtenSpec(dir, join(dir, "ops", "backups"))).toBe(`file:../../../pack/${NAME}-0.3.0.tgz`);
    expect(writtenSpec(dir, join(root, "tarball-backup"))).toBe(`file:../pack/${NAME}-0.3.0.tgz`);
    // An absolute path stays the same file.
    const absolute = app("tarball-absolute", `file:${join(root, "pack", `${NAME}-0.3.0.tgz`)}`);
    expect(writtenSpec(absolute, join(absolute, "backup-deployment"))).toBe(`file:../../pack/${NAME}-0.3.0.tgz`);
  });

  test("workspace or linked folder: file: that folder, whatever the app's package.json says", () => {
    const packageDir = join(root, "monorepo", "packages", NAME);
    writeJson(join(packageDir, "package.json"), { name: NAME, version: "0.3.0" });
    // npm workspaces: the app says "0.3.0" and node_modules links the member folder.
    const workspace = app(join("monorepo", "apps", "web"), "0.3.0", { linkTo: packageDir });
    expect(writtenSpec(workspace, join(workspace, "backup-deployment"))).toBe(`file:../../../packages/${NAME}`);
    // pnpm/yarn: "workspace:*".
    const pnpm = app(join("monorepo", "apps", "pnpm"), "workspace:*", { linkTo: packageDir });
    expect(writtenSpec(pnpm, join(pnpm, "backup-deployment"))).toBe(`file:../../../packages/${NAME}`);
    // A folder named in package.json (npm links it), with file: or link:.
    const folder = app(join("monorepo", "apps", "folder"), `file:../../packages/${NAME}`, { linkTo: packageDir });
    expect(writtenSpec(folder, join(root, "elsewhere", "backups"))).toBe(`file:../../monorepo/packages/${NAME}`);
    const link = app(join("monorepo", "apps", "link"), `link:../../packages/${NAME}`);
    expect(writtenSpec(link, join(link, "backup-deployment"))).toBe(`file:../../../packages/${NAME}`);
  });

  test("git and URL specs are kept as the app wrote them", () => {
    for (const spec of ["github:acme/convex-hourly-backup#v0.3.0", "https://example.com/convex-hourly-backup-0.3.0.tgz", "npm:convex-hourly-backup@0.3.0"]) {
      const dir = app(`url-${spec.length}`, spec);
      expect(writtenSpec(dir, join(dir, "backup-deployment"))).toBe(spec);
    }
  });
});
