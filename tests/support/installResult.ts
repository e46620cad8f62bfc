// What tests/support/installedAppRun.ts is given and prints: its config as
// its one argument, its result as the stdout line `INSTALL_RESULT <json>`.
import type { JSONValue } from "convex/values";

export const RESULT_MARKER = "INSTALL_RESULT ";

export type InstalledAppConfig = {
  /** The app's folder (holds convex/ and node_modules/). */
  appDir: string;
  /** The backup project's folder, as init-backup wrote it. */
  backupProjectDir: string;
  /** BACKUP_SECRET as `setup` printed it. */
  secret: string;
  /** BACKUP_RESTORE_SECRET as `setup` printed it (the backup's only; what restore presents). */
  restoreSecret: string;
  /** Where the restore ZIPs go. */
  outDir: string;
  /** README's `npx convex run <fn> <args>` commands, run first, in order. */
  calls: { fn: string; args: Record<string, JSONValue> }[];
};

/** Documents per table as convexToJson values, by _id. */
export type TableDocs = Record<string, Record<string, Record<string, JSONValue>>>;

export type RestoreRun = { selector: string; stdout: string; documents: TableDocs; zipText: string };

export type InstalledAppResult = {
  convexRealPaths: string[];
  packageEntry: string;
  packageHasSource: boolean;
  calls: { fn: string; result: JSONValue }[];
  run1: JSONValue;
  run2: JSONValue;
  /** The primary's documents right after each run. */
  afterRun1: TableDocs;
  afterRun2: TableDocs;
  /** What the test changed between the runs. */
  changes: { added: string; edited: string; deleted: string };
  /** Every apiKey value the primary ever held. */
  apiKeys: string[];
  restores: RestoreRun[];
  /** Every row of every table of the backup deployment, as JSON text. */
  backupText: string;
};

/** The result line of the child's stdout. */
export function parseInstalledAppResult(stdout: string): InstalledAppResult {
  const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
  if (line === undefined) throw new Error(`The child printed no ${RESULT_MARKER.trim()} line:\n${stdout}`);
  return JSON.parse(line.slice(RESULT_MARKER.length)) as InstalledAppResult;
}
