// The app's schema and the options its convex/backup.ts gives defineBackup,
// as values: convex/backup.ts (or convex/schema.ts before init) is bundled
// with esbuild (which every Convex app has: the convex package depends on
// it) and imported, with "convex-hourly-backup" replaced by this package's
// own exports whose defineBackup only keeps its options. Nothing of the app
// runs but its module-level code (defineSchema, the settings' constants).
import { existsSync, mkdirSync, realpathSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import type { BackupOptions } from "../../app/settings";
import * as pkg from "../../app/index";

export type LoadedApp = { schema: SchemaDefinition<GenericSchema, boolean>; options: Omit<BackupOptions, "schema"> | null };

const GLOBAL = "__convexHourlyBackupDoctor";
type Capture = { exports: Record<string, unknown>; options: BackupOptions | null };

/** esbuild as the app's convex package resolves it. */
function appEsbuild(appDir: string): Promise<typeof import("esbuild")> {
  const fromApp = createRequire(join(appDir, "package.json"));
  let path: string;
  try {
    path = createRequire(realpathSync(fromApp.resolve("convex/package.json"))).resolve("esbuild");
  } catch {
    path = fromApp.resolve("esbuild");
  }
  return import(pathToFileURL(path).href) as Promise<typeof import("esbuild")>;
}

/** Bundles `entry` (shimming the package) into the app's folder and imports it; what defineBackup was given, and the default export. */
async function importBundled(appDir: string, entry: string): Promise<{ options: BackupOptions | null; default: unknown }> {
  const esbuild = await appEsbuild(appDir);
  const names = Object.keys(pkg).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== "defineBackup");
  const shim =
    `const p = globalThis.${GLOBAL};\n${names.map((n) => `export const ${n} = p.exports.${n};`).join("\n")}\n` +
    "export const defineBackup = (options) => { p.options = options; return new Proxy({}, { get: () => undefined }); };\n";
  // In the app's folder, so that its imports (convex/server...) resolve from its node_modules.
  const outDir = existsSync(join(appDir, "node_modules")) ? join(appDir, "node_modules/.cache/convex-hourly-backup") : appDir;
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `doctor-${process.pid}-${Date.now()}.mjs`);
  const capture: Capture = { exports: pkg as unknown as Record<string, unknown>, options: null };
  (globalThis as Record<string, unknown>)[GLOBAL] = capture;
  try {
    await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "node",
      packages: "external",
      outfile,
      logLevel: "silent",
      plugins: [
        {
          name: "convex-hourly-backup-options",
          setup(build) {
            build.onResolve({ filter: /^convex-hourly-backup$/ }, () => ({ path: "package", namespace: "convex-hourly-backup" }));
            build.onLoad({ filter: /.*/, namespace: "convex-hourly-backup" }, () => ({ contents: shim, loader: "js" }));
          },
        },
      ],
    });
    const loaded = (await import(pathToFileURL(outfile).href)) as { default?: unknown };
    return { options: capture.options, default: loaded.default };
  } finally {
    delete (globalThis as Record<string, unknown>)[GLOBAL];
    rmSync(outfile, { force: true });
  }
}

const isSchema = (value: unknown): value is LoadedApp["schema"] => typeof value === "object" && value !== null && "tables" in value;

/** The app's schema, and defineBackup's options (null: convex/backup.ts calls no defineBackup, or is missing). */
export async function loadApp(appDir: string, backupModule = "backup"): Promise<LoadedApp> {
  const convexDir = join(appDir, "convex");
  const find = (name: string) => ["ts", "js"].map((ext) => join(convexDir, `${name}.${ext}`)).find(existsSync);
  const backupFile = find(backupModule);
  if (backupFile !== undefined) {
    const { options } = await importBundled(appDir, backupFile);
    if (options !== null && isSchema(options.schema)) {
      const { schema, ...rest } = options;
      return { schema, options: rest };
    }
  }
  const schemaFile = find("schema");
  if (schemaFile === undefined) throw new Error("convex/schema.ts not found: doctor checks an app that has a schema.");
  const loaded = await importBundled(appDir, schemaFile);
  if (!isSchema(loaded.default)) throw new Error("convex/schema.ts has no defineSchema(...) default export.");
  return { schema: loaded.default, options: null };
}
