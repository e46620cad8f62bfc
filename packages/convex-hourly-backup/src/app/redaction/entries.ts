// Values named by data rather than by their key: lists of [name, value]
// pairs or tuples (headers: [["Authorization", "..."]], [["password", "x", "y"]])
// and objects that name their value ({ name: "DATABASE_PASSWORD", value: "..." },
// { key, val }). The name is judged as a key would be.
import type { Value } from "convex/values";
import { COUNTING, SECRET } from "./keyJudge";
import type { TableRules } from "./rules";

/** An object with more keys than this (a document's _id and _creationTime included) is a record, not a { name, value } entry. */
const MAX_ENTRY_KEYS = 8;
/** An entry's name judged like a key: an identifier (DATABASE_PASSWORD, X-Api-Key, db.password), not prose. */
const ENTRY_NAME = /^[A-Za-z_][\w.-]{0,127}$/;

export function isFlag(value: Value | undefined): boolean {
  return value === null || typeof value === "boolean";
}

/** Whether a value held under a name with this verdict goes: a secret's (not a flag), a counting word's strings and bytes. */
export function valueIsSecret(verdict: number, value: Value): boolean {
  if (verdict & SECRET) return !isFlag(value);
  if (verdict & COUNTING) return typeof value === "string" || value instanceof ArrayBuffer;
  return false;
}

/** [[name, value], ...] or tuples of any length named by their first element. A lone array (tags: ["password", "reset"]) is not one. */
export function isPairList(items: Value[]): boolean {
  return items.length > 0 && items.every((item) => Array.isArray(item) && item.length >= 2 && typeof item[0] === "string");
}

/** Whether a pair or tuple in such a list holds a secret: judged by its first element, as a field by its key. */
export function pairIsSecret(rules: TableRules, [name, ...values]: [string, ...Value[]]): boolean {
  const verdict = rules.judge.verdict(name);
  return values.some((value) => valueIsSecret(verdict, value));
}

/** SECRET or COUNTING when an object with a value field names it with a secret name (its value fields then go); else 0. */
export function entryVerdict(rules: TableRules, obj: { [key: string]: Value | undefined }, keys: readonly string[]): number {
  if (keys.length > MAX_ENTRY_KEYS) return 0;
  // Most objects hold no value field: ruled out by comparing a few keys (no look-up per key).
  const values = rules.entryValueKeys;
  let found = false;
  for (let i = 0; i < values.length && !found; i++) found = keys.includes(values[i]!);
  if (!found) return 0;
  for (const key of keys) {
    if (!rules.entryNames.has(key)) continue;
    const named = obj[key];
    if (typeof named === "string" && ENTRY_NAME.test(named)) return rules.judge.verdict(named) & (SECRET | COUNTING);
  }
  return 0;
}
