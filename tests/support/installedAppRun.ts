// The install test's backups (tests/install.test.ts), in a child process run
// with plain tsx from the repository: no `convex-hourly-backup-source`
// condition, so the fresh app's modules load the package as a user's would,
// from the app's node_modules (the tarball's dist/; it has no src/). The
// harness, convex-test and this file resolve from the repository; `convex`
// is one real folder for both (the app's node_modules/convex links to it).
//
//   tsx tests/support/installedAppRun.ts '<InstalledAppConfig as JSON>'
//
// Starts the two in-process deployments with the app's convex/ (the ordinary
// app after `init`) and the backup project init-backup wrote, runs README's
// `npx convex run` calls, writes through every path the app has (a converted
// mutation, the function it schedules, the httpAction, the posts trigger),
// backs up, writes through every path again, backs up again, restores both
// runs with the installed CLI, imports each restore into a fresh deployment
// with the app's schema, and prints one line `INSTALL_RESULT <json>`.
import "../../harness/envScope";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { strFromU8, unzipSync } from "fflate";
import { makeFunctionReference, type GenericSchema, type SchemaDefinition } from "convex/server";
import { convexToJson, type JSONValue, type Value } from "convex/values";
import { startDeployments, type AnySchema, type Deployments } from "../../harness/deployments";
import { convexValueText, readExportZip } from "./exportReader";
import { importIntoFresh } from "./importFresh";
import { RESULT_MARKER, type InstalledAppConfig, type InstalledAppResult, type RestoreRun, type TableDocs } from "./installResult";

/** The app's tables, referenced ones first (the order an import inserts them in). */
const TABLES = ["users", "apiKeys", "posts", "postCounts", "reminders"] as const;

type AnyDeployments = Deployments<AnySchema, AnySchema>;
type Db = { query(table: string): { collect(): Promise<Record<string, Value>[]> } };
/** The primary's convex-test instance, as far as this file uses it. */
type AppT = {
  run<T>(fn: (ctx: { db: Db }) => Promise<T>): Promise<T>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  finishAllScheduledFunctions(advanceTimers: () => void): Promise<void>;
};
const appT = (d: AnyDeployments) => d.primary.t as unknown as AppT;

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
  const out: TableDocs = {};
  for (const table of TABLES) {
    const docs = await appT(d).run((ctx) => ctx.db.query(table).collect());
    out[table] = Object.fromEntries(docs.map((doc) => [doc._id as string, convexToJson(doc) as Record<string, JSONValue>]));
  }
  return out;
}

async function backupText(d: AnyDeployments): Promise<string> {
  const schema = (await d.backup.modules.load("schema")!()).default as { tables: Record<string, unknown> };
  const t = d.backup.t as unknown as { run<T>(fn: (ctx: { db: Db }) => Promise<T>): Promise<T> };
  const rows: Record<string, JSONValue> = {};
  for (const table of Object.keys(schema.tables)) {
    rows[table] = convexToJson(await t.run((ctx) => ctx.db.query(table).collect()));
  }
  return JSON.stringify(rows);
}

/** The installed CLI's `restore --run <selector>` (no other flag), then that ZIP imported into a fresh deployment with the app's schema. */
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
  const zipFields: RestoreRun["zipFields"] = {};
  for (const [table, docs] of zip.documents) {
    documents[table] = Object.fromEntries(docs.map((doc) => [doc._id as string, convexToJson(doc) as Record<string, JSONValue>]));
    zipFields[table] = Object.fromEntries(docs.map(({ _id, _creationTime: _t, ...fields }) => [_id as string, convexValueText(fields)]));
  }
  const schema = (await d.primary.modules.load("schema")!()).default as SchemaDefinition<GenericSchema, boolean>;
  const imported = await importIntoFresh(zip, { schema, modules: d.primary.modules.glob, tables: TABLES });
  const zipText = Object.entries(unzipSync(bytes))
    .map(([name, data]) => `${name}\n${strFromU8(data)}`)
    .join("\n");
  return {
    selector,
    stdout,
    documents,
    zipText,
    zipFields,
    imported: Object.fromEntries([...imported].map(([table, docs]) => [table, Object.fromEntries(docs)])),
  };
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
    const cronModule = (await d.primary.modules.load("crons")!()).default as { crons: Record<string, JSONValue> };
    const calls: InstalledAppResult["calls"] = [];
    for (const call of config.calls) {
      calls.push({ fn: call.fn, result: convexToJson(await convexRun(d, call.fn, call.args)) });
    }

    // The app's data, written the way the app writes it: each path once before run 1, again after it.
    const secrets: string[] = [];
    const secret = (kind: string) => {
      const value = `${kind}_${crypto.randomUUID().replaceAll("-", "")}`;
      secrets.push(value);
      return value;
    };
    const createUser = async (name: string) => {
      const user = { name, email: `${name}@example.com`, passwordHash: secret("pwhash"), refreshToken: secret("oauthrt") };
      return (await convexRun(d, "users:createUser", user)) as string;
    };
    const postApiKey = async (userId: string, label: string) => {
      const response = await appT(d).fetch("/api-keys", { method: "POST", body: JSON.stringify({ userId, label, secret: secret("sk") }) });
      if (response.status !== 204) throw new Error(`POST /api-keys answered ${response.status}: ${await response.text()}`);
    };
    // Real timers: the scheduler's runAfter(0) fires on the next turns of the event loop.
    const runScheduled = () => appT(d).finishAllScheduledFunctions(() => {});
    const idsOf = async (table: string) => new Set((await appT(d).run((ctx) => ctx.db.query(table).collect())).map((doc) => doc._id as string));
    const newId = (before: Set<string>, after: Set<string>) => [...after].find((id) => !before.has(id))!;

    const alice = await createUser("alice");
    const firstPost = (await convexRun(d, "posts:addPost", { author: "alice", title: "Hello" })) as string;
    await convexRun(d, "posts:addPost", { author: "alice", title: "Again" });
    await postApiKey(alice, "laptop");
    await runScheduled();

    const run1 = convexToJson(await convexRun(d, "backup:runNow", {}));
    const afterRun1 = await primaryDocs(d);

    const before = { reminders: await idsOf("reminders"), apiKeys: await idsOf("apiKeys"), postCounts: await idsOf("postCounts") };
    const user = await createUser("bob");
    await runScheduled();
    await postApiKey(user, "ci");
    const addedPost = (await convexRun(d, "posts:addPost", { author: "bob", title: "First" })) as string;
    await convexRun(d, "posts:deletePost", { id: firstPost });
    const counts = await appT(d).run((ctx) => ctx.db.query("postCounts").collect());
    const writes = {
      user,
      reminder: newId(before.reminders, await idsOf("reminders")),
      apiKey: newId(before.apiKeys, await idsOf("apiKeys")),
      addedPost,
      deletedPost: firstPost,
      insertedCount: newId(before.postCounts, await idsOf("postCounts")),
      patchedCount: counts.find((c) => c.author === "alice")!._id as string,
    };

    const run2 = convexToJson(await convexRun(d, "backup:runNow", {}));
    const afterRun2 = await primaryDocs(d);

    const restores = [await restore(config, d, "1", 1), await restore(config, d, "latest", 2)];
    return {
      convexRealPaths,
      packageEntry: realpathSync(appRequire.resolve("convex-hourly-backup")),
      packageHasSource: existsSync(join(installed, "src")),
      crons: cronModule.crons,
      calls,
      run1,
      run2,
      afterRun1,
      afterRun2,
      writes,
      secrets,
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
