// The install test's backups (tests/install.test.ts), in a child process run
// with plain tsx from the repository: no `convex-hourly-backup-source`
// condition, so the fresh app's modules load the package as a user's would,
// from the app's node_modules (the tarball's dist/; it has no src/). The
// harness, convex-test and this file resolve from the repository; `convex`
// is one real folder for both (the app's node_modules/convex links to it).
//
//   tsx tests/support/installedAppRun.ts '<InstalledAppConfig as JSON>'
//
// Starts the two in-process deployments with the app's convex/ and the
// backup project init-backup wrote, runs README's `npx convex run` calls,
// adds tags and notes through the app's wrapped mutations, backs up, changes
// notes (add, edit, delete), backs up again, restores both runs with the
// installed CLI, and prints one line `INSTALL_RESULT <json>` for the test.
import "../../harness/envScope";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { strFromU8, unzipSync } from "fflate";
import { makeFunctionReference } from "convex/server";
import { convexToJson, type JSONValue, type Value } from "convex/values";
import { startDeployments, type AnySchema, type Deployments } from "../../harness/deployments";
import { readExportZip } from "./exportReader";
import { RESULT_MARKER, type InstalledAppConfig, type InstalledAppResult, type RestoreRun, type TableDocs } from "./installResult";

const TABLES = ["tags", "notes"] as const;

type AnyDeployments = Deployments<AnySchema, AnySchema>;

/** Calls a function the way `npx convex run module:name` does: its kind read from the module's export. */
async function convexRun(d: AnyDeployments, path: string, args: Record<string, JSONValue>): Promise<Value> {
  const [module, name] = path.split(":") as [string, string | undefined];
  const loader = d.primary.modules.load(module);
  const fn = name === undefined || loader === undefined ? undefined : ((await loader())[name] as Record<string, unknown> | undefined);
  if (fn === undefined) throw new Error(`The app has no function ${path}.`);
  const t = d.primary.t as unknown as Record<"action" | "mutation" | "query", (ref: unknown, args: unknown) => Promise<Value>>;
  const ref = makeFunctionReference(path);
  if (fn.isAction === true) return t.action(ref, args);
  if (fn.isMutation === true) return t.mutation(ref, args);
  if (fn.isQuery === true) return t.query(ref, args);
  throw new Error(`${path} is not a Convex function.`);
}

async function primaryDocs(d: AnyDeployments): Promise<TableDocs> {
  const t = d.primary.t as unknown as { run<T>(fn: (ctx: { db: { query(table: string): { collect(): Promise<T> } } }) => Promise<T>): Promise<T> };
  const out: TableDocs = {};
  for (const table of TABLES) {
    const docs = await t.run<Record<string, Value>[]>((ctx) => ctx.db.query(table).collect());
    out[table] = Object.fromEntries(docs.map((doc) => [doc._id as string, convexToJson(doc) as Record<string, JSONValue>]));
  }
  return out;
}

async function backupText(d: AnyDeployments): Promise<string> {
  const schema = (await d.backup.modules.load("schema")!()).default as { tables: Record<string, unknown> };
  const t = d.backup.t as unknown as { run<T>(fn: (ctx: { db: { query(table: string): { collect(): Promise<T> } } }) => Promise<T>): Promise<T> };
  const rows: Record<string, JSONValue> = {};
  for (const table of Object.keys(schema.tables)) {
    rows[table] = convexToJson(await t.run<Value[]>((ctx) => ctx.db.query(table).collect()));
  }
  return JSON.stringify(rows);
}

