// Checks each restored document against the primary's schema as the
// restore point stored it (issue 11), so that `npx convex import` accepts
// the ZIP: a required field redaction removed gets the value the app's
// restorePlaceholders (defineBackup's options, stored with each run) or the
// restore's --placeholders file names for it; any other mismatch, or a
// removed required field without a placeholder, stops the restore before the
// ZIP exists, with an error naming the table, the field and the setting to add. Errors never hold a document's values: they name
// paths (written like the backup's report), types and schema literals.
//
// Documents are checked in the stored form (convexToJson's encoding:
// {"$integer"}, {"$float"}, {"$bytes"}), against Convex's validator JSON
// (`schema.tables[t].validator.json`), by the rules Convex validates a
// document with: every required field present, no field the object
// validator does not name (system fields aside), values of the named type.
import { convexToJson, jsonToConvex, type JSONValue, type ObjectFieldType, type ValidatorJSON, type Value } from "convex/values";
import { parsePath as parseRedactionPath, reportSegment } from "../../app/redaction/paths";
import type { RestorePlaceholders } from "../../app/redaction/config";
import type { RedactedPath } from "../../shared/protocol";
import type { RestorePoint } from "../../backup/lib/restoreProtocol";
import { RestoreError, type RestoreSource } from "./restoreSource";

export type { RestorePlaceholders };

/** What a run stores (app/schemaRecord.ts); points stored before 0.2.0 have no restorePlaceholders. */
type StoredSchema = {
  schemaValidation: boolean;
  tables: Record<string, ValidatorJSON>;
  restorePlaceholders?: Record<string, Record<string, JSONValue>>;
};

const ELEMENT = "[]";
const RECORD_ENTRY = "*";
const SYSTEM_FIELDS = new Set(["_id", "_creationTime"]);

type Failure = { path: string[]; problem: string; expected: string; missing: boolean };

/** "payment.card.number", "items[].secret" from segments. */
export function placeholderPath(segments: readonly string[]): string {
  let out = "";
  for (const segment of segments) out += segment === ELEMENT ? ELEMENT : out === "" ? segment : `.${segment}`;
  return out;
}

/** A path safe to print: keys that are not identifier-like (or look like tokens or ids) are written `*`. */
function printable(segments: readonly string[]): string {
  return placeholderPath(segments.map((segment) => (segment === ELEMENT || segment === RECORD_ENTRY ? segment : reportSegment(segment))));
}

function decodePlaceholders(stored: Record<string, Record<string, JSONValue>>): RestorePlaceholders {
  return Object.fromEntries(
    Object.entries(stored).map(([table, fields]) => [
      table,
      Object.fromEntries(Object.entries(fields).map(([path, value]) => [path, jsonToConvex(value)])),
    ]),
  );
}

/** A placeholder's path in segments, with the syntax of redaction paths. */
const parsePath = (path: string) => parseRedactionPath(path, "restorePlaceholders path");

/** `over`'s paths replace `base`'s, table by table. */
function mergePlaceholders(base: RestorePlaceholders, over: RestorePlaceholders): RestorePlaceholders {
  const merged: Record<string, Record<string, Value>> = {};
  for (const [table, fields] of Object.entries(base)) merged[table] = { ...fields };
  for (const [table, fields] of Object.entries(over)) merged[table] = { ...merged[table], ...fields };
  return merged;
}

/** The kind of a stored (convexToJson-encoded) value. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "float64";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      if (keys[0] === "$integer") return "int64";
      if (keys[0] === "$float") return "float64";
      if (keys[0] === "$bytes") return "bytes";
    }
    return "object";
  }
  return typeof value;
}

const article = (kind: string) => (/^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`);

/** The validator as the error names it (schema literals are the app's code, not data). */
function describeValidator(validator: ValidatorJSON): string {
  switch (validator.type) {
    case "number":
      return "a float64 (v.number())";
    case "bigint":
      return "an int64 (v.int64())";
    case "commitTs":
      return "a commit timestamp";
    case "literal":
      return `the literal ${JSON.stringify(validator.value)}`;
    case "id":
      return `an id of table "${validator.tableName}"`;
    case "union":
      return `one of ${validator.value.length} alternatives (${validator.value.map(describeValidator).join(" | ").slice(0, 300)})`;
    default:
      return article(validator.type);
  }
}

