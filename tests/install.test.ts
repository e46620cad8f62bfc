// @vitest-environment node
// Issue 12: a newcomer who follows README's "Add it to your app" gets working
// backups. Offline, in a fresh app outside the repository:
//   1. `npm pack` of packages/convex-hourly-backup (prepack builds dist/);
//   2. a new Convex app (tags, notes with a secret apiKey, mutations through
//      ./functions), the package installed from the tarball with
//      `npm install --offline` (tests/support/installApp.ts says how);
//   3. README's steps as its <!-- install:... --> markers give them: files
//      written verbatim, the schema edit applied, each command run or
//      replaced by its offline equivalent (below, `readmeCommand`);
//   4. tsc over the app with Convex's tsconfig (the package's published types),
//      and a consumer of those types under bundler, node16 and nodenext resolution;
//   5. two backups and two restores in a child process (plain tsx, so the app
//      loads the package's dist/ as a user's app would; tests/support/
//      installedAppRun.ts), with the app's and the scaffolded project's modules.
// A README change that drops a marker, adds an unmarked code block, or adds a
// command this file cannot run offline, fails here by name.
// INSTALL_TEST_TARBALL=<file.tgz> installs that tarball instead of packing;
// INSTALL_TEST_KEEP=1 keeps the temporary app (its path is printed).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { JSONValue } from "convex/values";
import {
  applySchemaStep,
  childEnv,
  convexCodegen,
  npmInstallOffline,
  packPackage,
  PACKAGE_NAME,
  ROOT,
  run,
  typecheckApp,
  writeApp,
  writeFiles,
  APP_FILES,
  type CommandResult,
} from "./support/installApp";
import { commandChain, fillPlaceholders, readInstallSteps, SECTION, type ReadmeStep } from "./support/installReadme";
import { checkPublishedTypes } from "./support/packageTypes";
import { parseInstalledAppResult, type InstalledAppConfig, type InstalledAppResult, type TableDocs } from "./support/installResult";
import { backupProjectFiles } from "../packages/convex-hourly-backup/src/cli/initBackup/projectFiles";

/** The whole install, build included: about 30 s on a 2-core machine. */
const INSTALL_TIMEOUT_MS = 120_000;
/** What README's placeholders stand for (the URL only reaches printed commands). */
const PLACEHOLDERS = { "backup-name": "install-test-backup" };
/** The files README must give, and the commands it must name. */
const REQUIRED_FILES: string[] = [];
const REQUIRED_COMMANDS = [
  `npm install ${PACKAGE_NAME}`,
  `npx ${PACKAGE_NAME} init`,
  `npx ${PACKAGE_NAME} init-backup`,
  `npx ${PACKAGE_NAME} setup`,
  "npx convex deploy",
  "npx convex run backup:runNow",
];

type TableCounts = { table: string; scanned: number; changed: number; deleted: number; documents: number };
type RunSummary = {
  status: string;
  mode?: string;
  reason?: string;
  tables: TableCounts[];
  redactions?: { table: string; path: string; kind: string; count: number }[];
};

/** Fails with what is missing when README's section lacks a marker the test relies on. */
function checkMarkers(steps: ReadmeStep[]): void {
  const where = `README.md "${SECTION}"`;
  for (const path of REQUIRED_FILES) {
    if (!steps.some((s) => s.kind === "file" && s.path === path)) {
      throw new Error(`${where} has no <!-- install:file ${path} --> marker above the code block of ${path}.`);
    }
  }
  const commands = steps.flatMap((s) => (s.kind === "command" ? s.commands : []));
  for (const required of REQUIRED_COMMANDS) {
    if (!commands.some((c) => c.includes(required))) {
      throw new Error(`${where} has no "${required}" in a code block under an <!-- install:command --> marker.`);
    }
  }
}

/** The nearest node_modules/.bin/<name> from dir up to the work folder, as npx finds it. */
function installedBin(dir: string, name: string, top: string): string {
  for (let at = dir; ; at = resolve(at, "..")) {
    const bin = join(at, "node_modules/.bin", name);
    if (existsSync(bin)) return bin;
    if (at === top || at === resolve(at, "..")) throw new Error(`npx ${name}: not installed in ${dir} (nothing would run offline).`);
  }
}

function withoutApiKey(docs: TableDocs): TableDocs {
  const out: TableDocs = {};
  for (const [table, byId] of Object.entries(docs)) {
    out[table] = Object.fromEntries(
      Object.entries(byId).map(([id, doc]) => {
        const { apiKey: _apiKey, ...rest } = doc;
        return [id, rest];
      }),
    );
  }
  return out;
}

function counts(summary: RunSummary, table: string): TableCounts {
  const found = summary.tables.find((t) => t.table === table);
  if (found === undefined) throw new Error(`The run reports no ${table} table: ${JSON.stringify(summary.tables)}`);
  return found;
}