async function restore(config: InstalledAppConfig, d: AnyDeployments, selector: string, index: number): Promise<RestoreRun> {
  const out = join(config.outDir, `restore-${index}.zip`);
  const bin = join(config.appDir, "node_modules/.bin/convex-hourly-backup");
  const args = ["restore", "--run", selector, "--out", out, "--url", d.backup.server.url, "--secret", config.restoreSecret];
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(bin, args, { cwd: config.appDir, timeout: 60_000 }));
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`convex-hourly-backup restore --run ${selector} failed:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
  const bytes = new Uint8Array(readFileSync(out));
  const zip = readExportZip(bytes);
  const documents: TableDocs = {};
  for (const [table, docs] of zip.documents) {
    documents[table] = Object.fromEntries(docs.map((doc) => [doc._id as string, convexToJson(doc) as Record<string, JSONValue>]));
  }
  const files = unzipSync(bytes);
  const zipText = Object.entries(files)
    .map(([name, data]) => `${name}\n${strFromU8(data)}`)
    .join("\n");
  return { selector, stdout, documents, zipText };
}

async function main(config: InstalledAppConfig): Promise<InstalledAppResult> {
  const repoRequire = createRequire(import.meta.url);
  const appRequire = createRequire(join(config.appDir, "convex", "backup.ts"));
  const backupRequire = createRequire(join(config.backupProjectDir, "convex", "schema.ts"));
  const convexRealPaths = [repoRequire, appRequire, backupRequire].map((r) => realpathSync(r.resolve("convex/package.json")));
  const installed = join(config.appDir, "node_modules/convex-hourly-backup");

  const d = (await startDeployments({
    primaryDir: join(config.appDir, "convex"),
    backupDir: join(config.backupProjectDir, "convex"),
    secret: config.secret,
    restoreSecret: config.restoreSecret,
  })) as unknown as AnyDeployments;
  try {
    const calls: InstalledAppResult["calls"] = [];
    for (const call of config.calls) {
      calls.push({ fn: call.fn, result: convexToJson(await convexRun(d, call.fn, call.args)) });
    }

    // The app's data, written through its own wrapped mutations.
    const apiKeys: string[] = [];
    const newKey = () => {
      const key = `nk_${crypto.randomUUID().replaceAll("-", "")}`;
      apiKeys.push(key);
      return key;
    };
    const tags: string[] = [];
    for (const name of ["work", "home", "ideas"]) tags.push((await convexRun(d, "notes:addTag", { name })) as string);
    const notes: string[] = [];
    for (let i = 0; i < 8; i++) {
      const note: Record<string, JSONValue> = { title: `Note ${i}`, body: `Body of note ${i}`, tagId: tags[i % tags.length]! };
      if (i !== 3) note.apiKey = newKey();
      notes.push((await convexRun(d, "notes:addNote", note)) as string);
    }

    const run1 = convexToJson(await convexRun(d, "backup:runNow", {}));
    const afterRun1 = await primaryDocs(d);

    const added = (await convexRun(d, "notes:addNote", {
      title: "Added after run 1",
      body: "new",
      tagId: tags[2]!,
      apiKey: newKey(),
    })) as string;
    const edited = notes[1]!;
    await convexRun(d, "notes:editNote", { id: edited, title: "Edited after run 1", apiKey: newKey() });
    const deleted = notes[4]!;
    await convexRun(d, "notes:deleteNote", { id: deleted });

    const run2 = convexToJson(await convexRun(d, "backup:runNow", {}));
    const afterRun2 = await primaryDocs(d);

    const restores = [await restore(config, d, "1", 1), await restore(config, d, "latest", 2)];
    return {
      convexRealPaths,
      packageEntry: realpathSync(appRequire.resolve("convex-hourly-backup")),
      packageHasSource: existsSync(join(installed, "src")),
      calls,
      run1,
      run2,
      afterRun1,
      afterRun2,
      changes: { added, edited, deleted },
      apiKeys,
      restores,
      backupText: await backupText(d),
    };
  } finally {
    await d.close();
  }
}

const arg = process.argv[2];
if (arg === undefined) {
  console.error("Usage: tsx tests/support/installedAppRun.ts '<config JSON>'");
  process.exit(2);
}
main(JSON.parse(arg) as InstalledAppConfig).then(
  (result) => {
    console.log(RESULT_MARKER + JSON.stringify(result));
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