export type SchemaCheckOptions = {
  seq: number;
  /** The stored schema JSON, or null for a point from before schemas were stored. */
  schemaJson: string | null;
  /** Replaces the placeholders the run stored with its schema. */
  placeholders?: RestorePlaceholders;
  /** Merged over the run's (or `placeholders`): path by path, these win (the restore's --placeholders file). */
  placeholderOverrides?: RestorePlaceholders;
  /** The paths the point knows redaction removed (to say so in errors, and to check before reading). */
  redactions: readonly RedactedPath[];
};

/** The check of a restore point's documents: the schema it stored (read from the backup) and what its redaction report says was removed. */
export async function pointSchemaCheck(
  source: Pick<RestoreSource, "getSchema">,
  point: RestorePoint,
  options: Pick<SchemaCheckOptions, "placeholders" | "placeholderOverrides">,
): Promise<SchemaCheck> {
  return new SchemaCheck({
    seq: point.seq,
    schemaJson: point.schemaHash === null ? null : await source.getSchema(point.schemaHash),
    placeholders: options.placeholders,
    placeholderOverrides: options.placeholderOverrides,
    redactions: point.redactions,
  });
}

export class SchemaCheck {
  private readonly schema: StoredSchema | null;
  private readonly seq: number;
  private readonly placeholders: RestorePlaceholders;
  /** "table\u0000path" of the placeholders that came from placeholderOverrides. */
  private readonly overridden: Set<string>;
  private readonly removed: Set<string>;
  /** "table\u0000path" -> documents given that placeholder. */
  private readonly filledCounts = new Map<string, number>();
  private table = "";

  constructor(options: SchemaCheckOptions) {
    this.seq = options.seq;
    let schema: StoredSchema | null = null;
    if (options.schemaJson !== null) {
      try {
        schema = JSON.parse(options.schemaJson) as StoredSchema;
      } catch {
        throw new RestoreError(`The schema stored with run ${options.seq} is not valid JSON: the backup is damaged.`);
      }
    }
    // The app's restorePlaceholders as the run stored them, unless the caller gives others.
    const base = options.placeholders ?? decodePlaceholders(schema?.restorePlaceholders ?? {});
    const overrides = options.placeholderOverrides ?? {};
    this.placeholders = mergePlaceholders(base, overrides);
    this.overridden = new Set(
      Object.entries(overrides).flatMap(([table, fields]) => Object.keys(fields).map((path) => `${table}\u0000${path}`)),
    );
    // An app that does not enforce its schema imports anything: only placeholders apply then.
    this.schema = schema !== null && schema.schemaValidation !== false ? schema : null;
    this.removed = new Set(
      options.redactions
        .filter((entry) => entry.kind !== "value")
        .map((entry) => `${entry.table}\u0000${entry.path.slice(entry.table.length + 1)}`),
    );
  }

  /** Whether documents are checked: the point stored a schema the app enforces. */
  get checked(): boolean {
    return this.schema !== null;
  }

  /** Placeholders given so far: per table and path, how many documents. */
  filled(): { table: string; path: string; documents: number }[] {
    return [...this.filledCounts]
      .map(([key, documents]) => {
        const [table, path] = key.split("\u0000") as [string, string];
        return { table, path, documents };
      })
      .sort((a, b) => (a.table === b.table ? (a.path < b.path ? -1 : 1) : a.table < b.table ? -1 : 1));
  }

  /**
   * Before any document is read: every placeholder that names a field the
   * schema knows must pass that field's validator, and every required field
   * the point's report says redaction removed must have a placeholder
   * (found through objects and arrays; fields under unions, records and
   * v.any() are checked document by document). Returns the fields known to
   * need a placeholder (without a schema: every top-level placeholder).
   */
  preflight(tables: readonly string[]): { table: string; path: string }[] {
    const expected: { table: string; path: string }[] = [];
    if (this.schema === null) {
      for (const table of tables) {
        for (const path of Object.keys(this.placeholders[table] ?? {})) if (parsePath(path).length === 1) expected.push({ table, path });
      }
      return expected;
    }
    for (const table of tables) {
      const documentType = this.schema.tables[table];
      if (documentType === undefined) continue;
      for (const [path, value] of Object.entries(this.placeholders[table] ?? {})) {
        const field = fieldAt(documentType, parsePath(path));
        if (field === null) continue;
        const result = this.value(field.fieldType, convexToJson(value), parsePath(path), false);
        if (result instanceof Failed) throw this.badPlaceholder(table, path, field.fieldType, convexToJson(value));
      }
    }
    for (const key of this.removed) {
      const [table, path] = key.split("\u0000") as [string, string];
      const documentType = this.schema.tables[table];
      if (documentType === undefined || !tables.includes(table)) continue;
      const field = fieldAt(documentType, parsePath(path));
      if (field === null || !field.required) continue;
      if (!this.hasPlaceholder(table, path)) throw this.missingError(table, null, path, true);
      expected.push({ table, path });
    }
    return expected.sort((a, b) => (a.table === b.table ? (a.path < b.path ? -1 : 1) : a.table < b.table ? -1 : 1));
  }

