// What the backup copies. Edit this file to configure it; everything else
// follows from it and from the schema.
//
// - Every table in convex/schema.ts is backed up unless listed in
//   EXCLUDED_TABLES, so a table added later is backed up with no code change.
// - OMITTED_FIELDS drops named top-level fields of a table.
// - REDACTION removes secrets at any depth, in every table: keys whose words
//   name a secret (sessionToken, api_key, passwordHash, card.number), and
//   secret shapes inside strings (tokens, JWTs, private keys, credentials in
//   URLs). It happens inside the primary's query: the values are never
//   copied, logged or hashed. Each run reports the paths it redacted.
//
// - RESTORE_PLACEHOLDERS gives the fields the backup never holds a value
//   when they are restored, so the ZIP imports into the app's schema.
//
// Changing these settings changes what the next run records: documents whose
// sanitized form changed are stored as new versions.
import type { RedactionConfig, RestorePlaceholders } from "./lib/redaction/config";

export const EXCLUDED_TABLES: readonly string[] = [];

export const OMITTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  users: ["passwordHash", "sessionToken"],
};

// How a key is judged: it is split into words (camelCase, snake_case,
// kebab-case, spaces, dots, digits, acronyms: "APIKey" is api + key), and its
// last words decide. Trailing genericWords are skipped first, so
// passwordHash is judged as password and cardDetails as card. Entries may be
// phrases ("api key" matches apiKey, api_key, X-Api-Key, stripeApiKey).
//
// To extend: add words (secretWords: [...defaults, "pan"]). To narrow: remove
// them, or add keepWords. Per table: perTable.recipes = { keepWords: ["salt"] }.
// Per path: keepPaths / redactPaths. Booleans and null are always kept (a
// flag such as hasPassword: true is no secret).
export const REDACTION: RedactionConfig = {
  secretWords: [
    // Passwords and what is derived from them (passwordHash, password_digest, pwdSalt).
    "password", "passwd", "pwd", "pass", "passphrase", "passcode", "salt",
    // Secrets in general, and one-time or recovery codes.
    "secret", "credential", "otp", "totp", "hotp", "pin", "mnemonic",
    "seed phrase", "recovery phrase", "recovery code", "backup code", "recovery key",
    "verification code", "reset code", "security code", "auth code", "mfa code",
    // Keys (a lone "key" is data: a cache key, a sort key; "publicKey" is kept).
    "api key", "private key", "secret key", "signing key", "encryption key", "decryption key",
    "hmac key", "access key", "master key", "session key", "client key", "license key",
    "auth key", "account key", "deploy key", "admin key", "shared key", "root key",
    // Tokens named for what they grant are secrets whatever they hold.
    "session token", "access token", "refresh token", "id token", "auth token", "api token",
    "bearer token", "csrf token", "xsrf token", "reset token", "verification token", "card token",
    // Header values and what holds them.
    "jwt", "bearer", "cookie", "authorization", "auth header", "connection string",
    // Payment and identity.
    "cvv", "cvc", "card number", "card code", "ssn", "social security number", "iban",
  ],
  // pinCode / pincode is a postal code (India's PIN code), not a PIN: kept.
  // An app that stores a PIN under that name removes this entry.
  keepWords: ["pin code"],
  // "tokens" holding numbers (totalTokens, messages[].tokens) are counts and
  // are kept; a token held as a string (sessionToken) is removed.
  countingWords: ["token"],
  // card: { number, cvc }, paymentCard, creditCard, cards[]: number/cvc/pin
  // directly under them are removed; brand, last4, exp_month are kept.
  cardWords: ["card"],
  cardSecretWords: ["number", "num", "pan", "pin", "code", "cvc", "cvv", "security code"],
  genericWords: [
    "value", "string", "str", "text", "data", "info", "detail", "raw", "list",
    "encoded", "encrypted", "hashed", "hash", "digest", "b64", "base64", "hex",
    "pem", "number", "code", "phrase", "header",
  ],
  // In URLs and form bodies these parameter names are secrets too (?sig=, X-Amz-Signature=, ?key=).
  urlParamWords: ["sig", "signature", "key", "auth"],
  keepPaths: [],
  redactPaths: [
    // Convex Auth (@convex-dev/auth) keeps these hashed one-time secrets.
    "authVerificationCodes.code",
    "authVerifiers.signature",
  ],
  scanValues: true,
  perTable: {},
};

// What a restore writes for a field the backup never holds, by table and
// path ("passwordHash", "payment.card.number", "items[].secret"). Each run
// stores the app's schema with its restore point; `npm run restore` checks
// every document against it, and a required field that redaction removed
// gets the value named here, or the restore stops before writing anything,
// naming the table, the field and the entry to add. Optional fields are left
// absent. The value must pass the field's validator.
export const RESTORE_PLACEHOLDERS: RestorePlaceholders = {
  users: {
    // Not a bcrypt hash: no password matches it, so a restored user signs in
    // again through a password reset. The app's sign-in must treat an unusable
    // hash (a comparison that fails or throws) as a wrong password.
    passwordHash: "!restored-from-backup:reset-password",
  },
};

// How often a run compares every page of every table (a reconciliation scan)
// instead of reading only what the change log names. It catches writes the
// log cannot see: dashboard edits, `npx convex import`, mutations not built
// with withChangeCapture. Weekly by default: such a write reaches the backup
// within a week, for a seventh of the cost of a daily scan (see README, Cost).
// Runs also reconcile when the tables backed up, OMITTED_FIELDS or REDACTION
// change, and on demand: npx convex run backup:runNow '{"reconcile": true}'.
export const RECONCILE_EVERY_HOURS = 7 * 24;
