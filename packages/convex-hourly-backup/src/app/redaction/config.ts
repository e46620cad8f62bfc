// The shape of the redaction settings in convex/backupConfig.ts (REDACTION,
// RESTORE_PLACEHOLDERS).
import type { Value } from "convex/values";
// Words and phrases are matched against a key's words (see words.ts), so
// "api key", "apiKey" and "api_key" written here all mean the same thing.

/** Settings a table can add to the global ones (lists are appended; scanValues replaces). */
export type TableRedaction = {
  /** More secret words or phrases for this table only. */
  secretWords?: readonly string[];
  /** Words or phrases that are never secret in this table (e.g. "salt" in a recipes table). */
  keepWords?: readonly string[];
  /** Look for secret shapes inside this table's string values (default: the global scanValues). */
  scanValues?: boolean;
};

export type RedactionConfig = {
  /**
   * A key is a secret when its last words are one of these (after dropping
   * trailing generic words such as "hash" or "value"): "password" removes
   * password, userPassword, password_hash; "api key" removes apiKey, x-api-key.
   */
  secretWords: readonly string[];
  /** Checked first: a key whose last words are one of these is kept ("pin code" is a postal code). */
  keepWords: readonly string[];
  /**
   * Words that may also count things ("token"): such a key loses its string
   * values (and bytes) at any depth below it, and keeps numbers, booleans and null.
   */
  countingWords: readonly string[];
  /** An object under a key ending in one of these is a payment card... */
  cardWords: readonly string[];
  /** ...whose fields named one of these are secrets (card.number, card.cvc). */
  cardSecretWords: readonly string[];
  /**
   * Trailing words that say how a value is stored, not what it is: they are
   * skipped to find the word that names it (passwordHash -> password,
   * cardDetails -> card, addressNumber -> address).
   */
  genericWords: readonly string[];
  /**
   * Trailing words that say which one, not what: skipped like genericWords
   * (passwordConfirmation, passwordOld, apiKeyV2, apiKeyProd are the password
   * and the API key), and also before an ambiguous word (newPin, oldPass).
   */
  qualifierWords: readonly string[];
  /** Short forms read as the words they stand for: privKey is "private key", cardNo "card number", ccNumber "credit card number". */
  abbreviations: Readonly<Record<string, string>>;
  /**
   * Words with a secret (or card) sense and an ordinary one: the word names
   * the secret alone (pin, pass, card) or after one of the words listed for it
   * (cardPin, dbPass, creditCard), and otherwise something else (mapPin,
   * boardingPass, scoreCard). A pass or a pin followed by "number" or "id" is
   * that thing's number (passNumber), unless a secret phrase says otherwise ("pin number").
   */
  contextWords: Readonly<Record<string, readonly string[]>>;
  /**
   * Objects that hold a named value ({ name: "DATABASE_PASSWORD", value: "..." },
   * { key, val }): when the name field (one of `names`, a string) is judged
   * secret as a key would be, the value fields (`values`) are removed.
   */
  entryKeys: { readonly names: readonly string[]; readonly values: readonly string[] };
  /** Extra names that make a URL or form parameter secret (?sig=, &key=, X-Amz-Signature=). */
  urlParamWords: readonly string[];
  /**
   * Paths kept as they are: the key's name is not judged and no string at or
   * below it is scanned for secret shapes; secret-named keys below it are still
   * removed. Written like the report's paths: "orders.payment.reference",
   * "*.profile.pin" (any table), "chats.messages[].meta" (`[]`: array elements,
   * `*`: any one key).
   */
  keepPaths: readonly string[];
  /** Paths always removed, whatever their name (wins over keepPaths). Same syntax. */
  redactPaths: readonly string[];
  /** Look for secret shapes (tokens, keys, credentials in URLs...) inside string values. */
  scanValues: boolean;
  /** Per-table additions and switches, by table name. */
  perTable: Readonly<Record<string, TableRedaction>>;
};

/**
 * Values a restore gives required fields the backup never holds (redacted),
 * so the restored ZIP imports into the app's schema: by table, then by path
 * within the table, written like the report's paths without the table
 * ("passwordHash", "payment.card.number", "items[].secret", "byKey.*.token").
 */
export type RestorePlaceholders = Readonly<Record<string, Readonly<Record<string, Value>>>>;