describe("install: README's 'Add it to your app' in a fresh app, offline", () => {
  let work: string;
  let app: string;
  let backupProject: string | null = null;
  let secret: string | null = null;
  let restoreSecret: string | null = null;
  let setupOutput = "";
  let initOutput = "";
  const typechecks: { project: string; result: CommandResult }[] = [];
  /** Folders with a Convex project: the app (its own `npx convex dev` made one), and where README runs `npx convex init`. */
  const configured = new Set<string>();
  const calls: InstalledAppConfig["calls"] = [];
  const timings: Record<string, number> = {};
  let child: CommandResult;
  let result: InstalledAppResult;

  async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      timings[label] = Math.round((timings[label] ?? 0) + performance.now() - started);
    }
  }

  /** One README command (words of one link of a && chain) in cwd; returns the next cwd. */
  async function readmeCommand(words: string[], cwd: string, tarball: string): Promise<string> {
    const [program, ...args] = words as [string, ...string[]];
    const line = words.join(" ");
    if (program === "cd" && args.length === 1) {
      const next = resolve(cwd, args[0]!);
      if (relative(work, next).startsWith("..") || isAbsolute(relative(work, next))) throw new Error(`"${line}" leaves the test's folder.`);
      return next;
    }
    if (program === "npm" && args[0] === "install") {
      // The app's `npm install convex-hourly-backup` (saved to its package.json),
      // or the backup project's bare `npm install` (its package.json as written).
      const save = args.length === 2 && args[1] === PACKAGE_NAME;
      if (!save && args.length !== 1) throw new Error(`No offline equivalent for "${line}".`);
      await timed("npm install", () => npmInstallOffline(cwd, tarball, { save, cache: join(work, "npm-cache") }));
      return cwd;
    }
    if (program === "npx" && args[0] === PACKAGE_NAME) {
      const out = await timed(`${PACKAGE_NAME} ${args[1]}`, () =>
        run(installedBin(cwd, PACKAGE_NAME, work), args.slice(1), { cwd }),
      );
      if (args[1] === "init-backup") backupProject = resolve(cwd, args[2]!);
      if (args[1] === "init") initOutput = out.stdout;
      if (args[1] === "setup") {
        setupOutput = out.stdout;
        secret = /npx convex env set BACKUP_SECRET '([^']+)'/.exec(out.stdout)?.[1] ?? null;
        restoreSecret = /npx convex env set BACKUP_RESTORE_SECRET '([^']+)'/.exec(out.stdout)?.[1] ?? null;
      }
      return cwd;
    }
    if (program === "npx" && args[0] === "convex" && args[1] === "init" && args.length === 2) {
      // Configures (creates or picks) the folder's Convex project and pushes nothing: offline, it only marks the folder.
      configured.add(cwd);
      return cwd;
    }
    if (program === "npx" && args[0] === "convex" && args[1] === "deploy") {
      // convex 1.48's deploy creates no project: in a folder without CONVEX_DEPLOYMENT it stops
      // with "No CONVEX_DEPLOYMENT set, run `npx convex dev` to configure a Convex project".
      if (!configured.has(cwd)) {
        throw new Error(`README runs "${line}" in ${relative(work, cwd)}, which has no Convex project yet: run npx convex init there first.`);
      }
      // Offline: codegen instead of a push, then the typecheck deploy runs,
      // with Convex's tsconfig where the project has none (deploy writes it).
      await timed("convex codegen", () => convexCodegen(cwd));
      if (!existsSync(join(cwd, "convex/tsconfig.json"))) writeFiles(cwd, { "convex/tsconfig.json": APP_FILES["convex/tsconfig.json"]! });
      typechecks.push({ project: cwd, result: await timed("tsc", () => typecheckApp(cwd)) });
      return cwd;
    }
    if (program === "npx" && args[0] === "convex" && args[1] === "run") {
      const [fn, json] = args.slice(2).filter((a) => !a.startsWith("--"));
      if (fn === undefined) throw new Error(`"${line}" names no function.`);
      calls.push({ fn, args: json === undefined ? {} : (JSON.parse(json) as Record<string, JSONValue>) });
      return cwd;
    }
    throw new Error(`README command "${line}" has no offline equivalent in tests/install.test.ts: add one there.`);
  }

  beforeAll(async () => {
    const steps = readInstallSteps(join(ROOT, "README.md"));
    checkMarkers(steps);
    work = realpathSync(mkdtempSync(join(tmpdir(), "convex-hourly-backup-install-")));
    app = join(work, "app");
    mkdirSync(join(work, "pack"));

    // 1. The package as npm would publish it (INSTALL_TEST_TARBALL: a tarball built elsewhere).
    const tarball =
      process.env.INSTALL_TEST_TARBALL ?? (await timed("npm pack", async () => (await packPackage(join(work, "pack"))).tarball));
    // 2. The app before README's steps (a Convex project already: the user ran `npx convex dev` in it).
    writeApp(app);
    configured.add(app);
    // 3. README's steps, in order (4., tsc, runs where README says `npx convex deploy`).
    for (const step of steps) {
      if (step.kind === "file") writeFiles(app, { [step.path]: step.contents });
      else if (step.kind === "schema") applySchemaStep(join(app, "convex/schema.ts"), step.contents);
      else {
        for (const command of step.commands) {
          let cwd = app;
          for (const words of commandChain(fillPlaceholders(command, PLACEHOLDERS))) cwd = await readmeCommand(words, cwd, tarball);
        }
      }
    }
    if (backupProject === null) throw new Error("README's commands ran no init-backup.");
    if (secret === null) throw new Error(`setup printed no "npx convex env set BACKUP_SECRET '<secret>'" command:\n${setupOutput}`);

    // 5. Backups and restores over the loopback harness, in a child process.
    if (restoreSecret === null) throw new Error(`setup printed no "npx convex env set BACKUP_RESTORE_SECRET '<secret>'" command:\n${setupOutput}`);
    const config: InstalledAppConfig = { appDir: app, backupProjectDir: backupProject, secret, restoreSecret, outDir: work, calls };
    child = await timed("backups and restores (child)", () =>
      run(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "tests/support/installedAppRun.ts"), JSON.stringify(config)], {
        cwd: app,
        env: childEnv(),
        timeoutMs: 60_000,
      }),
    );
    result = parseInstalledAppResult(child.stdout);
    console.log(`install test timings (ms): ${JSON.stringify(timings)}`);
  }, INSTALL_TIMEOUT_MS);

  afterAll(() => {
    if (work === undefined) return;
    if (process.env.INSTALL_TEST_KEEP === "1") console.log(`INSTALL_TEST_KEEP: the app is in ${app}`);
    else rmSync(work, { recursive: true, force: true });
  });

  test("the tarball installs offline: the app loads its dist/, with the one convex of the repository", () => {
    const installed = join(app, "node_modules", PACKAGE_NAME);
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { scripts?: Record<string, string> };
    expect(Object.keys(manifest.scripts ?? {}).filter((s) => /^(pre|post)?install$/.test(s))).toEqual([]);
    const appManifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(appManifest.dependencies[PACKAGE_NAME]).toBeDefined();
    expect(result.packageHasSource).toBe(false);
    expect(result.packageEntry).toBe(join(installed, "dist/index.js"));
    expect(new Set(result.convexRealPaths)).toEqual(new Set([realpathSync(join(ROOT, "node_modules/convex/package.json"))]));
  });

  test("init converted the app: backup.ts, functions.ts, the schema and cron written, the mutations' import moved; doctor clean", () => {
    expect(initOutput).toContain("init changed convex/notes.ts, convex/schema.ts, convex/functions.ts (new), convex/crons.ts (new), convex/backup.ts (new).");
    expect(initOutput).toContain("doctor: no problem found");
    expect(readFileSync(join(app, "convex/notes.ts"), "utf8")).toContain('import { mutation } from "./functions";');
    expect(readFileSync(join(app, "convex/schema.ts"), "utf8")).toContain("...backupTables,");
    expect(setupOutput).toContain("doctor: no problem found");
  });

  test("init-backup wrote the backup project, installing the app's tarball, and its npm install left its package.json as written", () => {
    const dir = backupProject!;
    const expected = backupProjectFiles("backup-deployment", { convex: "", package: "" });
    for (const path of Object.keys(expected)) expect(existsSync(join(dir, path)), path).toBe(true);
    for (const [path, contents] of Object.entries(expected)) {
      if (path !== "package.json") expect(readFileSync(join(dir, path), "utf8"), path).toBe(contents);
    }
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["convex", PACKAGE_NAME]);
    // The app installed the package from a tarball: the backup project names the same file (tests/initBackupSource.test.ts).
    const appManifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(appManifest.dependencies[PACKAGE_NAME]).toMatch(/^file:.*\.tgz$/);
    expect(resolve(dir, manifest.dependencies[PACKAGE_NAME]!.slice("file:".length))).toBe(
      resolve(app, appManifest.dependencies[PACKAGE_NAME]!.slice("file:".length)),
    );
    expect(existsSync(join(dir, "convex/_generated/api.d.ts"))).toBe(true);
  });

  test("setup printed one BACKUP_SECRET for both deployments and a different restore secret for the backup's folder only", () => {
    expect(secret!.length).toBeGreaterThanOrEqual(32);
    expect(setupOutput).toContain(`cd backup-deployment && npx convex env set BACKUP_SECRET '${secret}'`);
    const printed = [...setupOutput.matchAll(/ BACKUP_SECRET '([^']+)'/g)].map((m) => m[1]);
    expect(printed.length).toBeGreaterThanOrEqual(2);
    expect(new Set(printed)).toEqual(new Set([secret]));
    expect(restoreSecret).not.toBe(secret);
    expect(setupOutput).toContain(`cd backup-deployment && npx convex env set BACKUP_RESTORE_SECRET '${restoreSecret}'`);
    expect(setupOutput.split(restoreSecret!)).toHaveLength(2);
  });

  test("tsc passes on the app and on the backup project, against the package's published types", () => {
    expect(typechecks.map((t) => relative(work, t.project)).sort()).toEqual(["app", "app/backup-deployment"]);
    for (const { result: tsc } of typechecks) expect(tsc.stdout + tsc.stderr).toBe("");
    expect(existsSync(join(app, "convex/_generated/api.d.ts"))).toBe(true);
  });

  test("the installed package's types check under moduleResolution bundler, node16 and nodenext", () => {
    // A consumer importing the entry and every backup module (tests/support/packageTypes.ts).
    expect(checkPublishedTypes(app, PACKAGE_NAME)).toEqual({ bundler: [], node16: [], nodenext: [] });
  });

  test("README's dry run reaches the backup and writes nothing", () => {
    expect(result.calls.map((c) => c.fn)).toEqual(["backup:runNow"]);
    const dryRun = result.calls[0]!.result as RunSummary & { tables: { bytesSent: number }[] };
    expect(dryRun.status).toBe("dryRun");
    expect(dryRun.tables.map((t) => t.table).sort()).toEqual(["notes", "tags"]);
    for (const table of dryRun.tables) expect(table.bytesSent).toBeGreaterThan(0);
    // Nothing written: the run after it is still the first.
    expect((result.run1 as RunSummary).reason).toBe("first run");
  });

  test("run 1 backs up every tag and note", () => {
    const run1 = result.run1 as RunSummary;
    expect(run1).toMatchObject({ status: "completed", mode: "scan", reason: "first run" });
    expect(counts(run1, "tags")).toMatchObject({ changed: 3, deleted: 0, documents: 3 });
    expect(counts(run1, "notes")).toMatchObject({ changed: 8, deleted: 0, documents: 8 });
    const restored = result.restores[0]!.documents;
    expect(restored).toEqual(withoutApiKey(result.afterRun1));
  });

  test("run 2 reads the change log: one note added, one edited, one deleted", () => {
    const run2 = result.run2 as RunSummary;
    expect(run2).toMatchObject({ status: "completed", mode: "log" });
    expect(counts(run2, "notes")).toMatchObject({ scanned: 3, changed: 2, deleted: 1, documents: 8 });
    expect(counts(run2, "tags")).toMatchObject({ scanned: 0, changed: 0, deleted: 0, documents: 3 });
  });

  test("the restore ZIP of the latest run equals the primary: ids kept, every note's tagId a restored tag", () => {
    const restored = result.restores[1]!.documents;
    expect(restored).toEqual(withoutApiKey(result.afterRun2));
    const notes = restored.notes!;
    const tagIds = new Set(Object.keys(restored.tags!));
    expect(Object.keys(notes)).toHaveLength(8);
    for (const note of Object.values(notes)) expect(tagIds.has(note.tagId as string)).toBe(true);
    expect(notes[result.changes.added]).toBeDefined();
    expect(notes[result.changes.deleted]).toBeUndefined();
    expect(notes[result.changes.edited]!.title).toBe("Edited after run 1");
    expect(result.restores[1]!.stdout).toMatch(/npx convex import/);
  });

  test("no apiKey value is anywhere in the backup, the restore ZIPs or the logs", () => {
    expect(result.apiKeys.length).toBe(9);
    // The scan sees documents: a title is there, so a key would be too.
    expect(result.backupText).toContain("Edited after run 1");
    expect((result.run1 as RunSummary).redactions).toContainEqual(expect.objectContaining({ table: "notes", path: "notes.apiKey", kind: "key" }));
    const places = {
      backup: result.backupText,
      ...Object.fromEntries(result.restores.map((r) => [`restore --run ${r.selector}`, r.zipText])),
      logs: child.stdout.replace(/^INSTALL_RESULT .*$/m, "") + child.stderr,
    };
    const leaks = Object.entries(places).flatMap(([place, text]) => result.apiKeys.filter((k) => text.includes(k)).map((k) => `${k} in ${place}`));
    expect(leaks).toEqual([]);
    for (const restore of result.restores) {
      for (const note of Object.values(restore.documents.notes!)) expect(note).not.toHaveProperty("apiKey");
    }
  });
});
