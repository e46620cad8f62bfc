// Removes secrets from a document before it is hashed or leaves the query
// that read it (readPage, readChanges). What counts as a secret is set by
// the app (defineBackup's omittedFields and redaction); the rules are in
// redaction/. A secret is never copied, hashed, logged or stored: fields
// named as secrets are dropped, secrets found inside text are replaced by
// "[redacted]", and the report says where, never what.
import type { Value } from "convex/values";
import type { RedactionConfig } from "./redaction/config";
import { SECRET } from "./redaction/keyJudge";
import type { RedactionReport } from "./redaction/report";
import { RulesCache } from "./redaction/rules";
import { DocumentWalk } from "./redaction/walker";

export type { RedactionConfig, TableRedaction } from "./redaction/config";
export { RedactionReport, vRedactedPath, vRedactionKind, type RedactedPath, type RedactionKind } from "./redaction/report";
export { MARKER } from "./redaction/valueShapes";

type Doc = { [key: string]: Value };

/**
 * Redaction with given settings: omitted top-level fields per table, then
 * keys naming a secret removed at any depth and secret shapes in strings
 * replaced by "[redacted]". Pass a report to learn which paths were redacted.
 */
export class Sanitizer {
  private readonly rules: RulesCache;

  constructor(config: RedactionConfig, omitted: Readonly<Record<string, readonly string[]>> = {}) {
    this.rules = new RulesCache(config, omitted);
  }

  /** The document as it may be backed up; each removal is counted in `report` if given. */
  sanitizeDocument(table: string, doc: Doc, report?: RedactionReport): Doc {
    return new DocumentWalk(this.rules.get(table), report).document(doc);
  }

  /** Whether a key's name alone makes it a secret in a table (whatever its value, at any depth). */
  isSecretKey(key: string, table = ""): boolean {
    return (this.rules.get(table).judge.verdict(key) & SECRET) !== 0;
  }

  /** The key's words as the judge reads them ("APIKey" -> ["api", "key"]). */
  keyWords(key: string, table = ""): string[] {
    return this.rules.get(table).judge.words(key);
  }
}
