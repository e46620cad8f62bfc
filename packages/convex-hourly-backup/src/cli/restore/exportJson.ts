// Convex values written as `npx convex export` writes them in
// `<table>/documents.jsonl` (convex-backend, crates/value/src/export.rs,
// `export_clean_lossless`, the format the export's `"uniform"`
// generated_schema.jsonl announces):
//   - Int64: a bare decimal integer                      123, -9223372036854775808
//   - finite Float64: serde_json's (ryu's) shortest form, always with a
//     decimal point or an exponent                       3.0, -0.0, 0.1, 1e21, 5e-324
//   - NaN, Infinity, -Infinity: {"$float": base64 of the 8 little-endian bytes}
//   - bytes: {"$bytes": base64}
//   - objects: keys in byte order (a BTreeMap in the backend)
// Plain JSON.stringify would write 3.0 as `3`, which imports as an Int64.
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";

/** One document (or any value) as a line of the export's documents.jsonl, without the newline. */
export function formatExportValue(value: Value): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return formatFloat(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof ArrayBuffer) return JSON.stringify(convexToJson(value));
  if (Array.isArray(value)) return `[${value.map(formatExportValue).join(",")}]`;
  const record = value as Record<string, Value | undefined>;
  const fields: string[] = [];
  for (const key of Object.keys(record).sort(compareUtf8)) {
    const field = record[key];
    // An undefined field is an absent one, as in Convex.
    if (field !== undefined) fields.push(`${JSON.stringify(key)}:${formatExportValue(field)}`);
  }
  return `{${fields.join(",")}}`;
}

const ENCODED_VALUE_KEYS = new Set(["$integer", "$float", "$bytes"]);
/** 8 bytes of standard base64: the {"$integer"} convexToJson writes. */
const INT64_BASE64 = /^[A-Za-z0-9+/]{11}=$/;
/** Field names seen, quoted with their colon: the same few names recur in every document. */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 10_000;

/**
 * The same line as formatExportValue(jsonToConvex(encoded)), written straight
 * from a stored document's parsed JSON (convexToJson's encoding) without
 * building the Convex value first: a restore formats every document, so this
 * allocates little beyond the line (strings are concatenated, keys sorted
 * only when they are not in order already, field names quoted once).
 */
export function formatEncodedJson(encoded: unknown): string {
  if (typeof encoded === "string") return JSON.stringify(encoded);
  // In convexToJson's encoding a bare number is always a Float64 (Int64 is {"$integer"}).
  if (typeof encoded === "number") return formatFloat(encoded);
  if (encoded === null) return "null";
  if (typeof encoded === "boolean") return encoded ? "true" : "false";
  if (Array.isArray(encoded)) {
    let out = "[";
    for (let i = 0; i < encoded.length; i++) out += (i === 0 ? "" : ",") + formatEncodedJson(encoded[i]);
    return `${out}]`;
  }
  const record = encoded as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && ENCODED_VALUE_KEYS.has(keys[0]!)) return formatEncodedValue(record);
  if (!inUtf8Order(keys)) keys.sort(compareUtf8);
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += (i === 0 ? "" : ",") + quotedKey(key) + formatEncodedJson(record[key]);
  }
  return `${out}}`;
}

/** {"$integer"}, {"$float"} or {"$bytes"}; an Int64 is decoded here, the rest as convexToJson's inverse reads them. */
function formatEncodedValue(record: Record<string, unknown>): string {
  const integer = record.$integer;
  if (typeof integer === "string" && INT64_BASE64.test(integer)) return Buffer.from(integer, "base64").readBigInt64LE(0).toString();
  return formatExportValue(jsonToConvex(record as JSONValue));
}

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** Stored documents' keys are sorted already (mostly: JS orders integer-like keys first): a linear check. */
function inUtf8Order(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (compareUtf8(keys[i - 1]!, keys[i]!) > 0) return false;
  return true;
}

/** Code-point order, which is UTF-8 byte order (JS's default sort compares UTF-16 units). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate starts an astral character, which sorts after every other BMP unit.
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * A float64 as serde_json writes it (ryu's `format64`): the shortest digits
 * that read back to the same double, in positional notation while the
 * decimal exponent is within [-5, 16], otherwise `<d>[.<ddd>]e<exp>`;
 * non-finite values in Convex's {"$float": ...} encoding.
 */
export function formatFloat(x: number): string {
  if (!Number.isFinite(x)) return JSON.stringify(convexToJson(x));
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const magnitude = Math.abs(x);
  if (magnitude >= 1e-4 && magnitude < 1e15) {
    // Fast path: here JS and serde_json both write the shortest digits positionally.
    const text = String(x);
    return text.includes(".") ? text : `${text}.0`;
  }
  const sign = x < 0 ? "-" : "";
  const { digits, point } = shortestDigits(Math.abs(x));
  const length = digits.length;
  // The value is 0.<digits> × 10^point, i.e. 10^(point-1) <= |x| < 10^point.
  if (point >= length && point <= 16) return `${sign}${digits}${"0".repeat(point - length)}.0`;
  if (point > 0 && point <= 16) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  if (point > -5 && point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  const exponent = point - 1;
  if (length === 1) return `${sign}${digits}e${exponent}`;
  return `${sign}${digits[0]}.${digits.slice(1)}e${exponent}`;
}

/**
 * The shortest round-trip digits of a positive finite double, from
 * Number.prototype.toString (which the spec requires to be the shortest and
 * closest, the same digits ryu picks), and where the decimal point goes.
 */
function shortestDigits(x: number): { digits: string; point: number } {
  const [mantissa = "", exponentText = "0"] = String(x).split("e");
  const [whole = "", fraction = ""] = mantissa.split(".");
  let digits = whole + fraction;
  let point = whole.length + Number(exponentText);
  const leadingZeros = /^0*/.exec(digits)![0].length;
  digits = digits.slice(leadingZeros).replace(/0+$/, "");
  point -= leadingZeros;
  return { digits, point };
}
