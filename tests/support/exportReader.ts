// Reads a ZIP in `npx convex export`'s layout, written from the format's
// description and not from the restore's code, as `npx convex import` would:
//   - unzip (fflate);
//   - `_tables/documents.jsonl`: {"name", "id"} per table;
//   - `<table>/documents.jsonl`: one JSON value per line, parsed with
//     lossless-json so the literal's spelling survives, then read with the
//     rules of Convex's lossless export JSON (convex-backend
//     `ConvexValue::from_clean_lossless`): an integer literal (no '.', no
//     exponent) is an Int64, any other number a Float64; an object whose first
//     key starts with "$" is Convex's internal encoding ($bytes, $float,
//     $integer); everything else maps one to one;
//   - file storage as convex-backend's import reads it (snapshot_import/parse.rs
//     and import_file_storage.rs): `_storage/documents.jsonl`, one metadata
//     object per line ({_id, _creationTime, sha256, size, contentType}, size an
//     i64), and each file's bytes at `_storage/<id>` with an optional extension
//     (the pattern `(.*/)?_storage/([^/.]+)(?:\.[^/]+)?$`, "documents" excluded).
import { strFromU8, unzipSync } from "fflate";
import { isLosslessNumber, parse } from "lossless-json";
import { convexToJson, type Value } from "convex/values";

export type ExportedTable = { name: string; id: number };
export type ExportedDoc = Record<string, Value>;
export type ExportZip = {
  /** Entry names in ZIP order. */
  entries: string[];
  tables: ExportedTable[];
  documents: Map<string, ExportedDoc[]>;
  /** Raw text of `<table>/generated_schema.jsonl`, when present. */
  generatedSchemas: Map<string, string>;
  /** File storage, when the ZIP has `_storage/documents.jsonl`. */
  storage: ExportStorage | null;
};

export type ExportStorage = {
  /** Each line of `_storage/documents.jsonl` read as export JSON (size an Int64), with its keys in order. */
  rows: { doc: ExportedDoc; keys: string[] }[];
  /** File bytes by id, from `_storage/<id>[.<ext>]`. */
  blobs: Map<string, Uint8Array>;
  /** The entry name each blob was read from. */
  blobEntries: Map<string, string>;
};

const STORAGE_FILE = /^(?:.*\/)?_storage\/([^/.]+)(?:\.[^/]+)?$/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function readExportZip(zipBytes: Uint8Array): ExportZip {
  const files = unzipSync(zipBytes);
  const entries = Object.keys(files);
  const text = (name: string) => strFromU8(files[name]!);
  if (!entries.includes("_tables/documents.jsonl")) throw new Error("No _tables/documents.jsonl in the ZIP.");
  const tables = jsonLines(text("_tables/documents.jsonl")).map((line) => {
    const row = exportJsonToConvex(line) as { name: unknown; id: unknown };
    if (typeof row.name !== "string" || typeof row.id !== "bigint") throw new Error("Malformed _tables line.");
    return { name: row.name, id: Number(row.id) };
  });
  const documents = new Map<string, ExportedDoc[]>();
  const generatedSchemas = new Map<string, string>();
  for (const name of entries) {
    const match = /^([^/_][^/]*)\/(documents|generated_schema)\.jsonl$/.exec(name);
    if (match === null) continue;
    const [, table, kind] = match as unknown as [string, string, string];
    if (kind === "generated_schema") {
      generatedSchemas.set(table, text(name));
      continue;
    }
    documents.set(
      table,
      jsonLines(text(name)).map((line, i) => {
        const doc = exportJsonToConvex(line);
        if (doc === null || typeof doc !== "object" || Array.isArray(doc) || doc instanceof ArrayBuffer) {
          throw new Error(`${name} line ${i + 1} is not an object.`);
        }
        return doc as ExportedDoc;
      }),
    );
  }
  return { entries, tables, documents, generatedSchemas, storage: readStorage(files) };
}

function readStorage(files: Record<string, Uint8Array>): ExportStorage | null {
  const listing = files["_storage/documents.jsonl"];
  if (listing === undefined) return null;
  const rows = jsonLines(strFromU8(listing)).map((line) => {
    const doc = exportJsonToConvex(line) as ExportedDoc;
    return { doc, keys: Object.keys(line as Record<string, unknown>) };
  });
  const blobs = new Map<string, Uint8Array>();
  const blobEntries = new Map<string, string>();
  for (const [name, bytes] of Object.entries(files)) {
    const id = STORAGE_FILE.exec(name)?.[1];
    if (id === undefined || id === "documents") continue;
    if (blobs.has(id)) throw new Error(`Two files in the ZIP for _storage id ${id}.`);
    blobs.set(id, bytes);
    blobEntries.set(id, name);
  }
  return { rows, blobs, blobEntries };
}

/** Lines of a .jsonl file, each parsed losslessly; the file must end with a newline. */
function jsonLines(content: string): unknown[] {
  if (content === "") return [];
  if (!content.endsWith("\n")) throw new Error("A .jsonl file does not end with a newline.");
  return content
    .slice(0, -1)
    .split("\n")
    .map((line) => parse(line));
}

/** A losslessly parsed export JSON value as a Convex value. */
export function exportJsonToConvex(json: unknown): Value {
  if (json === null || typeof json === "boolean" || typeof json === "string") return json;
  if (isLosslessNumber(json)) return exportNumber(json.value);
  if (Array.isArray(json)) return json.map(exportJsonToConvex);
  if (typeof json === "object") {
    const record = json as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys[0]?.startsWith("$")) return internalEncoding(record);
    const out: Record<string, Value> = {};
    for (const key of keys) out[key] = exportJsonToConvex(record[key]);
    return out;
  }
  throw new Error(`Unexpected JSON value of type ${typeof json}.`);
}

function exportNumber(literal: string): bigint | number {
  if (/^-?\d+$/.test(literal)) {
    const value = BigInt(literal);
    if (value < INT64_MIN || value > INT64_MAX) throw new Error(`Integer ${literal} does not fit an Int64.`);
    return value;
  }
  return Number(literal);
}

function internalEncoding(record: Record<string, unknown>): Value {
  const keys = Object.keys(record);
  const encoded = record[keys[0]!];
  if (keys.length !== 1 || typeof encoded !== "string") throw new Error(`Malformed ${keys[0]} value.`);
  const bytes = base64Bytes(encoded);
  switch (keys[0]) {
    case "$bytes":
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    case "$float":
      if (bytes.length !== 8) throw new Error("$float must hold 8 bytes.");
      return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
    case "$integer":
      if (bytes.length !== 8) throw new Error("$integer must hold 8 bytes.");
      return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0, true);
    default:
      throw new Error(`Unknown encoding ${keys[0]}.`);
  }
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A Convex value as text that tells every value apart (Int64 from Float64,
 * -0 from 0, NaN, bytes): JSON of convex/values' convexToJson, keys sorted.
 * What the tests compare restored documents with.
 */
export function convexValueText(value: Value): string {
  return JSON.stringify(sortKeys(convexToJson(value)));
}

function sortKeys(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(sortKeys);
  if (json === null || typeof json !== "object") return json;
  const record = json as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, sortKeys(record[key])]));
}
