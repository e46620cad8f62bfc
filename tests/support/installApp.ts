// A newcomer's Convex app, outside the repository, and the offline stand-ins
// for what README's "Add it to your app" asks of npm and Convex
// (tests/install.test.ts).
//
// Offline install: `npm install --offline` of the package's tarball, with the
// app's own dependencies on convex, convex-helpers, fflate, @noble/hashes, ts-morph and diff given as
// `file:` links to this repository's node_modules copies. npm links those
// folders (it copies nothing and installs nothing into them), unpacks the
// tarball, and finds the tarball's dependencies (convex-helpers, fflate, @noble/hashes; the
// convex peer) already satisfied by the links, so it needs neither the
// registry nor a populated cache (it runs with an empty one). Every `convex` import, the harness's and the app's,
// then resolves to one real path: one copy of convex is loaded.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const PACKAGE_DIR = join(ROOT, "packages/convex-hourly-backup");
export const PACKAGE_NAME = "convex-hourly-backup";
/** Installed from this repository's node_modules as links: the app's and the package's dependencies. */
export const LINKED_DEPENDENCIES = ["convex", "convex-helpers", "fflate", "@noble/hashes", "ts-morph", "diff"] as const;

const exec = promisify(execFile);

export type CommandResult = { stdout: string; stderr: string; ms: number };

/**
 * The environment for every command the test runs: this process's, less the
 * npm_* variables `npm test` sets (npm_config_local_prefix and the like would
 * point a nested npm at this repository), with no Convex deployment.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === "INIT_CWD" || key === "NODE_OPTIONS" || /^VITEST/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, CONVEX_DEPLOYMENT: "", NO_COLOR: "1", ...extra };
}

/** Runs a program (no shell); a failure's error carries its output. */
export async function run(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  const started = performance.now();
  try {
    const { stdout, stderr } = await exec(file, args, {
      cwd: options.cwd,
      env: options.env ?? childEnv(),
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { stdout, stderr, ms: performance.now() - started };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: unknown; signal?: unknown };
    throw new Error(
      `${[file, ...args].join(" ")} (in ${options.cwd}) failed (exit ${String(e.code)}${e.signal ? `, ${String(e.signal)}` : ""}):\n` +
        `--- stdout\n${e.stdout ?? ""}\n--- stderr\n${e.stderr ?? ""}`,
    );
  }
}

/** `npm pack` of the package into dest (prepack builds dist/); the tarball's path. */
export async function packPackage(dest: string, packageDir = PACKAGE_DIR): Promise<{ tarball: string; ms: number }> {
  const result = await run("npm", ["pack", "--json", "--pack-destination", dest], { cwd: packageDir, timeoutMs: 100_000 });
  // prepack's output comes before npm's JSON report on stdout, which opens with a line "[".
  const at = result.stdout.search(/^\[\s*$/m);
  if (at === -1) throw new Error(`npm pack --json printed no report:\n${result.stdout}\n${result.stderr}`);
  const json = result.stdout.slice(at);
  const [report] = JSON.parse(json) as [{ filename: string; files: { path: string }[] }];
  const files = report.files.map((f) => f.path);
  if (!files.includes("dist/cli.js")) throw new Error(`The tarball has no dist/cli.js: ${files.join(", ")}`);
  return { tarball: join(dest, report.filename), ms: result.ms };
}

/** `file:` specs of this repository's copies of the linked dependencies (real paths). */
export function linkedDependencySpecs(): Record<string, string> {
  return Object.fromEntries(
    LINKED_DEPENDENCIES.map((name) => [name, `file:${realpathSync(join(ROOT, "node_modules", name))}`]),
  );
}

/** `npm install` as the README says it, offline: the package from its tarball, its dependencies linked. */
export async function npmInstallOffline(
  dir: string,
  tarball: string,
  options: { save: boolean; cache: string },
): Promise<CommandResult> {
  // --save: the app's `npm install convex-hourly-backup` adds the dependency.
  // --no-save: the backup project's `npm install` must leave the package.json
  // init-backup wrote as it is; the specs given here satisfy its entries.
  // --ignore-scripts: the linked folders are this repository's node_modules,
  // where no lifecycle script may run; the package itself has none that runs
  // on install (tests/install.test.ts checks its installed package.json).
  // --legacy-peer-deps, for the backup project only: there the links reach npm
  // as command-line specs, and npm 11's arborist, placing the package's peer
  // convex-helpers against such a link, fails at random ("Cannot read
  // properties of null (reading 'matches')", 2 runs in 3 here). The specs give
  // every peer explicitly; the app's install (links in its package.json) keeps
  // npm's peer handling.
  const specs = options.save ? [tarball] : [tarball, ...Object.values(linkedDependencySpecs())];
  return run(
    "npm",
    [
      "install",
      "--offline",
      // An npm cache of its own, empty at first: nothing comes from the
      // registry, nor from what `npm ci` left in the machine's cache.
      "--cache",
      options.cache,
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      ...(options.save ? ["--save"] : ["--no-save", "--legacy-peer-deps"]),
      ...specs,
    ],
    { cwd: dir, timeoutMs: 60_000 },
  );
}

/**
 * The app before README's steps: tests/fixtures/apps/ordinary (mutations on
 * ./_generated/server's builders, a Triggers builder file, required secrets
 * at the top level and nested, a scheduled function, an httpAction, a
 * crons.ts, a local component), as `npx convex dev` left it: with the
 * convex/tsconfig.json below, and no _generated/ yet (README's deploy step
 * generates it; offline, tests/install.test.ts runs codegen there).
 */
export const FIXTURE_APP = join(ROOT, "tests/fixtures/apps/ordinary");

/**
 * What convex 1.48's codegen writes as convex/tsconfig.json for a new project
 * (cli/codegen_templates/tsconfig.js): no custom conditions, so the package
 * resolves to its dist/ and its published types.
 */
export const CONVEX_TSCONFIG = `{
  "compilerOptions": {
    "allowJs": true,
    "strict": true,
    "moduleResolution": "Bundler",
    "jsx": "react-jsx",
    "skipLibCheck": true,
    "allowSyntheticDefaultImports": true,
    "target": "ESNext",
    "lib": ["ES2023", "dom"],
    "forceConsistentCasingInFileNames": true,
    "module": "ESNext",
    "isolatedModules": true,
    "noEmit": true
  },
  "include": ["./**/*"],
  "exclude": ["./_generated"]
}
`;

export function writeApp(dir: string): void {
  const packageJson = {
    name: "install-test-app",
    private: true,
    type: "module",
    dependencies: linkedDependencySpecs(),
  };
  cpSync(FIXTURE_APP, dir, { recursive: true });
  writeFiles(dir, { "package.json": JSON.stringify(packageJson, null, 2) + "\n", "convex/tsconfig.json": CONVEX_TSCONFIG });
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), contents);
  }
}

