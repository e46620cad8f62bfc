// Configuration that names something the schema lacks is a mistake, never a
// setting to ignore: BACKUP_EXCLUDED_TABLES=order (for orders) would back
// orders up, an omitted field misspelt would copy the secret it meant to
// drop, a placeholder for a field that is not there would never be used.
// configProblems lists every such name; runNow (a dry run too) refuses to run
// while the list is not empty, and `doctor` can print the same list before a
// deploy. Names only, never values.
import type { GenericSchema, SchemaDefinition } from "convex/server";
import type { ValidatorJSON } from "convex/values";
import { CHANGE_LOG_TABLE } from "./changeLog/schema";
import { ELEMENT, parsePath } from "./redaction/paths";
import type { RestorePlaceholders } from "./redaction/config";
import { STORAGE_TABLE } from "../shared/files";

/** What configProblems reads of defineBackup's options. */
export type ConfigCheckOptions = {
  excludedTables?: readonly string[];
  omittedFields?: Readonly<Record<string, readonly string[]>>;
  restorePlaceholders?: RestorePlaceholders;
};

/** The tables BACKUP_EXCLUDED_TABLES names (comma-separated, spaces ignored, empty entries skipped). */
export function envExcludedTables(env: Readonly<Record<string, string | undefined>>): string[] {
  return (env.BACKUP_EXCLUDED_TABLES ?? "")
    .split(",")
    .map((table) => table.trim())
    .filter((table) => table !== "");
}

/**
 * Every name in the configuration the schema lacks, one sentence each (empty:
 * all good): excluded tables (excludedTables, BACKUP_EXCLUDED_TABLES), tables
 * and top-level fields of omittedFields, tables and paths of
 * restorePlaceholders. A path that crosses v.any(), a record or a union is
 * accepted (the schema cannot say what is under it).
 */
export function configProblems(
  schema: SchemaDefinition<GenericSchema, boolean>,
  options: ConfigCheckOptions,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  // `validator.json` is what Convex deploys: internal in the types, public at runtime (as schemaRecord reads it).
  const defined = schema.tables as unknown as Record<string, { validator: { json: ValidatorJSON } } | undefined>;
  const tables = Object.keys(defined).filter((table) => table !== CHANGE_LOG_TABLE);
  const known = `the schema's tables: ${tables.join(", ") || "(none)"}`;
  const problems: string[] = [];
  const unknownTables = (names: readonly string[]) => names.filter((table) => !tables.includes(table));

  const badOption = unknownTables(options.excludedTables ?? []);
  if (badOption.length > 0) problems.push(`excludedTables names tables the schema does not have: ${badOption.join(", ")} (${known}).`);
  const badEnv = unknownTables(envExcludedTables(env));
  if (badEnv.length > 0) {
    problems.push(`BACKUP_EXCLUDED_TABLES names tables the schema does not have: ${badEnv.join(", ")} (${known}); fix it with npx convex env set.`);
  }

  for (const [table, fields] of Object.entries(options.omittedFields ?? {})) {
    const validator = defined[table]?.validator.json;
    if (validator === undefined || table === CHANGE_LOG_TABLE) {
      problems.push(`omittedFields names table ${table}, which the schema does not have (${known}).`);
      continue;
    }
    const missing = fields.filter((field) => fieldAt(validator, [field]) === "absent");
    if (missing.length > 0) problems.push(`omittedFields.${table} names fields ${table} does not have: ${missing.join(", ")}.`);
  }

  for (const [table, paths] of Object.entries(options.restorePlaceholders ?? {})) {
    const validator = table === STORAGE_TABLE ? undefined : defined[table]?.validator.json;
    if (validator === undefined || table === CHANGE_LOG_TABLE) {
      problems.push(`restorePlaceholders names table ${table}, which the schema does not have (${known}).`);
      continue;
    }
    const missing = Object.keys(paths).filter((path) => {
      try {
        return fieldAt(validator, parsePath(path, "restorePlaceholders path")) === "absent";
      } catch {
        return true;
      }
    });
    if (missing.length > 0) problems.push(`restorePlaceholders.${table} names paths ${table} does not have: ${missing.join(", ")}.`);
  }
  return problems;
}

/**
 * Whether `segments` name a field of the document validator: "present",
 * "absent", or "unknown" past v.any(), a record or a union (and in a table
 * defined without a validator).
 */
function fieldAt(validator: ValidatorJSON, segments: readonly string[]): "present" | "absent" | "unknown" {
  let at = validator;
  for (const segment of segments) {
    if (at.type === "any" || at.type === "record" || at.type === "union") return "unknown";
    if (segment === ELEMENT) {
      if (at.type !== "array") return "absent";
      at = at.value;
      continue;
    }
    if (at.type !== "object" || !Object.prototype.hasOwnProperty.call(at.value, segment)) return "absent";
    at = at.value[segment]!.fieldType;
  }
  return "present";
}
