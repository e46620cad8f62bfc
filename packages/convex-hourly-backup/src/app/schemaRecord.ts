// The primary's schema as a run stores it with its restore point, so a
// restore can check each document against the schema the app had then
// (issue 11): the document validator JSON of every backed-up table
// (`schema.tables[t].validator.json`, what Convex itself enforces, system
// fields excluded) and whether the schema is enforced at all.
import { convexToJson, type JSONValue, type ValidatorJSON } from "convex/values";
import type { SchemaDefinition, GenericSchema } from "convex/server";
import { sha256 } from "../shared/digest";
import type { RestorePlaceholders } from "./redaction/config";
import { MAX_SCHEMA_CHARS } from "../shared/protocol";

export type StoredSchema = {
  /** false: the app's schema is not enforced (defineSchema(..., { schemaValidation: false })); imports check nothing. */
  schemaValidation: boolean;
  tables: Record<string, ValidatorJSON>;
  /**
   * What a restore writes for required fields the backup never holds (the
   * app's restorePlaceholders, convexToJson-encoded), so the restore CLI
   * needs nothing from the app's code.
   */
  restorePlaceholders: Record<string, Record<string, JSONValue>>;
};

/** Canonical JSON of the backed-up tables' validators and its SHA-256; null when larger than MAX_SCHEMA_CHARS. */
export async function schemaRecord(
  schema: SchemaDefinition<GenericSchema, boolean>,
  tables: readonly string[],
  placeholders: RestorePlaceholders,
): Promise<{ json: string; hash: string } | null> {
  // `validator.json` is what Convex deploys (and enforces): internal in the types, public at runtime.
  const defined = schema.tables as unknown as Record<string, { validator: { json: unknown } } | undefined>;
  const restorePlaceholders = Object.fromEntries(
    Object.entries(placeholders).map(([table, fields]) => [
      table,
      Object.fromEntries(Object.entries(fields).map(([path, value]) => [path, convexToJson(value)])),
    ]),
  );
  const stored: StoredSchema = { schemaValidation: schema.schemaValidation, tables: {}, restorePlaceholders };
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
