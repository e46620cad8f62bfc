// @vitest-environment node
// Issues 12 and 20 (item 5): a newcomer with an ordinary Convex app who
// follows README's "Add it to your app" gets working backups of every write.
// Offline, in a fresh folder outside the repository:
//   1. `npm pack` of packages/convex-hourly-backup (prepack builds dist/);
//   2. the app: tests/fixtures/apps/ordinary (mutations on ./_generated/server's
//      builders, a Triggers builder file, required secrets at the top level and
//      nested, a function scheduled by a mutation, an httpAction, an existing
//      crons.ts, a local component), the package installed from the tarball
//      with `npm install --offline` (tests/support/installApp.ts says how);
//   3. README's steps as its <!-- install:... --> markers give them (`init`
//      among them): files written verbatim, the schema edit applied, each
//      command run or replaced by its offline equivalent (below, `readmeCommand`);
//   4. tsc over the app with Convex's tsconfig (the package's published types),
//      and a consumer of those types under bundler, node16 and nodenext resolution;
//   5. in a child process (plain tsx, so the app loads the package's dist/ as a
//      user's app would; tests/support/installedAppRun.ts): writes through every
//      path, two backups, two restores with the installed CLI, and each restore
//      imported into a fresh deployment with the app's schema.
// The component: offline, README's `npx convex deploy` becomes
// `convex codegen --system-udfs`, convex 1.48's offline generator (cli/lib/
// components.js runCodegen -> doCodegen), which reads no convex.config.ts: it
// generates no `components` export, so an app that calls a component's
// functions could not typecheck here. The fixture's component has none (it is
// there for init and doctor: doctor's note), the app never calls it, and a
// real deploy bundles it; convex-test runs no component the app does not call.
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
  CONVEX_TSCONFIG,
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

type TableCounts = { table: string; scanned: number; changed: number; deleted: number; documents: number; missedByLog?: number };
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

/** What init's convex/backup.ts gives each required field the backup redacts (its restorePlaceholders). */
const PLACEHOLDER = "!restored-from-backup";
/** The app's tables (tests/fixtures/apps/ordinary/convex/schema.ts). */
const APP_TABLES = ["apiKeys", "postCounts", "posts", "reminders", "users"];

