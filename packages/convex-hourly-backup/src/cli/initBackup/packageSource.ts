// Where the app got convex-hourly-backup from, as the dependency spec of the
// backup project init-backup writes into another folder: the same version from
// the same source, so the project's `npm install` works wherever the app's did.
//   registry    a version, range or tag in the app's package.json: the version
//               installed in the app, exact;
//   tarball     file:<path>.tgz (what `npm install ./x.tgz` saves): the same file,
//               its path made relative to the backup project;
//   folder      file:/link:<dir>, or an installed copy that is a symlink out of
//               node_modules (npm, pnpm and yarn workspaces, `npm link`): that
//               folder, relative to the backup project;
//   url         git, GitHub, https or npm: alias specs: as the app wrote them
//               (they resolve the same from any folder).
// The app's package.json gives the spec; node_modules gives what it resolved to
// (a workspace's "0.3.0" is a link in node_modules, not a registry download).
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export type PackageSource = { kind: "registry" | "tarball" | "folder" | "url"; spec: string };

type Manifest = {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

function readManifest(path: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Manifest;
  } catch {
    return null;
  }
}

/** file:<path> from the backup project to an absolute path, with forward slashes as npm writes them. */
function fileSpec(projectDir: string, target: string): string {
  const path = relative(projectDir, target).split(sep).join("/");
  return `file:${path === "" ? "." : path}`;
}

/** The folder of the package as the app resolves it, or null when it is not installed there. */
function installedFolder(appDir: string, name: string): string | null {
  try {
    return dirname(realpathSync(createRequire(join(appDir, "package.json")).resolve(`${name}/package.json`)));
  } catch {
    return null;
  }
}

const URL_SPEC = /^(git\+|git:|github:|gitlab:|bitbucket:|gist:|https?:|npm:)|^[\w.-]+\/[\w.-]+(#.*)?$/;
const PATH_SPEC = /^(file:|link:|\.{1,2}\/|\/|~\/)/;

/**
 * The spec the backup project (projectDir) should depend on, given the app in
 * appDir; ownVersion (this package's) when the app names no source.
 */
export function packageSource(appDir: string, projectDir: string, name: string, ownVersion: string): PackageSource {
  const app = readManifest(join(appDir, "package.json"));
  const spec = app?.dependencies?.[name] ?? app?.devDependencies?.[name] ?? app?.optionalDependencies?.[name];
  if (spec === undefined) return { kind: "registry", spec: ownVersion };

  if (PATH_SPEC.test(spec)) {
    const raw = spec.replace(/^(file|link):/, "");
    const path = raw.startsWith("//") ? fileURLToPath(`file:${raw}`) : raw.startsWith("~/") ? join(homedir(), raw.slice(2)) : raw;
    const target = isAbsolute(path) ? path : resolve(appDir, path);
    const folder = existsSync(target) ? statSync(target).isDirectory() : !/\.(tgz|tar\.gz|tar)$/.test(target);
    return { kind: folder ? "folder" : "tarball", spec: fileSpec(projectDir, target) };
  }

  const installed = installedFolder(appDir, name);
  // A workspace member or linked folder: its real path is outside every node_modules.
  if (installed !== null && !installed.split(sep).includes("node_modules")) {
    return { kind: "folder", spec: fileSpec(projectDir, installed) };
  }
  if (spec.startsWith("workspace:")) return { kind: "registry", spec: ownVersion };
  if (URL_SPEC.test(spec)) return { kind: "url", spec };
  const version = installed === null ? null : readManifest(join(installed, "package.json"))?.version;
  return { kind: "registry", spec: version ?? ownVersion };
}
