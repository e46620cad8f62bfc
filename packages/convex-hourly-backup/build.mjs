// Builds dist/ for npm (npm run build; also run by prepack), offline, in a few seconds:
//   dist/index.js, dist/backup/<module>.js   the library: ESM, platform neutral
//                                            (the app's and the backup's Convex
//                                            runtime), shared code split into chunks
//   dist/cli.js                              the convex-hourly-backup command (Node)
//   dist/types/**                            declarations (tsc -p tsconfig.build.json),
//                                            mirroring src/, with the backup's _generated
// Dependencies and peers (convex, convex-helpers, @noble/hashes) stay imports.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const at = (...parts) => join(root, ...parts);
const started = Date.now();

/** The backup deployment's entry modules: the Convex files and every module init-backup re-exports. */
function backupEntries() {
  const fixed = ["schema", "crons", "convex.config"];
  // BACKUP_MODULES (src/cli/initBackup/projectFiles.ts), read without running TypeScript.
  const source = readFileSync(at("src/cli/initBackup/projectFiles.ts"), "utf8");
  const list = /BACKUP_MODULES\s*=\s*\[([^\]]*)\]/.exec(source);
  if (list === null) throw new Error("build: BACKUP_MODULES not found in src/cli/initBackup/projectFiles.ts");
  const named = [...list[1].matchAll(/["']([^"']+)["']/g)].map((m) => m[1]);
  const modules = [...new Set(["sync", "runs", "restore", "status", "retention", ...named, ...fixed])];
  for (const module of modules) {
    try {
      readFileSync(at("src/backup", `${module}.ts`));
    } catch {
      throw new Error(`build: src/backup/${module}.ts is missing (named in BACKUP_MODULES or a fixed entry)`);
    }
  }
  return modules;
}

rmSync(at("dist"), { recursive: true, force: true });

const common = {
  bundle: true,
  format: "esm",
  packages: "external",
  target: "es2022",
  legalComments: "none",
  logLevel: "warning",
  sourcemap: false,
};

const entryPoints = { index: at("src/app/index.ts") };
for (const module of backupEntries()) entryPoints[`backup/${module}`] = at("src/backup", `${module}.ts`);

await Promise.all([
  build({
    ...common,
    entryPoints,
    outdir: at("dist"),
    platform: "neutral",
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
  }),
  build({
    ...common,
    entryPoints: { cli: at("src/cli/main.ts") },
    outdir: at("dist"),
    platform: "node",
    target: "node20",
  }),
]);
chmodSync(at("dist/cli.js"), 0o755);

// Declarations. tsc from the repository (a devDependency), run with this Node.
const require = createRequire(import.meta.url);
try {
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", at("tsconfig.build.json")], { stdio: "inherit" });
} catch {
  console.error("convex-hourly-backup: tsc -p tsconfig.build.json failed (errors above); dist/ is incomplete.");
  process.exit(1);
}
// The backup modules' declarations import ./_generated/*: those are .d.ts files tsc does not copy.
mkdirSync(at("dist/types/backup/_generated"), { recursive: true });
for (const name of readdirSync(at("src/backup/_generated")).filter((n) => n.endsWith(".d.ts"))) {
  copyFileSync(at("src/backup/_generated", name), at("dist/types/backup/_generated", name));
}
addDeclarationExtensions(at("dist/types"));

/**
 * The sources import each other without extensions (bundler resolution), and
 * tsc copies those specifiers into the declarations. An app whose tsconfig says
 * moduleResolution node16 or nodenext reads the package as ESM ("type":
 * "module") and needs explicit extensions: "./settings" becomes "./settings.js"
 * (or "./x/index.js" for a folder), the file the specifier names in dist/types.
 * A relative specifier that names no declaration file stops the build.
 */
function addDeclarationExtensions(dir) {
  const specifier = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']*)\2/g;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, "utf8");
    const fixed = text.replace(specifier, (whole, keyword, quote, path) => {
      if (/\.(js|mjs|cjs|json)$/.test(path)) return whole;
      const target = join(dirname(file), path);
      const withExt = existsSync(`${target}.d.ts`) ? `${path}.js` : existsSync(join(target, "index.d.ts")) ? `${path}/index.js` : null;
      if (withExt === null) throw new Error(`build: ${file} imports "${path}", which names no declaration file in dist/types`);
      return `${keyword}${quote}${withExt}${quote}`;
    });
    if (fixed !== text) writeFileSync(file, fixed);
  }
}

console.log(`convex-hourly-backup: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
