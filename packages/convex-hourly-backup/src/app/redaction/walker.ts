// Walks one document and returns its sanitized form, reporting each removal.
// Unchanged objects and arrays are returned as they are (no copy): most
// documents hold no secret and cost one pass.
import { CommitTsPlaceholder, type Value } from "convex/values";
import { CARD, COUNTING, SECRET } from "./keyJudge";
import { ELEMENT, formatPath, stepPaths, type PathNode } from "./paths";
import type { RedactionKind, RedactionReport } from "./report";
import type { TableRules } from "./rules";
import { maskSecretBytes } from "./bytesShapes";
import { entryVerdict, isFlag, isPairList, pairIsSecret, valueIsSecret } from "./entries";
import { maskSecretText } from "./valueShapes";

type Obj = { [key: string]: Value | undefined };
const REMOVE: unique symbol = Symbol("remove");
type Out = Value | typeof REMOVE;

/** How the value being walked is seen from above. */
type Scope = {
  /** Under a counting word ("tokens"): strings and bytes go, numbers stay. */
  counting: boolean;
  /** Scan strings for secret shapes (off under keepPaths and for tables that opt out). */
  scan: boolean;
  /** Reached through a card-like key: its number and cvc are secrets. */
  card: boolean;
};

/** JSON inside a string may nest deeper than a document (16): past this it is scanned as text. */
const MAX_JSON_DEPTH = 64;
class TooDeep extends Error {}

/** 12 to 19 digits, spaces and dashes allowed: a card number held directly under a card-like key. */
const CARD_NUMBER = /^\d[\d -]{10,22}\d$/;

/** Whether JSON text nests at most `max` deep (checked before parsing: a deep parse is slow). */
function nestsWithin(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92) i++; // backslash: skip the escaped character
      else if (code === 34) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 91 || code === 123) {
      if (++depth > max) return false;
    } else if (code === 93 || code === 125) depth--;
  }
  return true;
}

function looksLikeCardNumber(value: Value): boolean {
  const text = typeof value === "number" || typeof value === "bigint" ? String(value) : value;
  if (typeof text !== "string" || !CARD_NUMBER.test(text)) return false;
  const digits = text.replace(/[ -]/g, "").length;
  return digits >= 12 && digits <= 19;
}