  /**
   * One stored document (parsed canonical JSON) as it may be imported:
   * required fields redaction removed filled from the placeholders.
   * Throws a RestoreError when it does not pass the point's schema.
   */
  document(table: string, doc: Record<string, unknown>): Record<string, unknown> {
    this.table = table;
    if (this.schema === null) return this.fillTopLevel(table, doc);
    const documentType = this.schema.tables[table];
    if (documentType === undefined) return doc;
    const result = this.value(documentType, doc, [], true);
    if (!(result instanceof Failed)) return result as Record<string, unknown>;
    const { failure } = result;
    const id = typeof doc._id === "string" ? doc._id : "(no _id)";
    if (failure.missing) throw this.missingError(table, id, placeholderPath(failure.path), this.removed.has(`${table}\u0000${placeholderPath(failure.path)}`));
    const where = failure.path.length === 0 ? "the document" : `field "${printable(failure.path)}"`;
    throw new RestoreError(
      `Restore of run ${this.seq} stopped: in table "${table}", document ${id}, ${where} ${failure.problem}, ` +
        `but the schema stored with run ${this.seq} expects ${failure.expected}. \`npx convex import\` would refuse it, ` +
        "so no ZIP was written. Restore a run whose documents match, or change convex/schema.ts to accept them and deploy it first.",
    );
  }

  /** A point without a schema: its top-level placeholders fill the fields its documents lack. */
  private fillTopLevel(table: string, doc: Record<string, unknown>): Record<string, unknown> {
    for (const [path, value] of Object.entries(this.placeholders[table] ?? {})) {
      if (parsePath(path).length !== 1 || doc[path] !== undefined) continue;
      doc[path] = convexToJson(value);
      this.count(table, path);
    }
    return doc;
  }

