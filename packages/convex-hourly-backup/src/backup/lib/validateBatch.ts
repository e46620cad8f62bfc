// A batch is checked whole before anything is written: a malformed batch is
// rejected with INVALID_BATCH and leaves the backup untouched. Messages name
// the problem and the position, never the values sent.
import { ConvexError } from "convex/values";
import { ERROR_CODES, MAX_CHANGES_PER_BATCH, MAX_RANGE_VERSIONS, MAX_TABLES, type DocEntry } from "../../shared/protocol";
import { inRange, type KeyRange } from "../../shared/keys";
import { ID_TAG_LENGTH, sha256Sync, utf8Length } from "../../shared/digest";
import { parseFileMetadata, STORAGE_TABLE } from "../../shared/files";

// Far inside Convex's 16 MiB argument and write limits, and 16,000 writes.
export const MAX_BATCH_DOCS = 2_000;
export const MAX_BATCH_BYTES = 10 * 1024 * 1024;
const TABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

function reject(message: string): never {
  throw new ConvexError({ code: ERROR_CODES.invalidBatch, message });
}

/** A Convex table name, or "_storage": the primary's file metadata, backed up like a table. */
export function validateTableName(table: string): void {
  if (!TABLE_NAME.test(table) && table !== STORAGE_TABLE) reject("Table name is not a valid Convex table name.");
}

/** A run's list of tables: valid names, no repeats, at most MAX_TABLES. */
export function validateTableList(tables: readonly string[]): void {
  if (tables.length > MAX_TABLES) reject(`A run may name at most ${MAX_TABLES} tables.`);
  for (const table of tables) validateTableName(table);
  if (new Set(tables).size !== tables.length) reject("A table is named twice.");
}

/** A scan batch: documents inside `range`, deletions as id tags. */
export async function validateBatch(
  table: string,
  range: KeyRange,
  upserts: readonly DocEntry[],
  deletedIdTags: readonly string[],
): Promise<void> {
  await validateEntries(table, upserts, range);
  if (deletedIdTags.length > MAX_RANGE_VERSIONS) {
    reject(`Batch deletes ${deletedIdTags.length} documents; at most ${MAX_RANGE_VERSIONS} are accepted.`);
  }
  for (const tag of deletedIdTags) {
    if (tag.length !== ID_TAG_LENGTH) reject("A deleted-document tag has the wrong length.");
  }
}

// A Convex document id is 31..37 characters (convex-test's are shorter).
const MAX_ID_LENGTH = 64;

/** A change-log batch: documents by id, deletions by id, no id twice. */
export async function validateChanges(table: string, upserts: readonly DocEntry[], deletedIds: readonly string[]): Promise<void> {
  await validateEntries(table, upserts, null);
  if (upserts.length + deletedIds.length > MAX_CHANGES_PER_BATCH) {
    reject(`Batch changes ${upserts.length + deletedIds.length} documents; at most ${MAX_CHANGES_PER_BATCH} are accepted.`);
  }
  const ids = new Set(upserts.map((entry) => entry.id));
  for (const id of deletedIds) {
    if (id.length === 0 || id.length > MAX_ID_LENGTH) reject("A deleted document id has the wrong length.");
    if (ids.has(id)) reject("A document is both changed and deleted in the batch.");
    ids.add(id);
  }
}

/** Every document well-formed, inside `range` when given, hashed as claimed. */
async function validateEntries(table: string, upserts: readonly DocEntry[], range: KeyRange | null): Promise<void> {
  validateTableName(table);
  if (upserts.length > MAX_BATCH_DOCS) {
    reject(`Batch has ${upserts.length} documents; at most ${MAX_BATCH_DOCS} are accepted.`);
  }
  let bytes = 0;
  const ids = new Set<string>();
  for (const [i, entry] of upserts.entries()) {
    bytes += utf8Length(entry.json);
    if (bytes > MAX_BATCH_BYTES) reject(`Batch exceeds ${MAX_BATCH_BYTES} bytes of documents.`);
    if (ids.has(entry.id)) reject(`Document ${i} appears twice in the batch.`);
    ids.add(entry.id);
    if (range !== null && !inRange({ creationTime: entry.creationTime, id: entry.id }, range)) {
      reject(`Document ${i} lies outside the batch's key range.`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(entry.json);
    } catch {
      reject(`Document ${i} is not valid JSON.`);
    }
    const doc = parsed as Record<string, unknown> | null;
    if (
      doc === null ||
      typeof doc !== "object" ||
      Array.isArray(doc) ||
      doc._id !== entry.id ||
      doc._creationTime !== entry.creationTime
    ) {
      reject(`Document ${i} does not carry the _id and _creationTime it is filed under.`);
    }
    const badField = findIllegalFieldName(doc as Record<string, unknown>);
    if (badField !== null) reject(`Document ${i} has a field name Convex does not allow (${badField}).`);
    if (table === STORAGE_TABLE) {
      const metadata = parseFileMetadata(entry.json);
      if (typeof metadata === "string") reject(`Document ${i} is not a _storage row: ${metadata}.`);
    }
  }
  // Hashed again here: the backup stores only what matches the hash it was sent.
  for (const [i, entry] of upserts.entries()) {
    if (sha256Sync(entry.json) !== entry.hash) reject(`Document ${i}'s hash does not match its content.`);
  }
}

// Field names Convex itself refuses (convex/values validateObjectField): a
// leading "$", a control or non-ASCII character, over 1,024 characters; and
// at the top level a leading "_" other than _id and _creationTime. Anything
// else the primary could store, "" in a nested object included, is accepted.
// Walks the encoded JSON, where {"$integer"}, {"$bytes"} and {"$float"}
// objects are values, not fields. Returns a description, never the name.
const FIELD_NAME = /^[\x20-\x7e]{0,1024}$/;
const ENCODED_VALUE_KEYS = new Set(["$integer", "$bytes", "$float"]);

function findIllegalFieldName(encoded: Record<string, unknown>): string | null {
  const walk = (node: unknown, top: boolean): string | null => {
    if (Array.isArray(node)) {
      for (const item of node) {
        const found = walk(item, false);
        if (found !== null) return found;
      }
      return null;
    }
    if (node === null || typeof node !== "object") return null;
    const keys = Object.keys(node);
    if (keys.length === 1 && ENCODED_VALUE_KEYS.has(keys[0]!)) return null;
    for (const key of keys) {
      const found = (top ? topLevelNameProblem(key) : nameProblem(key)) ?? walk((node as Record<string, unknown>)[key], false);
      if (found !== null) return found;
    }
    return null;
  };
  return walk(encoded, true);
}

// Short names already found legal (at any depth; the top-level rule is
// checked apart): the same few recur in every document of a batch.
const LEGAL_NAMES = new Set<string>();
const MAX_LEGAL_NAMES = 4_096;
const MAX_REMEMBERED_LENGTH = 64;

function nameProblem(key: string): string | null {
  if (LEGAL_NAMES.has(key)) return null;
  if (!FIELD_NAME.test(key)) return "control or non-ASCII character, or over 1,024 characters";
  if (key.startsWith("$")) return "name starting with $";
  if (key.length <= MAX_REMEMBERED_LENGTH && LEGAL_NAMES.size < MAX_LEGAL_NAMES) LEGAL_NAMES.add(key);
  return null;
}

function topLevelNameProblem(key: string): string | null {
  const problem = nameProblem(key);
  if (problem !== null) return problem;
  if (key === "" || (key.startsWith("_") && key !== "_id" && key !== "_creationTime")) {
    return "empty top-level name, or one starting with _";
  }
  return null;
}
