// The environment variables the backup reads on the app's deployment, to
// declare in the app's convex/convex.config.ts (optional: undeclared, they
// are read all the same):
//   export default defineApp({ env: { ...primaryEnv } });
// Optional at deploy time so a fresh deployment deploys; runNow refuses to
// run, naming the variable, until BACKUP_URL and BACKUP_SECRET are set.
import { v } from "convex/values";

export const primaryEnv = {
  /** URL of the backup deployment, e.g. https://happy-otter-123.convex.cloud */
  BACKUP_URL: v.optional(v.string()),
  /** Shared secret, at least 32 characters, the same on both deployments. */
  BACKUP_SECRET: v.optional(v.string()),
  /**
   * Names this deployment to the backup (default: its CONVEX_CLOUD_URL). A
   * backup deployment serves one source and refuses any other.
   */
  BACKUP_SOURCE: v.optional(v.string()),
  /** Tables to leave out besides excludedTables, comma-separated (e.g. "sessions,cache"). */
  BACKUP_EXCLUDED_TABLES: v.optional(v.string()),
  /** Per-request timeout towards the backup deployment, in ms (default 120000). */
  BACKUP_REQUEST_TIMEOUT_MS: v.optional(v.string()),
  /** Files larger than this many MiB are not copied, and listed as missing from the restore point (default 1024). */
  BACKUP_MAX_FILE_MB: v.optional(v.string()),
};
