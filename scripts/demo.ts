// npm run demo: the whole backup on one machine, with real figures.
// Starts both deployments in-process (the backup served over loopback HTTP),
// seeds the example shop, backs it up, changes about 1% of it, backs it up
// again, then checks that the backup equals the primary and holds no secret.
//
//   npm run demo
//   npm run demo -- --users 200 --products 500 --orders 1000 --fraction 0.05 --seed 7
//
// Exits 1 when a secret is found in the backup or a figure is inconsistent.
import "../harness/envScope";
import { parseArgs, inspect } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importCommand, writeRestoreZip } from "./restore/writeRestoreZip";
import { internal } from "../convex/_generated/api";
import { tableRanges } from "../convex/lib/tableRanges";
import type { TableNames } from "../convex/_generated/dataModel";
import backupSchema from "../backup-convex/convex/schema";
import type { Doc, TableNames as BackupTableNames } from "../backup-convex/convex/_generated/dataModel";
import { backedUpTables, formatBytes, sumCounts, type RunSummary } from "../convex/backup";
import { OMITTED_FIELDS } from "../convex/backupConfig";
import { isSecretKey } from "../convex/lib/sanitize";
import { canonicalJson } from "../shared/digest";
import type { TableCounts } from "../shared/protocol";
import type { Value } from "convex/values";
import { startDeployments, type BackupDeployment, type PrimaryDeployment } from "../harness/deployments";
import type { TrafficStats } from "../harness/convexHttpServer";
import { changeShop, DEFAULT_SHOP, seedShop, type ChangeReport, type ShopSize } from "../harness/shopData";

const PAGE = 1_000;
/** Values shorter than this under a secret key are not searched for: "S" would match everywhere. */
const MIN_SECRET_VALUE_LENGTH = 8;

const USAGE = `Usage: npm run demo -- [--users N] [--products N] [--orders N] [--fraction F] [--deletes N] [--inserts N] [--seed N]
  --users, --products, --orders  size of the example shop (default ${DEFAULT_SHOP.users}, ${DEFAULT_SHOP.products}, ${DEFAULT_SHOP.orders})
  --fraction                     share of documents updated between the two runs (default 0.01)
  --deletes, --inserts           orders deleted and placed between the two runs (default 10 each)
  --seed                         seed of the generated data (default 1)`;

type Options = ShopSize & { fraction: number; deletes: number; inserts: number; seed: number };

function parseOptions(): Options {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        users: { type: "string", default: String(DEFAULT_SHOP.users) },
        products: { type: "string", default: String(DEFAULT_SHOP.products) },
        orders: { type: "string", default: String(DEFAULT_SHOP.orders) },
        fraction: { type: "string", default: "0.01" },
        deletes: { type: "string", default: "10" },
        inserts: { type: "string", default: "10" },
        seed: { type: "string", default: "1" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const integer = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${text}".`);
    return n;
  };
  const fraction = Number(values.fraction);
  if (!(fraction >= 0 && fraction <= 1)) throw new UsageError(`--fraction must be between 0 and 1, got "${values.fraction}".`);
  return {
    users: integer("users", values.users, 1),
    products: integer("products", values.products, 1),
    orders: integer("orders", values.orders, 1),
    fraction,
    deletes: integer("deletes", values.deletes, 0),
    inserts: integer("inserts", values.inserts, 0),
    seed: integer("seed", values.seed, 0),
  };
}

class UsageError extends Error {}

// ---------------------------------------------------------------- output

const n = (value: number): string => value.toLocaleString("en-US");
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const percent = (part: number, whole: number): string =>
  whole === 0 ? "-" : `${((100 * part) / whole).toFixed(part < whole / 100 ? 2 : 1)}%`;

/** Aligned columns: the first left-aligned, the others right-aligned. */
function printTable(headers: string[], rows: string[][], indent = "  "): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    indent +
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("   ").trimEnd();
  console.log(line(headers));
  for (const row of rows) console.log(line(row));
}

