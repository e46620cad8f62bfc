// Paths name places in a table's documents, the same way in the settings
// (keepPaths, redactPaths) and in the report: "orders.payment.card.number",
// "chats.messages[].apiKey" (`[]`: every element of an array).
//
// A reported path never carries data: a key that is not identifier-like (an
// email or an id used as a record key, "api key"), or that looks like a token
// or an id, is written `*`.
import { containsToken } from "./valueShapes";

/** An array element in a path. */
export const ELEMENT = "[]";
/** In a pattern: any one key. In a report: a key that is not identifier-like. */
export const ANY_KEY = "*";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
// A long name with digits in it is more likely an id or a token used as a key than a field name.
const ID_LIKE = /^(?=.{16})(?=.*\d)/;

/** A path segment safe to report: the key itself if identifier-like (and no token or id), else `*`. */
export function reportSegment(key: string): string {
  return IDENTIFIER.test(key) && !ID_LIKE.test(key) && !containsToken(key) ? key : ANY_KEY;
}

/** "table.a.b[].c" from raw segments (keys and ELEMENT), with keys made safe. */
export function formatPath(table: string, segments: readonly string[]): string {
  let path = reportSegment(table);
  for (const segment of segments) path += segment === ELEMENT ? ELEMENT : `.${reportSegment(segment)}`;
  return path;
}

/** Splits "a.b[][].c" into ["a", "b", "[]", "[]", "c"]; throws on an empty key, naming the setting. */
export function parsePath(pattern: string, setting = "redaction path"): string[] {
  const segments: string[] = [];
  for (const part of pattern.split(".")) {
    let key = part;
    let elements = 0;
    while (key.endsWith(ELEMENT)) {
      key = key.slice(0, -ELEMENT.length);
      elements += 1;
    }
    if (key === "") throw new Error(`Invalid ${setting} "${pattern}" in convex/backupConfig.ts: empty key.`);
    segments.push(key);
    for (let i = 0; i < elements; i++) segments.push(ELEMENT);
  }
  return segments;
}

/** One state of the patterns matched so far; `keep` / `redact` when a pattern ends here. */
export type PathNode = {
  keys: Map<string, PathNode>;
  anyKey: PathNode | null;
  element: PathNode | null;
  keep: boolean;
  redact: boolean;
};

function node(): PathNode {
  return { keys: new Map(), anyKey: null, element: null, keep: false, redact: false };
}

/**
 * The patterns of one table, as a tree walked alongside the document. Patterns
 * name their table first (or `*` for every table). Null when none applies,
 * so documents of such tables pay nothing.
 */
export function compilePaths(
  table: string,
  patterns: { keep: readonly string[]; redact: readonly string[] },
): PathNode | null {
  const root = node();
  let any = false;
  const add = (pattern: string, mark: "keep" | "redact") => {
    const [first, ...rest] = parsePath(pattern);
    if (rest.length === 0) {
      throw new Error(`Invalid redaction path "${pattern}" in convex/backupConfig.ts: name a field, as in "users.passwordHash".`);
    }
    if (first !== table && first !== ANY_KEY) return;
    let at = root;
    for (const segment of rest) {
      if (segment === ELEMENT) at = at.element ??= node();
      else if (segment === ANY_KEY) at = at.anyKey ??= node();
      else {
        let next = at.keys.get(segment);
        if (next === undefined) at.keys.set(segment, (next = node()));
        at = next;
      }
    }
    at[mark] = true;
    any = true;
  };
  patterns.keep.forEach((p) => add(p, "keep"));
  patterns.redact.forEach((p) => add(p, "redact"));
  return any ? root : null;
}

/** The states after stepping into `segment` (a key or ELEMENT) from `from`; null when none. */
export function stepPaths(from: readonly PathNode[] | null, segment: string): PathNode[] | null {
  if (from === null) return null;
  let out: PathNode[] | null = null;
  for (const at of from) {
    const nexts =
      segment === ELEMENT ? [at.element] : [at.keys.get(segment) ?? null, at.anyKey];
    for (const next of nexts) if (next !== null) (out ??= []).push(next);
  }
  return out;
}
