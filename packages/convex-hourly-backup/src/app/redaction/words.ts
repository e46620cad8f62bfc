// A key as the words it is made of: "sessionToken", "api_key", "api key",
// "X-Api-Key", "private.key", "APIKey" and "apikey" all become [..., "api"|"session", ...].
// Judging words rather than letters is what keeps className, tokenCount and
// secretary while removing sessionToken.

/** Longer keys are data (a text used as a record key), never a field name to judge. */
export const MAX_KEY_LENGTH = 128;
/** Glued words ("passwordhash") are only split up to this length: bounded work per key. */
const MAX_GLUED_LENGTH = 32;

const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;

function charClass(code: number): number {
  if (code >= 97 && code <= 122) return LOWER;
  if (code >= 65 && code <= 90) return UPPER;
  if (code >= 48 && code <= 57) return DIGIT;
  return 0;
}

/**
 * Raw words of a key, lower-cased: split at separators (anything but ASCII
 * letters and digits), at lower-to-upper case changes, before the last
 * capital of an acronym ("APIKey" -> api, key) and between letters and
 * digits. Digit-only words are dropped ("cvv2" -> cvv).
 */
export function rawWords(key: string): string[] {
  const words: string[] = [];
  let start = -1;
  let startClass = 0;
  const flush = (end: number) => {
    if (start >= 0 && startClass !== DIGIT) words.push(key.slice(start, end).toLowerCase());
    start = -1;
  };
  for (let i = 0; i < key.length; i++) {
    const cls = charClass(key.charCodeAt(i));
    if (cls === 0) {
      flush(i);
      continue;
    }
    if (start < 0) {
      start = i;
      startClass = cls;
      continue;
    }
    const prev = charClass(key.charCodeAt(i - 1));
    const next = i + 1 < key.length ? charClass(key.charCodeAt(i + 1)) : 0;
    const digitEdge = (cls === DIGIT) !== (prev === DIGIT);
    const camel = cls === UPPER && prev === LOWER;
    const acronymEnd = cls === UPPER && prev === UPPER && next === LOWER;
    if (digitEdge || camel || acronymEnd) {
      flush(i);
      start = i;
      startClass = cls;
    }
  }
  flush(key.length);
  return words;
}

/**
 * The words a judge knows. A word it does not know may be several glued
 * together ("passwordhash", "githubtoken"): it is split when its pieces are
 * known words, or an unknown first word followed by known ones, unless that
 * known word is a short secret ("bypass" is not by + pass, "backspin" not
 * backs + pin). A short form is read as what it stands for ("priv" ->
 * private, "cc" -> credit card); short forms are not pieces of glued words.
 */
export class Vocabulary {
  private readonly words: Set<string>;
  private readonly shortSecrets: Set<string>;
  private readonly abbreviations: Map<string, string[]>;

  constructor(words: Iterable<string>, shortSecrets: Iterable<string>, abbreviations: Readonly<Record<string, string>> = {}) {
    this.words = new Set(words);
    this.shortSecrets = new Set(shortSecrets);
    this.abbreviations = new Map(Object.entries(abbreviations).map(([short, long]) => [short.toLowerCase(), rawWords(long)]));
  }

  /** A configured word or phrase as the judge compares it: short forms spelled out, plurals made singular. */
  phrase(entry: string): string[] {
    return rawWords(entry).flatMap((word) => this.abbreviations.get(word) ?? [this.known(word) ?? word]);
  }

  /** The known form of a word: itself, or its singular ("tokens" -> token, "keys" -> key; "pins" stays). */
  known(word: string): string | null {
    if (this.words.has(word)) return word;
    if (word.endsWith("s")) {
      const singular = word.slice(0, -1);
      if ((singular.length >= 4 || singular === "key") && this.words.has(singular)) return singular;
    }
    return null;
  }

  /** The key's words, singular, with glued words split where the pieces are known. */
  split(key: string): string[] {
    const out: string[] = [];
    for (const word of rawWords(key)) {
      const long = this.abbreviations.get(word);
      if (long !== undefined) {
        out.push(...long);
        continue;
      }
      const known = this.known(word);
      if (known !== null) out.push(known);
      else out.push(...this.unglue(word));
    }
    return out;
  }

  private unglue(word: string): string[] {
    if (word.length > MAX_GLUED_LENGTH || word.length < 4) return [word];
    // best[i]: the fewest known pieces that make word.slice(i), or null.
    const n = word.length;
    const best: (string[] | null)[] = new Array<string[] | null>(n + 1).fill(null);
    best[n] = [];
    for (let i = n - 1; i >= 0; i--) {
      for (let j = i + 2; j <= n; j++) {
        const rest = best[j] ?? null;
        if (rest === null) continue;
        const piece = this.known(word.slice(i, j));
        if (piece === null) continue;
        const candidate = [piece, ...rest];
        const current = best[i] ?? null;
        if (current === null || candidate.length < current.length) best[i] = candidate;
      }
    }
    const whole = best[0] ?? null;
    if (whole !== null) return whole;
    // An unknown first word (a vendor, a product) glued to known ones.
    for (let i = 2; i <= n - 2; i++) {
      const rest = best[i] ?? null;
      if (rest === null || rest.length === 0) continue;
      const first = rest[0]!;
      if (first.length < 5 && this.shortSecrets.has(first)) continue;
      return [word.slice(0, i), ...rest];
    }
    return [word];
  }
}