function printRun(title: string, run: BackupRun): void {
  const s = run.summary;
  console.log(`\n${title} (status ${s.status}, ${seconds(run.wallMs)})`);
  const row = (c: TableCounts) => [c.table, n(c.scanned), n(c.changed), n(c.deleted), formatBytes(c.bytesSent), n(c.docsWritten)];
  printTable(["table", "scanned", "changed", "deleted", "bytes sent", "docs written"], [
    ...s.tables.map(row),
    row(sumCounts(s.tables)),
  ]);
  const st = run.stats;
  const paths = Object.entries(st.byPath).sort(([a], [b]) => a.localeCompare(b)).map(([p, count]) => `${p} ${n(count)}`);
  console.log(`  loopback server: ${n(st.requests)} requests (${paths.join(", ")})`);
  console.log(`                   ${formatBytes(st.bytesIn)} received by the backup, ${formatBytes(st.bytesOut)} answered`);
  console.log("  log lines of backup:runNow:");
  for (const line of run.logLines) console.log(`    ${line}`);
}


// ---------------------------------------------------------------- backup runs

type BackupRun = { summary: RunSummary; stats: TrafficStats; logLines: string[]; wallMs: number };

/** Runs fn with console output collected, so the action's log lines print under their run. */
async function collectConsole<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const collect = (...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === "string" ? a : inspect(a))).join(" "));
  };
  Object.assign(console, { log: collect, info: collect, warn: collect, error: collect });
  try {
    return { result: await fn(), lines };
  } catch (error) {
    Object.assign(console, saved);
    for (const line of lines) console.error(`    ${line}`);
    throw error;
  } finally {
    Object.assign(console, saved);
  }
}

async function runBackup(primary: PrimaryDeployment, backup: BackupDeployment): Promise<BackupRun> {
  backup.server.resetStats();
  const started = performance.now();
  const { result, lines } = await collectConsole(() => primary.t.action(internal.backup.runNow, {}));
  const stats = backup.server.stats;
  return {
    summary: result,
    stats: { ...stats, byPath: { ...stats.byPath } },
    logLines: lines,
    wallMs: performance.now() - started,
  };
}

// ---------------------------------------------------------------- the primary

/** table -> document id -> hash of the sanitized document, as backup:runNow reads it. */
type Snapshot = Map<string, Map<string, string>>;

async function snapshotPrimary(primary: PrimaryDeployment, tables: string[]): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  for (const table of tables) {
    const hashes = new Map<string, string>();
    const ctx = { runQuery: primary.t.query } as Parameters<typeof tableRanges>[0];
    for await (const { entries } of tableRanges(ctx, table)) {
      for (const entry of entries) hashes.set(entry.id, entry.hash);
    }
    snapshot.set(table, hashes);
  }
  return snapshot;
}

type TableChange = { table: string; updated: number; inserted: number; deleted: number };

/** What a backup run must find between two snapshots: new, changed and deleted documents. */
function compareSnapshots(before: Snapshot, after: Snapshot): TableChange[] {
  return [...after].map(([table, hashes]) => {
    const old = before.get(table) ?? new Map<string, string>();
    let updated = 0;
    let inserted = 0;
    for (const [id, hash] of hashes) {
      const previous = old.get(id);
      if (previous === undefined) inserted += 1;
      else if (previous !== hash) updated += 1;
    }
    const deleted = [...old.keys()].filter((id) => !hashes.has(id)).length;
    return { table, updated, inserted, deleted };
  });
}

/** Calls fn for every document of a table, a page per transaction. */
async function forEachPrimaryDoc(
  primary: PrimaryDeployment,
  table: string,
  fn: (doc: Record<string, Value>) => void,
): Promise<void> {
  let cursor: string | null = null;
  for (;;) {
    const page: { page: Record<string, Value>[]; continueCursor: string; isDone: boolean } = await primary.t.run(
      async (ctx) => {
        const result = await ctx.db.query(table as TableNames).paginate({ cursor, numItems: PAGE });
        return { page: result.page as Record<string, Value>[], continueCursor: result.continueCursor, isDone: result.isDone };
      },
    );
    for (const doc of page.page) fn(doc);
    if (page.isDone) return;
    cursor = page.continueCursor;
  }
}

