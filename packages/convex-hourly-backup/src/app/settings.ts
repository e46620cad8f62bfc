// defineBackup's options, checked and completed with defaults once, when the
// app's convex/backup.ts loads: what every backup function of the app reads.
import type { GenericSchema, SchemaDefinition } from "convex/server";
import { backupFunctionRefs, type BackupFunctionRefs } from "./appContext";
import { CHANGE_LOG_TABLE } from "./changeLog/schema";
import type { RedactionConfig, RestorePlaceholders } from "./redaction/config";
import { DEFAULT_REDACTION } from "./redaction/defaults";
import { Sanitizer } from "./sanitize";
import { STORAGE_TABLE } from "../shared/files";
import { configProblems, envExcludedTables } from "./configCheck";

/** Every document is compared with the backup at least once a day by default. */
export const DEFAULT_VERIFY_EVERY_HOURS = 24;
/** Four weeks: a longer window leaves out-of-band writes out of restore points for longer than retention's daily points cover. */
export const MAX_VERIFY_EVERY_HOURS = 672;

export type BackupOptions = {
  /** The app's schema (convex/schema.ts): every table in it is backed up unless excluded. */
  schema: SchemaDefinition<GenericSchema, boolean>;
  /**
   * The module the returned functions are exported from, as `npx convex run`
   * names it: "backup" for convex/backup.ts (the default), "admin/backup" for
   * convex/admin/backup.ts.
   */
  module?: string;
  /** Tables never backed up (more can be named without a deploy in BACKUP_EXCLUDED_TABLES). */
  excludedTables?: readonly string[];
  /** Top-level fields dropped per table: { users: ["passwordHash"] }. */
  omittedFields?: Readonly<Record<string, readonly string[]>>;
  /** How secrets are recognised at any depth (default DEFAULT_REDACTION; extend it with spreads). */
  redaction?: RedactionConfig;
  /**
   * What a restore writes for required fields the backup never holds, by table
   * and path: { users: { passwordHash: "!reset" } }. Stored with each restore
   * point's schema; the value must pass the field's validator.
   */
  restorePlaceholders?: RestorePlaceholders;
  /**
   * Every document is compared with the backup at least once in this many
   * hourly runs (default 24; 1: every run compares everything; 168: weekly).
   * Each change-log run compares a slice of each table (verification.ts) and
   * repairs what the change log missed. A whole number from 1 to MAX_VERIFY_EVERY_HOURS.
   */
  verifyEveryHours?: number;
  /**
   * Also a full reconciliation scan every this many hours (off by default:
   * the rolling verification compares every document within verifyEveryHours).
   * Before 0.4 this was the weekly scan, and it still sets the verification's
   * window when verifyEveryHours is not given.
   */
  reconcileEveryHours?: number;
  /**
   * Back up file storage too (default true): every run lists the `_storage`
   * table and copies each file the backup does not hold yet, once per
   * distinct content; restore points list the files the app had then.
   */
  fileStorage?: boolean;
};

export type BackupSettings = {
  schema: SchemaDefinition<GenericSchema, boolean>;
  functions: BackupFunctionRefs;
  omittedFields: Readonly<Record<string, readonly string[]>>;
  redaction: RedactionConfig;
  restorePlaceholders: RestorePlaceholders;
  /** null: no scheduled reconciliation scan. */
  reconcileEveryHours: number | null;
  verifyEveryHours: number;
  sanitizer: Sanitizer;
  /** The schema has the change log (`...backupTables`). */
  changeCapture: boolean;
  /** File storage is backed up: "_storage" is a configured table while the primary holds files. */
  fileStorage: boolean;
  /** Every table backed up now: the schema's, less the excluded ones and the change log. */
  backedUpTables(): string[];
  /**
   * What a run covers: backedUpTables(), and "_storage" when file storage is
   * backed up and the primary holds files (an app without any sees no trace
   * of it; once its last file is deleted, "_storage" leaves the restore points).
   */
  configuredTables(hasFiles: boolean): string[];
  /**
   * Names in the configuration the schema lacks (configCheck.ts), with the
   * environment as it is now: runNow refuses to run while there are any.
   */
  configProblems(): string[];
  /** `requested` checked against the tables that may be named (configuredTables(hasFiles) when undefined). */
  chooseTables(requested: readonly string[] | undefined, hasFiles: boolean): string[];
};

export function backupSettings(options: BackupOptions): BackupSettings {
  const module = options.module ?? "backup";
  if (!/^[A-Za-z0-9_/.-]+$/.test(module) || module.includes(":")) {
    throw new Error(`defineBackup: module "${module}" is not a module path such as "backup" or "admin/backup".`);
  }
  const reconcileEveryHours = options.reconcileEveryHours ?? null;
  if (reconcileEveryHours !== null && (!Number.isFinite(reconcileEveryHours) || reconcileEveryHours <= 0)) {
    throw new Error("defineBackup: reconcileEveryHours must be a positive number of hours.");
  }
  const verifyEveryHours = options.verifyEveryHours ?? (reconcileEveryHours === null ? DEFAULT_VERIFY_EVERY_HOURS : Math.ceil(Math.min(reconcileEveryHours, MAX_VERIFY_EVERY_HOURS)));
  if (!Number.isInteger(verifyEveryHours) || verifyEveryHours < 1 || verifyEveryHours > MAX_VERIFY_EVERY_HOURS) {
    throw new Error(
      `defineBackup: verifyEveryHours must be a whole number of hours from 1 to ${MAX_VERIFY_EVERY_HOURS} (got ${JSON.stringify(options.verifyEveryHours)}).`,
    );
  }
  const schemaTables = Object.keys(options.schema.tables);
  const unknown = (options.excludedTables ?? []).filter((table) => !schemaTables.includes(table));
  if (unknown.length > 0) {
    throw new Error(`defineBackup: excludedTables names tables the schema does not have: ${unknown.join(", ")}.`);
  }
  const omittedFields = options.omittedFields ?? {};
  const redaction = options.redaction ?? DEFAULT_REDACTION;
  const backedUpTables = () => {
    const fromEnv = envExcludedTables(process.env);
    // The change log is the backup's own bookkeeping, never backed up.
    const excluded = new Set([...(options.excludedTables ?? []), ...fromEnv, CHANGE_LOG_TABLE]);
    return schemaTables.filter((table) => !excluded.has(table));
  };
  const fileStorage = options.fileStorage ?? true;
  const configuredTables = (hasFiles: boolean) => [...backedUpTables(), ...(fileStorage && hasFiles ? [STORAGE_TABLE] : [])];
  return {
    schema: options.schema,
    functions: backupFunctionRefs(module),
    omittedFields,
    redaction,
    restorePlaceholders: options.restorePlaceholders ?? {},
    reconcileEveryHours,
    verifyEveryHours,
    sanitizer: new Sanitizer(redaction, omittedFields),
    changeCapture: CHANGE_LOG_TABLE in options.schema.tables,
    fileStorage,
    backedUpTables,
    configuredTables,
    configProblems: () => configProblems(options.schema, options, process.env),
    chooseTables(requested, hasFiles) {
      if (requested === undefined) return configuredTables(hasFiles);
      const all = configuredTables(true);
      const unknownTables = requested.filter((table) => !all.includes(table));
      if (unknownTables.length > 0) {
        throw new Error(
          `Unknown or excluded table(s): ${unknownTables.join(", ")}. Backed-up tables: ${all.join(", ")}.`,
        );
      }
      return [...requested];
    },
  };
}
