// Judges a key by the words it names, chiefly the last one: sessionToken and
// passwordHash are secrets, tokenCount and passwordChangedAt are not.
import type { RedactionConfig } from "./config";
import { MAX_KEY_LENGTH, Vocabulary, rawWords } from "./words";

/** What a key's name says about its value (bit flags). */
export const PLAIN = 0;
/** Remove the value (booleans and null are kept: one bit is no secret). */
export const SECRET = 1;
/** A word that may count things ("tokens"): remove strings and bytes below it, keep numbers. */
export const COUNTING = 2;
/** A payment card: its number, cvc... fields are secrets. */
export const CARD = 4;

export type JudgeWords = Pick<
  RedactionConfig,
  "secretWords" | "keepWords" | "countingWords" | "cardWords" | "cardSecretWords" | "genericWords" | "urlParamWords"
>;

/** Distinct keys remembered per judge; a page of record keys (emails, ids) must not grow it without bound. */
const CACHE_LIMIT = 20_000;

/** Phrases by their last word, so a key is compared only with phrases that can match. */
class PhraseSet {
  private readonly byLast = new Map<string, string[][]>();

  constructor(phrases: readonly string[][]) {
    for (const phrase of phrases) {
      if (phrase.length === 0) continue;
      const last = phrase[phrase.length - 1]!;
      const list = this.byLast.get(last) ?? [];
      list.push(phrase);
      this.byLast.set(last, list);
    }
  }

  /** Whether words[0..end) ends with one of the phrases. */
  endsIn(words: readonly string[], end: number): boolean {
    const candidates = this.byLast.get(words[end - 1]!);
    if (candidates === undefined) return false;
    return candidates.some(
      (phrase) => phrase.length <= end && phrase.every((word, i) => words[end - phrase.length + i] === word),
    );
  }
}

export class KeyJudge {
  private readonly vocabulary: Vocabulary;
  private readonly secret: PhraseSet;
  private readonly keep: PhraseSet;
  private readonly cardSecret: PhraseSet;
  private readonly counting: Set<string>;
  private readonly card: Set<string>;
  private readonly generic: Set<string>;
  private readonly urlParams: Set<string>;
  private readonly verdicts = new Map<string, number>();
  private readonly cardVerdicts = new Map<string, boolean>();
  /** Parameter names: 1 secret, 0 not, COUNTING: secret unless the value is a count. */
  private readonly textVerdicts = new Map<string, number>();

  constructor(words: JudgeWords) {
    const lists = [
      words.secretWords, words.keepWords, words.countingWords, words.cardWords,
      words.cardSecretWords, words.genericWords,
    ];
    const all = new Set(lists.flatMap((list) => list.flatMap(rawWords)));
    const shortSecrets = words.secretWords.map(rawWords).filter((p) => p.length === 1).map((p) => p[0]!);
    this.vocabulary = new Vocabulary(all, shortSecrets);
    const phrases = (list: readonly string[]) => list.map((entry) => rawWords(entry).map((w) => this.vocabulary.known(w) ?? w));
    this.secret = new PhraseSet(phrases(words.secretWords));
    this.keep = new PhraseSet(phrases(words.keepWords));
    this.cardSecret = new PhraseSet(phrases(words.cardSecretWords));
    const single = (list: readonly string[]) => new Set(phrases(list).flat());
    this.counting = single(words.countingWords);
    this.card = single(words.cardWords);
    this.generic = single(words.genericWords);
    this.urlParams = new Set(words.urlParamWords.flatMap(rawWords));
  }

  /** The key's words as the judge reads them (exported for tests and docs). */
  words(key: string): string[] {
    return this.vocabulary.split(key);
  }

  /** PLAIN, SECRET, COUNTING or CARD for an object key, at any depth. */
  verdict(key: string): number {
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      verdict = key.length > MAX_KEY_LENGTH ? PLAIN : this.judge(this.vocabulary.split(key));
      remember(this.verdicts, key, verdict);
    }
    return verdict;
  }

  /** Whether a key directly under a card-like object names its secret part (number, cvc). */
  isCardSecret(key: string): boolean {
    let secret = this.cardVerdicts.get(key);
    if (secret === undefined) {
      secret = false;
      if (key.length <= MAX_KEY_LENGTH) {
        const words = this.vocabulary.split(key);
        for (let end = words.length; end > 0; end--) {
          if (this.cardSecret.endsIn(words, end)) secret = true;
          if (secret || !this.generic.has(words[end - 1]!)) break;
        }
      }
      remember(this.cardVerdicts, key, secret);
    }
    return secret;
  }

  /** Whether a URL/form parameter or a "name": value pair in text holds a secret. */
  isSecretText(name: string, value: string): boolean {
    let verdict = this.textVerdicts.get(name);
    if (verdict === undefined) {
      const byName = this.verdict(name);
      const words = rawWords(name);
      verdict =
        byName & SECRET || (words.length > 0 && this.urlParams.has(words[words.length - 1]!))
          ? SECRET
          : byName & COUNTING;
      remember(this.textVerdicts, name, verdict);
    }
    // A count written as text (?maxTokens=100) is kept, like a number.
    return verdict === SECRET || (verdict === COUNTING && !/^\d{1,12}$/.test(value));
  }

  private judge(words: readonly string[]): number {
    for (let end = words.length; end > 0; end--) {
      if (this.keep.endsIn(words, end)) return PLAIN;
      if (this.secret.endsIn(words, end)) return SECRET;
      const head = words[end - 1]!;
      if (this.counting.has(head)) return COUNTING;
      if (this.card.has(head)) return CARD;
      // passwordHash -> password, cardDetails -> card; a lone "hash" stays itself.
      if (!this.generic.has(head) || end === 1) return PLAIN;
    }
    return PLAIN;
  }
}

function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
}