function setField(out: Obj, key: string, value: Value): void {
  // A stored key may be "__proto__"; plain assignment would set the prototype.
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

export class DocumentWalk {
  private readonly path: string[] = [];

  constructor(
    private readonly rules: TableRules,
    private readonly report: RedactionReport | undefined,
    /** Inside JSON text held by a string: no report of its own, depth-limited. */
    private readonly inJson = false,
  ) {}

  /** The sanitized document (undefined fields dropped, as Convex stores none). */
  document(doc: { [key: string]: Value }): { [key: string]: Value } {
    const scope: Scope = { counting: false, scan: this.rules.scanValues, card: false };
    const roots = this.rules.paths === null ? null : [this.rules.paths];
    return this.object(doc, roots, scope, 0, true) as { [key: string]: Value };
  }

  /** Counts a removal at the current path (plus `extra`, a pair's name). */
  private note(kind: RedactionKind, extra?: string): void {
    if (this.report === undefined) return;
    const segments = extra === undefined ? this.path : [...this.path, extra];
    this.report.add(this.rules.table, formatPath(this.rules.table, segments), kind);
  }

  private removed(kind: RedactionKind, extra?: string): typeof REMOVE {
    this.note(kind, extra);
    return REMOVE;
  }

  private value(value: Value, paths: PathNode[] | null, scope: Scope, depth: number): Out {
    if (this.inJson && depth > MAX_JSON_DEPTH) throw new TooDeep();
    if (typeof value === "string") {
      if (scope.counting) return this.removed("key");
      if (scope.card && looksLikeCardNumber(value)) return this.removed("key");
      if (!scope.scan) return value;
      const masked = this.text(value);
      if (masked !== value) this.note("value");
      return masked;
    }
    if (value instanceof ArrayBuffer) {
      if (scope.counting) return this.removed("key");
      if (!scope.scan) return value;
      const masked = maskSecretBytes(value, this.rules.isSecretName);
      if (masked === null) return this.removed("value");
      if (masked !== value) this.note("value");
      return masked;
    }
    if (value instanceof CommitTsPlaceholder) return value;
    if (Array.isArray(value)) return this.array(value, paths, scope, depth);
    if (value !== null && typeof value === "object") return this.object(value, paths, scope, depth, false);
    if (scope.card && looksLikeCardNumber(value)) return this.removed("key");
    return value;
  }

  private object(obj: Obj, paths: PathNode[] | null, scope: Scope, depth: number, top: boolean): Obj {
    let out: Obj | null = null;
    const keys = Object.keys(obj);
    // { name: "DATABASE_PASSWORD", value } (a settings row, an env list): the value fields are judged by the name.
    const entry = keys.length > 1 ? entryVerdict(this.rules, obj, keys) : 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const child = obj[key];
      let result: Out | undefined = child;
      if (child === undefined) result = REMOVE;
      else if (!(top && (key === "_id" || key === "_creationTime"))) {
        const named = entry !== 0 && this.rules.entryValues.has(key) && valueIsSecret(entry, child);
        this.path.push(key);
        result = this.field(key, child, paths, scope, depth, top, named);
        this.path.pop();
      }
      if (result !== child && out === null) {
        out = {};
        for (let j = 0; j < i; j++) setField(out, keys[j]!, obj[keys[j]!]!);
      }
      if (out !== null && result !== REMOVE) setField(out, key, result as Value);
    }
    return out ?? obj;
  }

  /** One field; `named`: its entry's name is a secret ({ name: "apiKey", value }). */
  private field(key: string, child: Value, paths: PathNode[] | null, scope: Scope, depth: number, top: boolean, named: boolean): Out {
    const next = stepPaths(paths, key);
    if (next?.some((at) => at.redact) || (top && this.rules.omitted.has(key))) return this.removed("omitted");
    if (next?.some((at) => at.keep)) {
      return this.value(child, next, { counting: false, scan: false, card: false }, depth + 1);
    }
    if (named) return this.removed("key");
    const judge = this.rules.judge;
    const verdict = judge.verdict(key);
    const secret = (verdict & SECRET) !== 0 || (scope.card && judge.isCardSecret(key));
    if (secret && !isFlag(child)) return this.removed("key");
    if (scope.scan && this.rules.keyIsSecretShaped(key)) return this.removed("value");
    const inner: Scope = {
      counting: scope.counting || (verdict & COUNTING) !== 0,
      scan: scope.scan,
      card: (verdict & CARD) !== 0,
    };
    return this.value(child, next, inner, depth + 1);
  }

  private array(items: Value[], paths: PathNode[] | null, scope: Scope, depth: number): Value[] {
    const next = stepPaths(paths, ELEMENT);
    const redact = next?.some((at) => at.redact) ?? false;
    const keep = next?.some((at) => at.keep) ?? false;
    const inner: Scope = keep ? { counting: false, scan: false, card: false } : scope;
    const pairs = !keep && isPairList(items);
    let out: Value[] | null = null;
    this.path.push(ELEMENT);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      let result: Out;
      if (redact) result = this.removed("omitted");
      else if (pairs && pairIsSecret(this.rules, item as [string, Value])) result = this.removed("key", (item as [string, Value])[0]);
      else result = this.value(item, next, inner, depth + 1);
      if (result !== item && out === null) out = items.slice(0, i);
      if (out !== null && result !== REMOVE) out.push(result as Value);
    }
    this.path.pop();
    return out ?? items;
  }

  /** A string with its secrets replaced; JSON text is sanitized as the value it encodes. */
  private text(text: string): string {
    const first = text.trimStart()[0];
    if (first === "{" || first === "[" || first === '"') {
      const last = text.trimEnd().slice(-1);
      if ((first === "{" && last === "}") || (first === "[" && last === "]") || (first === '"' && last === '"')) {
        const sanitized = this.json(text);
        if (sanitized !== null) return sanitized;
      }
    }
    return maskSecretText(text, this.rules.isSecretName);
  }

  /** JSON text sanitized structurally (re-serialized only if something was removed); null if not JSON or too deep. */
  private json(text: string): string | null {
    if (!nestsWithin(text, MAX_JSON_DEPTH)) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return null;
    }
    if (parsed === null || typeof parsed !== "object" && typeof parsed !== "string") return null;
    try {
      const walk = new DocumentWalk(this.rules, undefined, true);
      const scope: Scope = { counting: false, scan: true, card: false };
      const result = walk.value(parsed as Value, null, scope, this.inJson ? 1 : 0);
      return result === parsed ? text : JSON.stringify(result === REMOVE ? null : result);
    } catch (error) {
      if (error instanceof TooDeep || error instanceof RangeError) return null;
      throw error;
    }
  }
}
