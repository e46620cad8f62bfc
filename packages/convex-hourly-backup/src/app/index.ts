// convex-hourly-backup: what an app imports (README, "Add it to your app").
//   defineBackup        the app's backup functions, exported from convex/backup.ts
//   withChangeCapture   the app's mutation builders, noting each write in the change log
//   backupTables        the change log's table, spread into the app's schema
//   DEFAULT_REDACTION   the redaction settings defineBackup starts from
// The backup deployment's functions are under convex-hourly-backup/backup/*
// (scaffolded by `npx convex-hourly-backup init-backup`).
export { defineBackup } from "./defineBackup";
export type { BackupOptions } from "./settings";
export { withChangeCapture } from "./changeLog/builders";
export { backupTables, CHANGE_LOG_TABLE, MAX_IDS_PER_ROW } from "./changeLog/schema";
export { DEFAULT_REDACTION } from "./redaction/defaults";
export type { RedactionConfig, RestorePlaceholders, TableRedaction } from "./redaction/config";
export { Sanitizer, RedactionReport, MARKER, type RedactedPath, type RedactionKind } from "./sanitize";
export { primaryEnv } from "./primaryEnv";
export { vRunSummary, formatBytes, sumCounts, type RunSummary } from "./runReport";
