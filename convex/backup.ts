// The backup's functions, all internal (the cron, the dashboard and
// `npx convex run` call them; no client can):
//   backup:runNow  the hourly backup (crons.ts); by hand: npx convex run backup:runNow '{"dryRun": true}'
//   backup:status  the last runs and the age of the newest restore point
//   backup:verify  the primary's current state against the backup's
// and the queries and mutations runNow calls to read pages and the change log.
import { defineBackup } from "convex-hourly-backup";
import schema from "./schema";
import { EXCLUDED_TABLES, OMITTED_FIELDS, VERIFY_EVERY_HOURS, REDACTION, RESTORE_PLACEHOLDERS } from "./backupConfig";

export const { runNow, status, verify, readPage, readDocs, readChanges, logEnd, deleteRows, dropChanges, revertDocuments } = defineBackup({
  schema,
  excludedTables: EXCLUDED_TABLES,
  omittedFields: OMITTED_FIELDS,
  redaction: REDACTION,
  restorePlaceholders: RESTORE_PLACEHOLDERS,
  verifyEveryHours: VERIFY_EVERY_HOURS,
});
