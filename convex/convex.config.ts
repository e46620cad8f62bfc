// Declares the primary's environment variables (typed `env` in _generated/server).
// Optional at deploy time so a fresh deployment deploys; backup:runNow refuses
// to run, naming the variable, until both are set.
import { defineApp } from "convex/server";
import { v } from "convex/values";

const app = defineApp({
  env: {
    /** URL of the backup deployment, e.g. https://happy-otter-123.convex.cloud */
    BACKUP_URL: v.optional(v.string()),
    /** Shared secret, at least 32 characters, the same on both deployments. */
    BACKUP_SECRET: v.optional(v.string()),
    /**
     * Names this deployment to the backup (default: its CONVEX_CLOUD_URL). A
     * backup deployment serves one source and refuses any other.
     */
    BACKUP_SOURCE: v.optional(v.string()),
    /** Tables to leave out besides EXCLUDED_TABLES, comma-separated (e.g. "sessions,cache"). */
    BACKUP_EXCLUDED_TABLES: v.optional(v.string()),
    /** Per-request timeout towards the backup deployment, in ms (default 120000). */
    BACKUP_REQUEST_TIMEOUT_MS: v.optional(v.string()),
  },
});

export default app;
