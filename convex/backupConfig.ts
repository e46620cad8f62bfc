// What the backup copies: the settings convex/backup.ts gives defineBackup.
// Edit this file to configure it; everything else follows from it and from
// the schema.
//
// - Every table in convex/schema.ts is backed up unless listed in
//   EXCLUDED_TABLES (or in the BACKUP_EXCLUDED_TABLES environment
//   variable), so a table added later is backed up with no code change.
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
import { DEFAULT_REDACTION, type RedactionConfig, type RestorePlaceholders } from "convex-hourly-backup";

export const EXCLUDED_TABLES: readonly string[] = [];

export const OMITTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  users: ["passwordHash", "sessionToken"],
};

// How secrets are recognised at any depth: the package's vocabulary
// (DEFAULT_REDACTION: secretWords, keepWords, countingWords, cardWords,
// genericWords, qualifierWords, abbreviations, contextWords, entryKeys,
// urlParamWords), which the shop needs no change to. To
// extend: { ...DEFAULT_REDACTION, secretWords: [...DEFAULT_REDACTION.secretWords, "pan"] }.
// Per table: perTable: { recipes: { keepWords: ["salt"] } }. Per path:
// keepPaths / redactPaths ("users.notes").
export const REDACTION: RedactionConfig = DEFAULT_REDACTION;

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

// Every document is compared with the backup at least once in this many
// hourly runs: each change-log run compares a slice of each table and the
// documents created since the previous run, and repairs what the change log
// could not see (dashboard edits, `npx convex import`, mutations not built
// with withChangeCapture), reporting it as missedByLog. 24 (the default):
// such a write reaches a restore point within a day; 1 compares everything
// every run; 168 weekly (see docs/cost-and-performance.md). A full reconciliation still runs
// when the tables backed up, OMITTED_FIELDS or REDACTION change, and on
// demand: npx convex run backup:runNow '{"reconcile": true}'.
export const VERIFY_EVERY_HOURS = 24;
