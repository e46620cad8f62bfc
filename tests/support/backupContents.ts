// What a user would find in the backup deployment, read straight from its
// tables: the current (open) version of every document, decoded.
import { jsonToConvex, type Value } from "convex/values";
import type { Deployments } from "../../harness/deployments";
import type { Doc } from "../../packages/convex-hourly-backup/src/backup/_generated/dataModel";
import { rowsJson } from "../../harness/rowsJson";

export type StoredDoc = Record<string, Value>;

/** table -> document id -> the document as the backup holds it now. */
export async function currentBackup(d: Deployments): Promise<Map<string, Map<string, StoredDoc>>> {
  const rows = {
    versions: (await readAll(d, "versions")).filter((v) => v.toSeq === null),
    contents: await readAll(d, "contents"),
  };
  const textByVersion = new Map<string, { index: number; text: string }[]>();
  for (const c of rows.contents) {
    const list = textByVersion.get(c.versionId) ?? [];
    list.push({ index: c.index, text: c.text });
    textByVersion.set(c.versionId, list);
  }
  const out = new Map<string, Map<string, StoredDoc>>();
  for (const version of rows.versions) {
    // Small documents are inline in their version row; the others are in content chunks.
    const chunks = (textByVersion.get(version._id) ?? []).sort((a, b) => a.index - b.index);
    const json = version.text ?? chunks.map((c) => c.text).join("");
    const doc = jsonToConvex(JSON.parse(json)) as StoredDoc;
    const table = out.get(version.table) ?? new Map<string, StoredDoc>();
    table.set(version.docId, doc);
    out.set(version.table, table);
  }
  return out;
}

/** Every row of a backup table, a page per transaction (inside Convex's read limits). */
export async function readAll<T extends "versions" | "contents" | "runs">(d: Deployments, table: T) {
  const out: Doc<T>[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: { page: Doc<T>[]; isDone: boolean; continueCursor: string } = await d.backup.t.run((ctx) =>
      ctx.db.query(table).paginate({ cursor, numItems: 4_000, maximumBytesRead: 8 * 1024 * 1024 }),
    );
    out.push(...page.page);
    if (page.isDone) return out;
    cursor = page.continueCursor;
  }
}

/** Row counts of every backup table: what a run wrote. */
export async function backupRowCounts(d: Deployments) {
  return {
    runs: (await readAll(d, "runs")).length,
    versions: (await readAll(d, "versions")).length,
    contents: (await readAll(d, "contents")).length,
  };
}

/** Every stored byte of the backup as one string, to search for leaked secrets. */
export async function allBackupText(d: Deployments): Promise<string> {
  const rows = await d.backup.t.run(async (ctx) => [
    ...(await ctx.db.query("runs").collect()),
    ...(await ctx.db.query("versions").collect()),
    ...(await ctx.db.query("contents").collect()),
  ]);
  return rowsJson(rows);
}

/** The primary's documents of a table, as stored there (secrets included). */
export async function primaryDocs(d: Deployments, table: "users" | "products" | "orders") {
  return d.primary.t.run(async (ctx) => (await ctx.db.query(table).collect()) as unknown as StoredDoc[]);
}

/** A copy of `doc` without the named keys at any depth: what the backup should hold. */
export function withoutKeys(value: Value, keys: readonly string[]): Value {
  if (Array.isArray(value)) return value.map((item) => withoutKeys(item, keys));
  if (value === null || typeof value !== "object" || value instanceof ArrayBuffer) return value;
  const out: Record<string, Value> = {};
  for (const [key, child] of Object.entries(value)) {
    if (!keys.includes(key) && child !== undefined) out[key] = withoutKeys(child, keys);
  }
  return out;
}
