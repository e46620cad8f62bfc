// The redaction settings every app starts from (defineBackup's default
// `redaction`): the words that make a key a secret, and where values are
// scanned for secret shapes.
//
// How a key is judged: it is split into words (camelCase, snake_case,
// kebab-case, spaces, dots, digits, acronyms: "APIKey" is api + key; short
// forms spelled out: privKey is private + key), and its head noun decides:
// its last words once trailing genericWords (how it is stored: passwordHash)
// and qualifierWords (which one: passwordConfirm, apiKeyV2) are skipped. An
// ambiguous head (contextWords: pass, pin, card) takes its sense from the word
// before it: dbPass, cardPin and creditCard are secrets or cards, boardingPass,
// mapPin and scoreCard are not. Entries may be phrases ("api key" matches
// apiKey, api_key, X-Api-Key, stripeApiKey).
//
// To extend: add words (secretWords: [...DEFAULT_REDACTION.secretWords, "pan"]). To narrow: remove
// them, or add keepWords. Per table: perTable.recipes = { keepWords: ["salt"] }.
// Per path: keepPaths / redactPaths. Booleans and null are always kept (a
// flag such as hasPassword: true is no secret).
import type { RedactionConfig } from "./config";

export const DEFAULT_REDACTION: RedactionConfig = {
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
    // Payment and identity ("pin number" is what PIN stands for: pinNumber is the PIN).
    "cvv", "cvc", "card number", "card code", "ssn", "social security number", "iban", "pin number",
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
    "pem", "number", "code", "phrase", "header", "seed",
  ],
  // passwordConfirmation, password_old, apiKeyV2 (digits are dropped: "v"), apiKeyProd.
  qualifierWords: [
    "confirm", "confirmation", "confirmed", "repeat", "repeated", "again", "retype", "verify",
    "old", "new", "current", "previous", "next", "temporary", "initial", "default",
    "primary", "secondary", "backup", "fallback", "legacy", "v",
    "prod", "production", "live", "test", "dev", "development", "staging", "sandbox",
  ],
  abbreviations: {
    priv: "private", pw: "password", pwd: "password", passwd: "password", cred: "credential", creds: "credential",
    cc: "credit card", no: "number", nr: "number", nbr: "number", num: "number", acct: "account",
    prev: "previous", curr: "current", tmp: "temporary", temp: "temporary",
  },
  // Who holds a password or a PIN (dbPass, smtpPass, cardPin, simPin), and
  // what makes a card a payment card (creditCard, paymentCard; not scoreCard).
  contextWords: {
    pass: [
      "user", "admin", "root", "account", "login", "master", "app", "client", "server", "service", "web", "site",
      "db", "database", "sql", "mysql", "postgres", "redis", "mongo", "ldap", "smtp", "imap", "mail", "email",
      "ftp", "sftp", "ssh", "vpn", "wifi", "proxy", "router", "api", "auth", "key", "store", "keystore", "sudo",
      "private", "secret", "encryption", "zip", "archive",
    ],
    pin: [
      "card", "atm", "debit", "credit", "bank", "payment", "pay", "wallet", "transaction", "sim", "phone",
      "device", "account", "user", "login", "admin", "master", "access", "security", "parental", "lock",
      "screen", "unlock", "app",
    ],
    card: ["credit", "debit", "payment", "pay", "bank", "prepaid", "gift", "charge", "virtual", "saved", "stored", "billing"],
  },
  // env: [{ name: "DATABASE_PASSWORD", value: "..." }], { key: "apiKey", val: "..." }, form field dumps { label, value }.
  entryKeys: {
    names: ["name", "key", "k", "field", "label", "header", "variable", "var", "param", "parameter", "property", "prop", "setting", "option"],
    values: ["value", "val", "v"],
  },
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