/** The primary's documents as a restore writes them: each required redacted field holds its placeholder. */
function asRestored(docs: TableDocs): TableDocs {
  const out: TableDocs = structuredClone(docs);
  for (const user of Object.values(out.users ?? {})) {
    user.passwordHash = PLACEHOLDER;
    user.oauth = { ...(user.oauth as Record<string, JSONValue>), refreshToken: PLACEHOLDER };
  }
  for (const key of Object.values(out.apiKeys ?? {})) key.secret = PLACEHOLDER;
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
      if (!existsSync(join(cwd, "convex/tsconfig.json"))) writeFiles(cwd, { "convex/tsconfig.json": CONVEX_TSCONFIG });
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

  test("init converted the ordinary app: six files edited, backup.ts written; doctor clean but for the component's note", () => {
    expect(initOutput).toContain(
      "init changed convex/apiKeys.ts, convex/crons.ts, convex/functions.ts, convex/reminders.ts, convex/schema.ts, convex/users.ts, convex/backup.ts (new), eslint.config.js.",
    );
    expect(initOutput).toContain("doctor: no problem found");
    expect(initOutput).toContain("note: component counter");
    expect(setupOutput).toContain("doctor: no problem found");
    const read = (path: string) => readFileSync(join(app, path), "utf8");
    expect(read("convex/users.ts")).toContain('import { query } from "./_generated/server";\nimport { mutation } from "./functions";');
    expect(read("convex/functions.ts")).toContain("withChangeCapture(rawMutation, { wrapDB: triggers.wrapDB })");
    expect(read("convex/schema.ts")).toContain("...backupTables,");
    for (const field of ["passwordHash", "oauth.refreshToken", "secret"]) expect(read("convex/backup.ts")).toContain(`"${field}": "${PLACEHOLDER}"`);
    // The app's crons.ts, as Convex loads it: its own job kept, the hourly backup added.
    expect(result.crons).toEqual({
      reminders: expect.objectContaining({ name: "reminders:schedule" }),
      backup: { name: "backup:runNow", args: [{}], schedule: { type: "hourly", minuteUTC: 0 } },
    });
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
    expect(dryRun.tables.map((t) => t.table).sort()).toEqual(APP_TABLES);
    for (const table of dryRun.tables) expect(table.bytesSent).toBeGreaterThan(0);
    // Nothing written: the run after it is still the first.
    expect((result.run1 as RunSummary).reason).toBe("first run");
  });

  test("run 1 backs up every document; its restore holds the primary, placeholders in the secrets' place", () => {
    const run1 = result.run1 as RunSummary;
    expect(run1).toMatchObject({ status: "completed", mode: "scan", reason: "first run" });
    const expected = { users: 1, apiKeys: 1, posts: 2, postCounts: 1, reminders: 1 };
    for (const [table, documents] of Object.entries(expected)) expect(counts(run1, table), table).toMatchObject({ changed: documents, deleted: 0, documents });
    expect(result.restores[0]!.documents).toEqual(asRestored(result.afterRun1));
  });

  test("run 2 reads the change log, and it delivered every write: converted mutation, scheduled function, httpAction, trigger", () => {
    const run2 = result.run2 as RunSummary;
    expect(run2).toMatchObject({ status: "completed", mode: "log" });
    expect(counts(run2, "users"), "users:createUser").toMatchObject({ changed: 1, deleted: 0, documents: 2 });
    expect(counts(run2, "reminders"), "reminders:schedule, scheduled").toMatchObject({ changed: 1, deleted: 0, documents: 2 });
    expect(counts(run2, "apiKeys"), "POST /api-keys").toMatchObject({ changed: 1, deleted: 0, documents: 2 });
    expect(counts(run2, "posts"), "posts:addPost, posts:deletePost").toMatchObject({ changed: 1, deleted: 1, documents: 2 });
    expect(counts(run2, "postCounts"), "the posts trigger").toMatchObject({ changed: 2, deleted: 0, documents: 2 });
    // None came late through the verification: a write the log missed counts here.
    for (const table of APP_TABLES) expect(counts(run2, table).missedByLog ?? 0, table).toBe(0);
  });

  test("the restore of run 2 holds every write, ids kept", () => {
    const restored = result.restores[1]!.documents;
    expect(restored).toEqual(asRestored(result.afterRun2));
    const { writes } = result;
    expect(restored.users![writes.user]).toMatchObject({ name: "bob", passwordHash: PLACEHOLDER });
    expect(restored.reminders![writes.reminder]).toMatchObject({ userId: writes.user, sent: false });
    expect(restored.apiKeys![writes.apiKey]).toMatchObject({ userId: writes.user, label: "ci", secret: PLACEHOLDER });
    expect(restored.posts![writes.addedPost]).toMatchObject({ author: "bob" });
    expect(restored.posts![writes.deletedPost]).toBeUndefined();
    expect(restored.postCounts![writes.insertedCount]).toMatchObject({ author: "bob", count: 1 });
    expect(restored.postCounts![writes.patchedCount]).toMatchObject({ author: "alice", count: 1 });
  });

  test("each restore imports with no extra flag: every document accepted by the app's schema, the secrets' placeholders from init", () => {
    for (const restore of result.restores) {
      expect(restore.stdout).toMatch(/^Restore it with: npx convex import --replace-all \S+\.zip$/m);
      expect(Object.keys(restore.imported).sort()).toEqual(APP_TABLES);
      for (const table of APP_TABLES) expect(restore.imported[table], `${restore.selector} ${table}`).toEqual(restore.zipFields[table]);
      expect(Object.keys(restore.imported.users!).length).toBeGreaterThan(0);
    }
  });

  test("no secret value is anywhere in the backup, the restore ZIPs or the logs", () => {
    expect(result.secrets.length).toBe(6);
    // The scan and the log saw documents: a title is there, so a secret would be too.
    expect(result.backupText).toContain("bob@example.com");
    const redacted = (result.run1 as RunSummary).redactions?.map((r) => `${r.path} ${r.kind}`).sort();
    expect(redacted).toEqual(["apiKeys.secret key", "users.oauth.refreshToken key", "users.passwordHash key"]);
    const places = {
      backup: result.backupText,
      ...Object.fromEntries(result.restores.map((r) => [`restore --run ${r.selector}`, r.zipText])),
      logs: child.stdout.replace(/^INSTALL_RESULT .*$/m, "") + child.stderr,
    };
    const leaks = Object.entries(places).flatMap(([place, text]) => result.secrets.filter((k) => text.includes(k)).map((k) => `${k} in ${place}`));
    expect(leaks).toEqual([]);
  });
});
