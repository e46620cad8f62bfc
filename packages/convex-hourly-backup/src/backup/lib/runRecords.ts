// What a run record keeps besides counts (issue 11): the paths redaction
// removed (never values) and the primary's schema. Both are bounded: at most
// MAX_RUN_REDACTIONS paths per run, and a schema of at most MAX_SCHEMA_CHARS
// stored once per distinct hash.
import { ConvexError } from "convex/values";
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";
import {
  ERROR_CODES,
  MAX_REDACTED_PATH_CHARS,
  MAX_RUN_REDACTIONS,
  MAX_SCHEMA_CHARS,
  type RedactedPath,
  type RunSchema,
} from "../../shared/protocol";
import { sha256 } from "../../shared/digest";
import { splitIntoChunks } from "./versions";
import { validateTableName } from "./validateBatch";

function reject(message: string): never {
  throw new ConvexError({ code: ERROR_CODES.invalidBatch, message });
}

/** A redaction report as sent by the primary: bounded, valid table names, paths of their table. */
export function validateRedactions(entries: readonly RedactedPath[]): void {
  if (entries.length > MAX_RUN_REDACTIONS) reject(`A run reports at most ${MAX_RUN_REDACTIONS} redacted paths.`);
  for (const entry of entries) {
    validateTableName(entry.table);
    if (entry.path.length > MAX_REDACTED_PATH_CHARS || !entry.path.startsWith(`${entry.table}.`)) {
      reject("A redacted path is longer than allowed or does not start with its table.");
    }
    if (!Number.isFinite(entry.count) || entry.count < 0) reject("A redaction count is not a non-negative number.");
  }
}

const keyOf = (entry: RedactedPath) => `${entry.table} ${entry.kind} ${entry.path}`;

/**
 * The paths a completed run keeps: its own (with their counts) first, then
 * those known at the previous point (count 0) for tables still configured,
 * at most MAX_RUN_REDACTIONS. The next run calls every other path new.
 */
export function knownRedactions(
  own: readonly RedactedPath[],
  previous: readonly RedactedPath[],
  configuredTables: readonly string[],
): RedactedPath[] {
  const configured = new Set(configuredTables);
  const out = own.filter((entry) => configured.has(entry.table)).slice(0, MAX_RUN_REDACTIONS);
  const seen = new Set(out.map(keyOf));
  for (const entry of previous) {
    if (out.length >= MAX_RUN_REDACTIONS) break;
    if (seen.has(keyOf(entry)) || !configured.has(entry.table)) continue;
    seen.add(keyOf(entry));
    out.push({ ...entry, count: 0 });
  }
  return out;
}

/**
 * Stores the schema a run sent (once per distinct hash) and returns the hash
 * the run records, or undefined when only a hash came and the backup does
 * not hold that schema (the point is then restored unchecked, like points
 * from before schemas were stored).
 */
export async function storeSchema(db: DatabaseWriter, schema: RunSchema): Promise<string | undefined> {
  const stored = await db
    .query("schemas")
    .withIndex("by_hash", (q) => q.eq("hash", schema.hash))
    .first();
  if (stored !== null) return schema.hash;
  if (schema.json === undefined) return undefined;
  if (schema.json.length > MAX_SCHEMA_CHARS) reject(`A schema is stored up to ${MAX_SCHEMA_CHARS} characters.`);
  if ((await sha256(schema.json)) !== schema.hash) reject("The schema does not match its hash.");
  const chunks = splitIntoChunks(schema.json);
  for (const [index, text] of chunks.entries()) {
    await db.insert("schemas", { hash: schema.hash, index, chunks: chunks.length, text });
  }
  return schema.hash;
}

/** The schema JSON stored under `hash`, or null (bounded: at most MAX_SCHEMA_CHARS in its chunks). */
export async function readSchema(db: DatabaseReader, hash: string): Promise<string | null> {
  const first = await db
    .query("schemas")
    .withIndex("by_hash", (q) => q.eq("hash", hash))
    .first();
  if (first === null) return null;
  const rows = await db
    .query("schemas")
    .withIndex("by_hash", (q) => q.eq("hash", hash))
    .take(first.chunks);
  if (rows.length !== first.chunks) return null;
  return rows.map((row) => row.text).join("");
}
