// Removes secrets from a document before it is hashed or leaves the query
// that read it. Fields are dropped, never blanked: a redacted value is not
// copied, hashed, logged or stored anywhere.
import type { Value } from "convex/values";
import { OMITTED_FIELDS, SECRET_KEY_PATTERNS } from "../backupConfig";

function normalize(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, "");
}

const PATTERNS = SECRET_KEY_PATTERNS.map(normalize);

export function isSecretKey(key: string): boolean {
  const normalized = normalize(key);
  return PATTERNS.some((pattern) => normalized.includes(pattern));
}

function isPlainObject(value: Value | undefined): value is { [key: string]: Value } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof ArrayBuffer)
  );
}

function stripSecrets(value: Value): Value {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (!isPlainObject(value)) return value;
  const out: { [key: string]: Value } = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined || isSecretKey(key)) continue;
    out[key] = stripSecrets(child);
  }
  return out;
}

/** The document as it may be backed up: omitted fields and secret keys removed at every depth. */
export function sanitizeDocument(
  table: string,
  doc: { [key: string]: Value },
): { [key: string]: Value } {
  const omitted = new Set(OMITTED_FIELDS[table] ?? []);
  const kept: { [key: string]: Value } = {};
  for (const [key, value] of Object.entries(doc)) {
    if (omitted.has(key)) continue;
    kept[key] = value;
  }
  return stripSecrets(kept) as { [key: string]: Value };
}
