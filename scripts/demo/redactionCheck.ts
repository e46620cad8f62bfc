// The redaction check: collect every secret value the primary keeps (strings
// under a secret key or an omitted field), prove the detectors flag them in an
// unsanitized document, then read back every row of every table of the backup
// deployment and count the secret fields and values it holds. The same scan
// records the backup's current versions and row counts for the other checks.
import { OMITTED_FIELDS, REDACTION } from "../../convex/backupConfig";
import { Sanitizer } from "../../packages/convex-hourly-backup/src/app/sanitize";
import type { TableNames } from "../../convex/_generated/dataModel";
import backupSchema from "../../packages/convex-hourly-backup/src/backup/schema";
import type { Doc, TableNames as BackupTableNames } from "../../packages/convex-hourly-backup/src/backup/_generated/dataModel";
import { canonicalJson } from "../../packages/convex-hourly-backup/src/shared/digest";
import type { Value } from "convex/values";

const shopSanitizer = new Sanitizer(REDACTION, OMITTED_FIELDS);
import type { BackupDeployment, PrimaryDeployment } from "../../harness/deployments";
import type { Snapshot } from "./primarySnapshot";
import { rowsJson } from "../../harness/rowsJson";

const PAGE = 1_000;
/** Values shorter than this under a secret key are not searched for: "S" would match everywhere. */
const MIN_SECRET_VALUE_LENGTH = 8;

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

/** A key the sanitizer removes for its name (booleans and null under it are kept: no secret in one bit). */
function removedForName(key: string, child: unknown, table: string | null): boolean {
  return shopSanitizer.isSecretKey(key, table ?? undefined) && child !== null && typeof child !== "boolean";
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
      if (removedForName(key, child, table) || (topLevel && omitted.includes(key))) strings(child);
      else walk(child, false);
    }
  };
  walk(doc, true);
}

/** Finds any of a set of strings in a text in one pass (a map from each secret's first characters). */
export class SecretFinder {
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
    // OMITTED_FIELDS names top-level fields; REDACTION's secret words apply at every depth.
    if (removedForName(key, child, table) || (topLevel && omitted.includes(key))) found.push(key);
    found.push(...secretKeysIn(child, table, false));
  }
  return found;
}

export type BackupScan = {
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
export async function scanBackup(backup: BackupDeployment, finder: SecretFinder): Promise<BackupScan> {
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
        scan.secretValues += finder.count(rowsJson(row));
        if (table === "versions") {
          const version = row as Doc<"versions">;
          noteVersion(scan, version);
          // A small document is inline in its version: check it as a whole document too.
          if (version.text !== undefined) {
            scan.documentsRead += 1;
            noteKeys(secretKeysIn(JSON.parse(version.text), version.table));
          }
        }
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
export async function collectSecrets(primary: PrimaryDeployment, tables: string[], into: Set<string>): Promise<SelfCheck> {
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
