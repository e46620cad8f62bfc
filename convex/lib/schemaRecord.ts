// The primary's schema as a run stores it with its restore point, so a
// restore can check each document against the schema the app had then
// (issue 11): the document validator JSON of every backed-up table
// (`schema.tables[t].validator.json`, what Convex itself enforces, system
// fields excluded) and whether the schema is enforced at all.
import type { ValidatorJSON } from "convex/values";
import schema from "../schema";
import { sha256 } from "../../shared/digest";
import { MAX_SCHEMA_CHARS } from "../../shared/protocol";

export type StoredSchema = {
  /** false: the app's schema is not enforced (defineSchema(..., { schemaValidation: false })); imports check nothing. */
  schemaValidation: boolean;
  tables: Record<string, ValidatorJSON>;
};

/** Canonical JSON of the backed-up tables' validators and its SHA-256; null when larger than MAX_SCHEMA_CHARS. */
export async function schemaRecord(tables: readonly string[]): Promise<{ json: string; hash: string } | null> {
  // `validator.json` is what Convex deploys (and enforces): internal in the types, public at runtime.
  const defined = schema.tables as unknown as Record<string, { validator: { json: unknown } } | undefined>;
  const stored: StoredSchema = { schemaValidation: schema.schemaValidation, tables: {} };
  for (const table of [...tables].sort()) {
    const definition = defined[table];
    if (definition !== undefined) stored.tables[table] = definition.validator.json as ValidatorJSON;
  }
  // Keys sorted: the same schema always hashes the same.
  const json = JSON.stringify(sortKeys(stored));
  if (json.length > MAX_SCHEMA_CHARS) return null;
  return { json, hash: await sha256(json) };
}

function sortKeys(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(sortKeys);
  if (json === null || typeof json !== "object") return json;
  const record = json as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, sortKeys(record[key])]));
}