/**
 * README's schema step applied to the app's schema: the block's imports go
 * after the schema's own, the entries it spreads into defineSchema({...})
 * (`...backupTables,`) become the first entries of the app's.
 */
export function applySchemaStep(schemaPath: string, block: string): void {
  const blockLines = block.split("\n");
  const imports = blockLines.filter((l) => l.startsWith("import "));
  const open = blockLines.findIndex((l) => /^export default defineSchema\(\{\s*$/.test(l));
  const spreads = open === -1 ? [] : blockLines.slice(open + 1).filter((l) => /^\s*\.\.\.\w+,\s*$/.test(l));
  if (imports.length === 0 || spreads.length === 0) {
    throw new Error(
      "README's <!-- install:schema --> block must hold an import line and `export default defineSchema({` " +
        `with a spread entry (\`...backupTables,\`); it is:\n${block}`,
    );
  }
  const lines = readFileSync(schemaPath, "utf8").split("\n");
  const lastImport = lines.findLastIndex((l) => l.startsWith("import "));
  lines.splice(lastImport + 1, 0, ...imports);
  const target = lines.findIndex((l) => /^export default defineSchema\(\{\s*$/.test(l));
  if (target === -1) throw new Error(`${schemaPath} has no "export default defineSchema({" line.`);
  lines.splice(target + 1, 0, ...spreads.map((l) => `  ${l.trim()}`));
  writeFileSync(schemaPath, lines.join("\n"));
}

/** Offline code generation, where README says `npx convex deploy` (../shared: convex-facts, codegen). */
export function convexCodegen(projectDir: string): Promise<CommandResult> {
  return run(join(projectDir, "node_modules/.bin/convex"), ["codegen", "--system-udfs", "--typecheck", "disable"], {
    cwd: projectDir,
    env: childEnv({ CONVEX_DEPLOYMENT: "" }),
    timeoutMs: 60_000,
  });
}

/** tsc over the app's convex/ with its convex/tsconfig.json (the repository's TypeScript). */
export function typecheckApp(appDir: string): Promise<CommandResult> {
  return run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(appDir, "convex")], {
    cwd: appDir,
    timeoutMs: 60_000,
  });
}