/** Every string the primary keeps under a secret key or an omitted field, at any depth. */
function secretValuesOf(table: string, doc: Record<string, Value>, into: Set<string>): void {
  const omitted = OMITTED_FIELDS[table] ?? [];
  const strings = (value: Value): void => {
    if (typeof value === "string") {
      if (value.length >= MIN_SECRET_VALUE_LENGTH) into.add(value);
    } else if (Array.isArray(value)) value.forEach(strings);
    else if (value !== null && typeof value === "object" && !(value instanceof ArrayBuffer)) {
      Object.values(value).forEach(strings);
    }
  };
  const walk = (value: Value, topLevel: boolean): void => {
    if (Array.isArray(value)) return value.forEach((child) => walk(child, false));
    if (value === null || typeof value !== "object" || value instanceof ArrayBuffer) return;
    for (const [key, child] of Object.entries(value)) {
      if (isSecretKey(key) || (topLevel && omitted.includes(key))) strings(child);
      else walk(child, false);
    }
  };
  walk(doc, true);
}

// ---------------------------------------------------------------- the redaction check

/** Finds any of a set of strings in a text in one pass (a map from each secret's first characters). */
class SecretFinder {
  private readonly byPrefix = new Map<string, string[]>();
  private readonly prefixLength: number;
  readonly size: number;

  constructor(secrets: Set<string>) {
    this.size = secrets.size;
    // Secrets appear in stored JSON text either as-is or JSON-escaped.
    const forms = new Set<string>();
    for (const secret of secrets) {
      forms.add(secret);
      forms.add(JSON.stringify(secret).slice(1, -1));
    }
    this.prefixLength = Math.min(16, ...[...forms].map((form) => form.length));
    for (const form of forms) {
      const prefix = form.slice(0, this.prefixLength);
      const list = this.byPrefix.get(prefix);
      if (list === undefined) this.byPrefix.set(prefix, [form]);
      else list.push(form);
    }
  }

  /** How many secret occurrences the text holds. */
  count(text: string): number {
    if (this.byPrefix.size === 0) return 0;
    let found = 0;
    for (let i = 0; i + this.prefixLength <= text.length; i++) {
      const candidates = this.byPrefix.get(text.slice(i, i + this.prefixLength));
      if (candidates === undefined) continue;
      for (const candidate of candidates) if (text.startsWith(candidate, i)) found += 1;
    }
    return found;
  }
}

/** Object keys, at any depth, that the backup must never hold (table: the primary table, if any). */
function secretKeysIn(value: unknown, table: string | null, topLevel = true): string[] {
  if (Array.isArray(value)) return value.flatMap((child) => secretKeysIn(child, table, false));
  if (value === null || typeof value !== "object") return [];
  const omitted = table === null ? [] : (OMITTED_FIELDS[table] ?? []);
  const found: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    // OMITTED_FIELDS names top-level fields; SECRET_KEY_PATTERNS apply at every depth.
    if (isSecretKey(key) || (topLevel && omitted.includes(key))) found.push(key);
    found.push(...secretKeysIn(child, table, false));
  }
  return found;
}

type BackupScan = {
  /** Rows of every backup table. */
  rows: Map<string, number>;
  chunksDeclared: number;
  documentsRead: number;
  /** table -> docId -> hash of the backup's current (open) versions. */
  current: Snapshot;
  secretKeys: Map<string, number>;
  secretValues: number;
};

function noteVersion(scan: BackupScan, version: Doc<"versions">): void {
  scan.chunksDeclared += version.chunks;
  if (version.toSeq !== null) return;
  const table = scan.current.get(version.table) ?? new Map<string, string>();
  table.set(version.docId, version.hash);
  scan.current.set(version.table, table);
}

