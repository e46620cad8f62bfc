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

export type RestoreRun = {
  selector: string;
  stdout: string;
  documents: TableDocs;
  zipText: string;
  /** Per table, by ZIP id: each document's fields (convexValueText) as the ZIP holds them, and as the import into a fresh deployment with the app's schema kept them. */
  zipFields: Record<string, Record<string, string>>;
  imported: Record<string, Record<string, string>>;
};

/** The ids of what the app wrote between run 1 and run 2, by the path each went through. */
export type Run2Writes = {
  /** users:createUser (a mutation init converted). */
  user: string;
  /** reminders:schedule, run by the scheduler after createUser. */
  reminder: string;
  /** POST /api-keys (http.ts's httpAction, through internal.apiKeys.create). */
  apiKey: string;
  /** posts:addPost and posts:deletePost (the Triggers builder init composed). */
  addedPost: string;
  deletedPost: string;
  /** postCounts rows the posts trigger inserted and patched. */
  insertedCount: string;
  patchedCount: string;
};

export type InstalledAppResult = {
  convexRealPaths: string[];
  packageEntry: string;
  packageHasSource: boolean;
  /** The app's cron jobs as its crons.ts registers them, by name. */
  crons: Record<string, JSONValue>;
  calls: { fn: string; result: JSONValue }[];
  run1: JSONValue;
  run2: JSONValue;
  /** The primary's documents right after each run. */
  afterRun1: TableDocs;
  afterRun2: TableDocs;
  writes: Run2Writes;
  /** Every secret value the primary ever held: passwordHash, oauth.refreshToken, apiKeys.secret. */
  secrets: string[];
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
