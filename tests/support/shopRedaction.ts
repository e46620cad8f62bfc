// Redaction as the example shop configures it (convex/backupConfig.ts), for
// tests that sanitize documents directly.
import { Sanitizer, type RedactionReport } from "../../packages/convex-hourly-backup/src/app/sanitize";
import { OMITTED_FIELDS, REDACTION } from "../../convex/backupConfig";

export const shopSanitizer = new Sanitizer(REDACTION, OMITTED_FIELDS);

export function sanitizeDocument(table: string, doc: Parameters<Sanitizer["sanitizeDocument"]>[1], report?: RedactionReport) {
  return shopSanitizer.sanitizeDocument(table, doc, report);
}

export function isSecretKey(key: string, table?: string): boolean {
  return shopSanitizer.isSecretKey(key, table);
}
