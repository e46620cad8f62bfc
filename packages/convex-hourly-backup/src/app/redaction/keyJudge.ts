// Judges a key by the words it names, chiefly the head noun (the last word
// once words saying how it is stored or which one it is are skipped):
// sessionToken, passwordHash and passwordConfirmation are secrets, tokenCount
// and passwordChangedAt are not. An ambiguous head (pass, pin, card) takes
// its sense from the word before it: dbPass and cardPin are secrets,
// boardingPass and mapPin are not; creditCard is a payment card, scoreCard not.
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
  | "secretWords" | "keepWords" | "countingWords" | "cardWords" | "cardSecretWords" | "genericWords" | "urlParamWords"
  | "qualifierWords" | "abbreviations" | "contextWords"
>;

/** After a pass or a pin, "number" makes it a thing with a number (passNumber), unless a phrase says otherwise. */
const IDENTIFIER = "number";

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
    return this.matchAt(words, end) > 0;
  }

  /** The length of the longest phrase words[0..end) ends with, or 0. */
  matchAt(words: readonly string[], end: number): number {
    const candidates = this.byLast.get(words[end - 1]!);
    let longest = 0;
    if (candidates === undefined) return longest;
    for (const phrase of candidates) {
      if (phrase.length > longest && phrase.length <= end && phrase.every((word, i) => words[end - phrase.length + i] === word)) {
        longest = phrase.length;
      }
    }
    return longest;
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
  private readonly qualifiers: Set<string>;
  private readonly context = new Map<string, Set<string>>();
  private readonly urlParams: Set<string>;
  private readonly verdicts = new Map<string, number>();
  private readonly cardVerdicts = new Map<string, boolean>();
  /** Parameter names: 1 secret, 0 not, COUNTING: secret unless the value is a count. */
  private readonly textVerdicts = new Map<string, number>();

  constructor(words: JudgeWords) {
    const contexts = Object.entries(words.contextWords);
    const lists = [
      words.secretWords, words.keepWords, words.countingWords, words.cardWords,
      words.cardSecretWords, words.genericWords, words.qualifierWords,
      contexts.flatMap(([head, before]) => [head, ...before]),
    ];
    const all = new Set(lists.flatMap((list) => list.flatMap(rawWords)));
    const shortSecrets = words.secretWords.map(rawWords).filter((p) => p.length === 1).map((p) => p[0]!);
    this.vocabulary = new Vocabulary(all, shortSecrets, words.abbreviations);
    const phrases = (list: readonly string[]) => list.map((entry) => this.vocabulary.phrase(entry));
    this.secret = new PhraseSet(phrases(words.secretWords));
    this.keep = new PhraseSet(phrases(words.keepWords));
    this.cardSecret = new PhraseSet(phrases(words.cardSecretWords));
    const single = (list: readonly string[]) => new Set(phrases(list).flat());
    this.counting = single(words.countingWords);
    this.card = single(words.cardWords);
    this.generic = single(words.genericWords);
    this.qualifiers = single(words.qualifierWords);
    for (const [head, before] of contexts) {
      for (const word of single([head])) this.context.set(word, single(before));
    }
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
    let afterIdentifier = false;
    for (let end = words.length; end > 0; end--) {
      if (this.keep.endsIn(words, end)) return PLAIN;
      const phrase = this.secret.matchAt(words, end);
      if (phrase > 0) {
        // boardingPass, scoreCardNumber: the ambiguous word names something else here; passNumber: that thing's number.
        const sense = this.inContext(words, end - phrase) && !(phrase === 1 && afterIdentifier && this.context.has(words[end - 1]!));
        return sense ? SECRET : PLAIN;
      }
      const head = words[end - 1]!;
      if (this.counting.has(head)) return COUNTING;
      if (this.card.has(head)) return this.inContext(words, end - 1) ? CARD : PLAIN;
      // passwordHash -> password, apiKeyV2 -> api key, cardDetails -> card; a lone "hash" stays itself.
      if (end === 1 || !(this.generic.has(head) || this.qualifiers.has(head))) return PLAIN;
      if (head === IDENTIFIER) afterIdentifier = true;
    }
    return PLAIN;
  }

  /** Whether words[at], if ambiguous, has its secret (or card) sense: alone, or after a word listed for it (qualifiers skipped: newPin). */
  private inContext(words: readonly string[], at: number): boolean {
    const before = this.context.get(words[at]!);
    if (before === undefined) return true;
    let i = at - 1;
    while (i >= 0 && this.qualifiers.has(words[i]!)) i--;
    return i < 0 || before.has(words[i]!);
  }
}

function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
}
