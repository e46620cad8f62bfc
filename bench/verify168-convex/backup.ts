// Benchmark only (bench/verificationDay.ts): the example app's convex/backup.ts
// with verifyEveryHours 168, the weekly window, so the benchmark measures that
// window's slices on a primary of its own instead of scaling the 24-hour ones.
// Never deployed.
import { defineBackup } from "convex-hourly-backup";
import schema from "./schema";
import { EXCLUDED_TABLES, OMITTED_FIELDS, REDACTION, RESTORE_PLACEHOLDERS } from "../../convex/backupConfig";

const VERIFY_EVERY_HOURS = 168;

export const { runNow, status, verify, readPage, readDocs, readChanges, logEnd, deleteRows, dropChanges, revertDocuments } = defineBackup({
  schema,
  excludedTables: EXCLUDED_TABLES,
  omittedFields: OMITTED_FIELDS,
  redaction: REDACTION,
  restorePlaceholders: RESTORE_PLACEHOLDERS,
  verifyEveryHours: VERIFY_EVERY_HOURS,
});