  private hasPlaceholder(table: string, path: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.placeholders[table] ?? {}, path);
  }

  private count(table: string, path: string): void {
    const key = `${table}\u0000${path}`;
    this.filledCounts.set(key, (this.filledCounts.get(key) ?? 0) + 1);
  }

  private missingError(table: string, id: string | null, path: string, removed: boolean): RestoreError {
    const which = id === null ? "its documents lack it" : `document ${id} lacks it`;
    const why = removed ? "redaction removed it, so the backup never holds it" : "the stored document does not have it";
    const entry = `{ ${JSON.stringify(table)}: { ${JSON.stringify(path)}: <value> } }`;
    return new RestoreError(
      `Restore of run ${this.seq} stopped before writing anything: in table "${table}", the field "${printable(parsePath(path))}" ` +
        `is required by the schema stored with run ${this.seq}, but ${which} (${why}), so \`npx convex import\` would refuse the ZIP. ` +
        `Name the value restored documents get: for this restore, with --placeholders <file.json> holding ${entry}; ` +
        `for the runs to come, in defineBackup's options (convex/backup.ts): restorePlaceholders: ${entry} ` +
        "(applies from the next run; for a password hash, a value no password matches, which forces a reset). " +
        "Or make the field optional in convex/schema.ts.",
    );
  }

  private badPlaceholder(table: string, path: string, validator: ValidatorJSON, value: unknown): RestoreError {
    const where = this.overridden.has(`${table}\u0000${path}`)
      ? "the --placeholders file"
      : `restorePlaceholders as run ${this.seq} stored it (defineBackup's options; --placeholders overrides it)`;
    return new RestoreError(
      `The placeholder for ${table}[${JSON.stringify(path)}] in ${where} is ${article(kindOf(value))}, ` +
        `but the schema stored with run ${this.seq} expects ${describeValidator(validator)} there. Nothing was written.`,
    );
  }

  /**
   * Checks `value` against `validator`; with `fill`, a missing required field
   * with a placeholder gets it. Returns the value (filled in place) or a
   * Failed. `path` is a stack each level pushes onto and pops before it
   * returns: a restore checks every value of every document, so nothing is
   * allocated on the way unless a check fails.
   */
  private value(validator: ValidatorJSON, value: unknown, path: string[], fill: boolean): unknown {
    switch (validator.type) {
      case "any":
        return value;
      case "null":
        return value === null ? value : mismatch(validator, value, path);
      case "boolean":
        return typeof value === "boolean" ? value : mismatch(validator, value, path);
      case "string":
      case "id":
        return typeof value === "string" ? value : mismatch(validator, value, path);
      case "number":
        return typeof value === "number" || encodedAs(value) === "$float" ? value : mismatch(validator, value, path);
      case "bigint":
      case "commitTs":
        return encodedAs(value) === "$integer" ? value : mismatch(validator, value, path);
      case "bytes":
        return encodedAs(value) === "$bytes" ? value : mismatch(validator, value, path);
      case "literal":
        return sameLiteral(validator.value as JSONValue, value)
          ? value
          : failed(path, `is ${article(kindOf(value))} of another value`, describeValidator(validator));
      case "array": {
        if (!Array.isArray(value)) return mismatch(validator, value, path);
        path.push(ELEMENT);
        for (let i = 0; i < value.length; i++) {
          const result = this.value(validator.value, value[i], path, fill);
          if (result instanceof Failed) return popped(path, result);
          value[i] = result;
        }
        path.pop();
        return value;
      }
      case "record": {
        if (kindOf(value) !== "object") return mismatch(validator, value, path);
        const record = value as Record<string, unknown>;
        path.push(RECORD_ENTRY);
        for (const key of Object.keys(record)) {
          const result = this.value(validator.values.fieldType, record[key], path, fill);
          if (result instanceof Failed) return popped(path, result);
          record[key] = result;
        }
        path.pop();
        return value;
      }
      case "object":
        return kindOf(value) === "object" ? this.object(validator.value, value as Record<string, unknown>, path, fill) : mismatch(validator, value, path);
      case "union":
        return this.union(validator, value, path, fill);
    }
    return value;
  }

  private object(fields: Record<string, ObjectFieldType>, obj: Record<string, unknown>, path: string[], fill: boolean): unknown {
    const unknown = unknownField(fields, obj, path.length === 0);
    if (unknown !== null) return failed([...path, unknown], "is present", "no such field");
    for (const [key, field] of fieldList(fields)) {
      const present = obj[key];
      if (present === undefined && field.optional) continue;
      path.push(key);
      if (present === undefined) {
        const name = placeholderPath(path);
        const placeholders = this.placeholders[this.table] ?? {};
        if (!fill || !Object.prototype.hasOwnProperty.call(placeholders, name)) {
          return popped(path, failed(path, "is missing", describeValidator(field.fieldType), true));
        }
        const filled = convexToJson(placeholders[name]!);
        if (this.value(field.fieldType, filled, path, false) instanceof Failed) throw this.badPlaceholder(this.table, name, field.fieldType, filled);
        obj[key] = filled;
        this.count(this.table, name);
      } else {
        const result = this.value(field.fieldType, present, path, fill);
        if (result instanceof Failed) return popped(path, result);
        obj[key] = result;
      }
      path.pop();
    }
    return obj;
  }

  /** Any alternative as it is; else, filling placeholders, the first that then passes (on a copy). */
  private union(validator: Extract<ValidatorJSON, { type: "union" }>, value: unknown, path: string[], fill: boolean): unknown {
    // The common case, without building a failure for each alternative that does not match.
    for (const member of validator.value) if (passes(member, value, path.length === 0)) return value;
    let best: Failure | null = null;
    // The alternative that got furthest is the one the document was meant to be.
    const keep = (failure: Failure) => {
      if (best === null || failure.path.length > best.path.length) best = failure;
    };
    if (!fill) {
      for (const member of validator.value) {
        const result = this.value(member, value, path, false);
        if (result instanceof Failed) keep(result.failure);
      }
    } else {
      for (const member of validator.value) {
        const before = new Map(this.filledCounts);
        const result = this.value(member, structuredClone(value), path, true);
        if (!(result instanceof Failed)) return result;
        keep(result.failure);
        // A failed attempt counts no placeholder.
        this.filledCounts.clear();
        for (const [key, count] of before) this.filledCounts.set(key, count);
      }
    }
    return new Failed(best ?? { path: [...path], problem: "matches no alternative", expected: describeValidator(validator), missing: false });
  }
}

