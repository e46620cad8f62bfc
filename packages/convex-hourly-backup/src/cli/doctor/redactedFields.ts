// Required fields (top-level or nested) the backup never holds: the package's
// own redaction (Sanitizer: omitted fields, the key judge, redactPaths) is run
// on a sample document built from each table's validator, holding only its
// required fields; every path it removes must have a restore placeholder, or
// the first restore stops at that field (the restore's schema check,
// src/cli/restore/schemaCheck.ts, names the same paths). Fields under unions,
// records and v.any() are not sampled: the restore checks those per document.
import type { GenericSchema, SchemaDefinition } from "convex/server";
import type { ValidatorJSON, Value } from "convex/values";
import { CHANGE_LOG_TABLE } from "../../app/changeLog/schema";
import type { RedactionConfig, RestorePlaceholders } from "../../app/redaction/config";
import { DEFAULT_REDACTION } from "../../app/redaction/defaults";
import { RedactionReport, Sanitizer } from "../../app/sanitize";

export type RequiredRedacted = { table: string; path: string; validator: ValidatorJSON };

type Tables = Record<string, { validator: { json: ValidatorJSON } }>;

/** A value of the validator's type, made of required fields only; undefined where doctor does not look (unions, records, any). */
function sample(validator: ValidatorJSON, fields: Map<string, ValidatorJSON>, path: string): Value | undefined {
  switch (validator.type) {
    case "string":
      return "sample";
    case "number":
      return 1;
    case "bigint":
      return 1n;
    case "boolean":
      return true;
    case "null":
      return null;
    case "bytes":
      return new ArrayBuffer(1);
    case "id":
      return "sample";
    case "literal":
      return validator.value as Value;
    case "array": {
      const element = sample(validator.value, fields, `${path}[]`);
      return element === undefined ? [] : [element];
    }
    case "object": {
      const out: Record<string, Value> = {};
      for (const [key, field] of Object.entries(validator.value)) {
        if (field.optional) continue;
        const child = path === "" ? key : `${path}.${key}`;
        fields.set(child, field.fieldType);
        const value = sample(field.fieldType, fields, child);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Every required field of every backed-up table that the backup removes, with its validator. */
export function requiredRedactedFields(
  schema: SchemaDefinition<GenericSchema, boolean>,
  options: { excludedTables?: readonly string[]; omittedFields?: Readonly<Record<string, readonly string[]>>; redaction?: RedactionConfig },
): RequiredRedacted[] {
  const tables = schema.tables as unknown as Tables;
  const sanitizer = new Sanitizer(options.redaction ?? DEFAULT_REDACTION, options.omittedFields ?? {});
  const found: RequiredRedacted[] = [];
  for (const [table, definition] of Object.entries(tables)) {
    if (table === CHANGE_LOG_TABLE || (options.excludedTables ?? []).includes(table)) continue;
    const fields = new Map<string, ValidatorJSON>();
    const doc = sample(definition.validator.json, fields, "");
    if (doc === undefined || typeof doc !== "object" || doc === null || Array.isArray(doc)) continue;
    const report = new RedactionReport();
    sanitizer.sanitizeDocument(table, doc as Record<string, Value>, report);
    for (const entry of report.entries()) {
      if (entry.kind === "value") continue;
      const path = entry.path.slice(table.length + 1);
      const validator = fields.get(path);
      // Only required fields are in the sample; a path inside a removed parent is covered by the parent's.
      if (validator !== undefined) found.push({ table, path, validator });
    }
  }
  return found;
}

/** The required redacted fields with no restore placeholder. */
export function missingPlaceholders(required: readonly RequiredRedacted[], placeholders: RestorePlaceholders | undefined): RequiredRedacted[] {
  return required.filter((r) => placeholders?.[r.table]?.[r.path] === undefined);
}

/**
 * A value that passes the field's validator and is recognisably not the
 * original (a string says it was restored): what init writes as the
 * placeholder. undefined where no safe value exists (an id, a union doctor
 * cannot pick from): the user writes that one.
 */
export function placeholderValue(validator: ValidatorJSON): Value | undefined {
  switch (validator.type) {
    case "string":
      return "!restored-from-backup";
    case "number":
      return 0;
    case "bigint":
      return 0n;
    case "boolean":
      return false;
    case "null":
      return null;
    case "literal":
      return validator.value as Value;
    case "array":
      return [];
    case "bytes":
      return new ArrayBuffer(0);
    case "union": {
      for (const member of validator.value) {
        const value = placeholderValue(member);
        if (value !== undefined) return value;
      }
      return undefined;
    }
    case "object": {
      const out: Record<string, Value> = {};
      for (const [key, field] of Object.entries(validator.value)) {
        if (field.optional) continue;
        const value = placeholderValue(field.fieldType);
        if (value === undefined) return undefined;
        out[key] = value;
      }
      return out;
    }
    case "record":
      return {};
    default:
      return undefined;
  }
}