/** Reads every table the backup deployment has, a page per transaction. */
async function scanBackup(backup: BackupDeployment, finder: SecretFinder): Promise<BackupScan> {
  const scan: BackupScan = {
    rows: new Map(), chunksDeclared: 0, documentsRead: 0, current: new Map(), secretKeys: new Map(), secretValues: 0,
  };
  const noteKeys = (keys: string[]) => {
    for (const key of keys) scan.secretKeys.set(key, (scan.secretKeys.get(key) ?? 0) + 1);
  };
  const countRow = (table: string) => scan.rows.set(table, (scan.rows.get(table) ?? 0) + 1);
  for (const table of Object.keys(backupSchema.tables)) scan.rows.set(table, 0);

  // Every table but contents, row by row (contents are checked as whole documents below).
  for (const table of Object.keys(backupSchema.tables) as BackupTableNames[]) {
    if (table === "contents") continue;
    let cursor: string | null = null;
    for (;;) {
      const page: { page: Record<string, unknown>[]; continueCursor: string; isDone: boolean } = await backup.t.run(
        (ctx) => ctx.db.query(table).paginate({ cursor, numItems: PAGE }),
      );
      for (const row of page.page) {
        countRow(table);
        noteKeys(secretKeysIn(row, null));
        scan.secretValues += finder.count(JSON.stringify(row));
        if (table === "versions") noteVersion(scan, row as Doc<"versions">);
      }
      if (page.isDone) break;
      cursor = page.continueCursor;
    }
  }

  // by_version keeps a version's chunks together, so each stored document is
  // checked whole (a secret split across two chunks is still found).
  let pending: { versionId: string; table: string; text: string } | null = null;
  const checkDocument = (doc: { table: string; text: string }) => {
    scan.documentsRead += 1;
    scan.secretValues += finder.count(doc.text);
    noteKeys(secretKeysIn(JSON.parse(doc.text), doc.table));
  };
  let cursor: string | null = null;
  for (;;) {
    const page = await backup.t.run((ctx) =>
      ctx.db.query("contents").withIndex("by_version").paginate({ cursor, numItems: PAGE }),
    );
    for (const chunk of page.page) {
      countRow("contents");
      noteKeys(secretKeysIn({ ...chunk, text: undefined }, null));
      if (pending !== null && pending.versionId === chunk.versionId) {
        pending.text += chunk.text;
        continue;
      }
      if (pending !== null) checkDocument(pending);
      pending = { versionId: chunk.versionId, table: chunk.table, text: chunk.text };
    }
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  if (pending !== null) checkDocument(pending);
  return scan;
}

/**
 * Collects the primary's secret values, and proves both detectors work: the
 * first unsanitized document of each table that holds secrets must be flagged.
 */
async function collectSecrets(primary: PrimaryDeployment, tables: string[], into: Set<string>): Promise<SelfCheck> {
  const samples: { table: string; doc: Record<string, Value> }[] = [];
  for (const table of tables) {
    await forEachPrimaryDoc(primary, table, (doc) => {
      const before = into.size;
      secretValuesOf(table, doc, into);
      if (into.size > before && !samples.some((s) => s.table === table)) samples.push({ table, doc });
    });
  }
  const finder = new SecretFinder(into);
  const check: SelfCheck = { sampled: samples.length, tables: [], keys: 0, values: 0 };
  for (const { table, doc } of samples) {
    const keys = secretKeysIn(doc, table).length;
    const values = finder.count(canonicalJson(doc));
    check.keys += keys;
    check.values += values;
    if (keys > 0 && values > 0) check.tables.push(table);
  }
  return check;
}

/** sampled: tables holding secrets; tables: those whose sample both detectors flagged. */
type SelfCheck = { sampled: number; tables: string[]; keys: number; values: number };

// ---------------------------------------------------------------- checks

class Checks {
  readonly failures: string[] = [];
  expect(ok: boolean, what: string): void {
    if (!ok) this.failures.push(what);
  }
}

function countOf(snapshot: Snapshot, table: string): number {
  return snapshot.get(table)?.size ?? 0;
}

function checkRuns(
  checks: Checks,
  tables: string[],
  seeded: Snapshot,
  changed: Snapshot,
  expected: TableChange[],
  first: RunSummary,
  second: RunSummary,
): void {
  checks.expect(first.status === "completed" && second.status === "completed", "both runs completed");
  for (const table of tables) {
    const a = first.tables.find((c) => c.table === table);
    const b = second.tables.find((c) => c.table === table);
    const e = expected.find((c) => c.table === table)!;
    if (a === undefined || b === undefined) {
      checks.failures.push(`${table}: missing from a run's summary`);
      continue;
    }
    const docs = countOf(seeded, table);
    checks.expect(a.scanned === docs, `${table}: run 1 scanned ${a.scanned}, the primary has ${docs}`);
    checks.expect(a.changed === docs, `${table}: run 1 changed ${a.changed}, expected all ${docs}`);
    checks.expect(a.deleted === 0, `${table}: run 1 deleted ${a.deleted}, expected 0`);
    checks.expect(a.docsWritten >= 2 * a.changed, `${table}: run 1 wrote ${a.docsWritten} documents for ${a.changed} versions`);
    const now = countOf(changed, table);
    checks.expect(b.scanned === now, `${table}: run 2 scanned ${b.scanned}, the primary has ${now}`);
    const want = e.updated + e.inserted;
    checks.expect(b.changed === want, `${table}: run 2 changed ${b.changed}, the primary changed ${want}`);
    checks.expect(b.deleted === e.deleted, `${table}: run 2 deleted ${b.deleted}, the primary deleted ${e.deleted}`);
    // Incremental means cheaper, as long as most of the table stayed as it was.
    if (want + e.deleted < now / 2) checks.expect(b.bytesSent < a.bytesSent, `${table}: run 2 sent no less than run 1`);
  }
}

function checkBackupState(checks: Checks, tables: string[], primary: Snapshot, scan: BackupScan, runs: RunSummary[]): number {
  let matching = 0;
  for (const table of tables) {
    const want = primary.get(table) ?? new Map<string, string>();
    const have = scan.current.get(table) ?? new Map<string, string>();
    for (const [id, hash] of want) if (have.get(id) === hash) matching += 1;
    checks.expect(have.size === want.size, `${table}: the backup holds ${have.size} current documents, the primary ${want.size}`);
  }
  const total = tables.reduce((sum, table) => sum + countOf(primary, table), 0);
  checks.expect(matching === total, `only ${matching} of ${total} documents match the primary`);
  const versionsWritten = runs.reduce((sum, run) => sum + sumCounts(run.tables).changed, 0);
  const stored = (table: string) => scan.rows.get(table) ?? 0;
  checks.expect(stored("versions") === versionsWritten, `the backup holds ${stored("versions")} versions, the runs wrote ${versionsWritten}`);
  checks.expect(stored("contents") === scan.chunksDeclared, `${stored("contents")} content chunks stored, versions declare ${scan.chunksDeclared}`);
  checks.expect(scan.documentsRead === stored("versions"), `${scan.documentsRead} stored documents read, ${stored("versions")} versions`);
  checks.expect(stored("runs") === runs.length, `the backup records ${stored("runs")} runs, ${runs.length} ran`);
  return matching;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const options = parseOptions();
  const demoStarted = performance.now();
  const checks = new Checks();
  const tables = backedUpTables();
  const d = await startDeployments();
  try {
    console.log("Convex hourly backup: demo");
    console.log(`  primary: in-process deployment (convex-test, Convex's transaction limits on)`);
    console.log(`  backup:  in-process deployment served at ${d.backup.server.url}, reached over HTTP by ConvexHttpClient`);

    // Step 1: the shop, and what the backup must find and must never hold.
    let started = performance.now();
    const ids = await seedShop(d.primary, options, options.seed);
    console.log(
      `\nSeeded the shop: ${n(options.users)} users, ${n(options.products)} products, ${n(options.orders)} orders ` +
        `(seed ${options.seed}) in ${seconds(performance.now() - started)}`,
    );
    const seeded = await snapshotPrimary(d.primary, tables);
    const secrets = new Set<string>();
    const selfCheck = await collectSecrets(d.primary, tables, secrets);

    // Step 2: the first run copies everything.
    const first = await runBackup(d.primary, d.backup);
    printRun("Run 1: first backup, everything is new", first);

    // Step 3: an hour of shop activity; the snapshots say what run 2 must find.
    started = performance.now();
    const report: ChangeReport = await changeShop(d.primary, ids, {
      fraction: options.fraction,
      deletes: options.deletes,
      inserts: options.inserts,
      seed: options.seed + 1,
    });
    const changed = await snapshotPrimary(d.primary, tables);
    await collectSecrets(d.primary, tables, secrets);
    const expected = compareSnapshots(seeded, changed);
    console.log(`\nBetween the runs, on the primary (${seconds(performance.now() - started)}):`);
    console.log(
      `  ${n(report.updated)} documents edited (${Number((options.fraction * 100).toFixed(2))}% of each table), ${n(report.deleted)} orders deleted, ` +
        `${n(report.inserted)} orders placed, ${n(report.sessionRotations)} session tokens rotated`,
    );
    printTable(
      ["table", "documents", "updated", "inserted", "deleted"],
      expected.map((e) => [e.table, n(countOf(changed, e.table)), n(e.updated), n(e.inserted), n(e.deleted)]),
    );
    console.log("  (updated = the sanitized document differs; a rotated session token alone changes nothing, it is never backed up)");

    // Step 4: the second run sends only what changed.
    const second = await runBackup(d.primary, d.backup);
    printRun("Run 2: incremental backup", second);
    const t1 = sumCounts(first.summary.tables);
    const t2 = sumCounts(second.summary.tables);
    console.log(
      `\nRun 2 vs run 1: ${percent(t2.bytesSent, t1.bytesSent)} of the bytes sent, ` +
        `${percent(second.stats.requests, first.stats.requests)} of the requests, ` +
        `${percent(t2.docsWritten, t1.docsWritten)} of the documents written`,
    );
    checkRuns(checks, tables, seeded, changed, expected, first.summary, second.summary);

    // Step 5: read back everything the backup stores: equal to the primary, no secret.
    started = performance.now();
    // The shared BACKUP_SECRET must not be stored or logged either.
    secrets.add(d.secret);
    const finder = new SecretFinder(secrets);
    const secretsInLogs = finder.count([...first.logLines, ...second.logLines].join("\n"));
    const scan = await scanBackup(d.backup, finder);
    const matching = checkBackupState(checks, tables, changed, scan, [first.summary, second.summary]);
    const secretKeyCount = [...scan.secretKeys.values()].reduce((a, b) => a + b, 0);
    console.log(`\nWhat the backup deployment stores (read back in ${seconds(performance.now() - started)}):`);
    console.log(`  rows: ${[...scan.rows].map(([table, count]) => `${table} ${n(count)}`).join(", ")}`);
    console.log(`  current state equals the primary's: ${n(matching)} of ${n(tables.reduce((s, t) => s + countOf(changed, t), 0))} documents (same ids, same hashes)`);

    console.log("\nRedaction check (every row of every table of the backup deployment):");
    console.log(
      `  detector self-check: in one unsanitized document of ${selfCheck.tables.join(", ")} it flags ` +
        `${selfCheck.keys} secret fields and ${selfCheck.values} secret values`,
    );
    console.log(
      `  secret values checked: ${n(finder.size)} (every string the primary keeps under a secret key or an omitted field, ` +
        "and BACKUP_SECRET)",
    );
    console.log(`  secret fields found in the backup: ${n(secretKeyCount)}`);
    for (const [key, count] of scan.secretKeys) console.log(`    ${key}: ${n(count)}`);
    console.log(`  secret values found in the backup: ${n(scan.secretValues)}`);
    console.log(`  secret values found in the log lines: ${n(secretsInLogs)}`);
    checks.expect(
      selfCheck.sampled > 0 && selfCheck.tables.length === selfCheck.sampled,
      "the detectors missed secrets in an unsanitized primary document",
    );
    checks.expect(finder.size > 0, "no secret values to check");
    checks.expect(secretKeyCount === 0, `${secretKeyCount} secret fields found in the backup`);
    checks.expect(scan.secretValues === 0, `${scan.secretValues} secret values found in the backup`);
    checks.expect(secretsInLogs === 0, `${secretsInLogs} secret values found in the log lines`);

    // Step 6: the first run is still a restore point: rebuild it as an import ZIP.
    started = performance.now();
    const dir = mkdtempSync(join(tmpdir(), "convex-backup-demo-"));
    try {
      const out = join(dir, "restore-run1.zip");
      const restored = await writeRestoreZip({ url: d.backup.server.url, secret: d.secret, run: first.summary.runId!, out });
      console.log(`\nRestore of run 1 (the state before the changes) in ${seconds(performance.now() - started)}:`);
      printTable(
        ["table", "documents", "in run 1", "table number"],
        restored.tables.map((t) => [t.table, n(t.documents), n(countOf(seeded, t.table)), String(t.tableNumber)]),
      );
      console.log(`  ${formatBytes(restored.bytes)} ZIP in the layout of \`npx convex export\`; on a real deployment:`);
      console.log(`  ${importCommand("restore-run1.zip", restored.partial)}`);
      for (const t of restored.tables) {
        checks.expect(t.documents === countOf(seeded, t.table), `restore of run 1 has ${t.documents} ${t.table}, run 1 had ${countOf(seeded, t.table)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    console.log(`\nDemo finished in ${seconds(performance.now() - demoStarted)}.`);
    if (checks.failures.length > 0) {
      console.log(`FAILED: ${checks.failures.length} check(s):`);
      for (const failure of checks.failures) console.log(`  - ${failure}`);
      return 1;
    }
    console.log("All checks passed: both runs add up, the backup equals the primary, holds no secret, and run 1 restores.");
    return 0;
  } finally {
    await d.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error("Demo failed:", error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