/** A check that did not pass (a class: a stored value, parsed JSON, is never one). */
class Failed {
  constructor(readonly failure: Failure) {}
}

function failed(path: readonly string[], problem: string, expected: string, missing = false): Failed {
  return new Failed({ path: [...path], problem, expected, missing });
}

function mismatch(validator: ValidatorJSON, value: unknown, path: readonly string[]): Failed {
  return failed(path, `is ${article(kindOf(value))}`, describeValidator(validator));
}

/** Pops the level a check pushed, passing its failure on. */
function popped(path: string[], failure: Failed): Failed {
  path.pop();
  return failure;
}

const ENCODED_KEYS = new Set(["$integer", "$float", "$bytes"]);

/** The key of a stored {"$integer"}, {"$float"} or {"$bytes"} value, else null (kindOf without Object.keys). */
function encodedAs(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  let only: string | null = null;
  for (const key in value) {
    if (only !== null) return null;
    only = key;
  }
  return only !== null && ENCODED_KEYS.has(only) ? only : null;
}

function sameLiteral(expected: JSONValue, value: unknown): boolean {
  return typeof expected === "object" && expected !== null ? JSON.stringify(value) === JSON.stringify(expected) : value === expected;
}

/** The first field of `obj` the object validator does not name (system fields aside on a document), or null. */
function unknownField(fields: Record<string, ObjectFieldType>, obj: Record<string, unknown>, top: boolean): string | null {
  for (const key in obj) {
    if (top && SYSTEM_FIELDS.has(key)) continue;
    if (!Object.prototype.hasOwnProperty.call(fields, key)) return key;
  }
  return null;
}

const fieldLists = new WeakMap<Record<string, ObjectFieldType>, [string, ObjectFieldType][]>();

/** An object validator's fields, listed once per validator. */
function fieldList(fields: Record<string, ObjectFieldType>): [string, ObjectFieldType][] {
  let list = fieldLists.get(fields);
  if (list === undefined) fieldLists.set(fields, (list = Object.entries(fields)));
  return list;
}

/** Whether `value` passes `validator` as it is (SchemaCheck.value without filling), allocating nothing. */
function passes(validator: ValidatorJSON, value: unknown, top: boolean): boolean {
  switch (validator.type) {
    case "any":
      return true;
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "string":
    case "id":
      return typeof value === "string";
    case "number":
      return typeof value === "number" || encodedAs(value) === "$float";
    case "bigint":
    case "commitTs":
      return encodedAs(value) === "$integer";
    case "bytes":
      return encodedAs(value) === "$bytes";
    case "literal":
      return sameLiteral(validator.value as JSONValue, value);
    case "array":
      return Array.isArray(value) && value.every((item) => passes(validator.value, item, false));
    case "record": {
      if (kindOf(value) !== "object") return false;
      const record = value as Record<string, unknown>;
      for (const key in record) if (!passes(validator.values.fieldType, record[key], false)) return false;
      return true;
    }
    case "object": {
      if (kindOf(value) !== "object") return false;
      const obj = value as Record<string, unknown>;
      if (unknownField(validator.value, obj, top) !== null) return false;
      for (const [key, field] of fieldList(validator.value)) {
        const present = obj[key];
        if (present === undefined ? !field.optional : !passes(field.fieldType, present, false)) return false;
      }
      return true;
    }
    case "union":
      return validator.value.some((member) => passes(member, value, top));
  }
  return true;
}

/**
 * The field a path names when it is reached through objects and arrays
 * only, and whether it and every object on the way are required; null when
 * the path crosses a union, a record or v.any(), or names no field.
 */
function fieldAt(documentType: ValidatorJSON, segments: readonly string[]): { fieldType: ValidatorJSON; required: boolean } | null {
  let at: ValidatorJSON = documentType;
  let required = true;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === ELEMENT) {
      if (at.type !== "array") return null;
      at = at.value;
      continue;
    }
    if (at.type !== "object" || !Object.prototype.hasOwnProperty.call(at.value, segment)) return null;
    const field: ObjectFieldType = at.value[segment]!;
    required &&= !field.optional;
    if (i === segments.length - 1) return { fieldType: field.fieldType, required };
    at = field.fieldType;
  }
  return null;
}
