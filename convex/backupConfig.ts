// What the backup copies. Edit this file to configure it; everything else
// follows from it and from the schema.
//
// - Every table in convex/schema.ts is backed up unless listed in
//   EXCLUDED_TABLES, so a table added later is backed up with no code change.
// - OMITTED_FIELDS drops named top-level fields of a table.
// - SECRET_KEY_PATTERNS drops any object key, at any nesting depth and in any
//   table, whose name contains one of them (case-insensitive, ignoring "_" and
//   "-"). Redaction happens inside the primary's query: the values are never
//   copied, logged or hashed.
export const EXCLUDED_TABLES: readonly string[] = [];

export const OMITTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  users: ["passwordHash", "sessionToken"],
};

export const SECRET_KEY_PATTERNS: readonly string[] = [
  "password",
  "passwd",
  "token",
  "secret",
  "apikey",
  "privatekey",
  "accesskey",
  "clientsecret",
  "credential",
  "authorization",
  "cookie",
  "cvv",
  "cardnumber",
  "ssn",
];
