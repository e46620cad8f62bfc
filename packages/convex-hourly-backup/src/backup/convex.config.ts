// Declares the backup deployment's environment variables (typed `env` in
// _generated/server). Optional at deploy time: every public function refuses
// all requests while BACKUP_SECRET is unset or shorter than 32 characters,
// and every restore read while BACKUP_RESTORE_SECRET is.
import { defineApp } from "convex/server";
import { v } from "convex/values";

const app = defineApp({
  env: {
    /** Shared secret, at least 32 characters, the same as the primary's. */
    BACKUP_SECRET: v.optional(v.string()),
    /** During a secret rotation only: the old secret, still accepted until removed. */
    BACKUP_SECRET_PREVIOUS: v.optional(v.string()),
    /**
     * What restores (and pins, history) present: at least 32 characters, never
     * set on the primary. Restore reads are refused while it is unset.
     */
    BACKUP_RESTORE_SECRET: v.optional(v.string()),
    /** During a rotation of the restore secret only: the old one, still accepted until removed. */
    BACKUP_RESTORE_SECRET_PREVIOUS: v.optional(v.string()),
    /** Optional: where alerts:check posts `{"text": ...}` when backups stop and recover (a Slack incoming webhook). A secret: only its host is logged. */
    ALERT_WEBHOOK_URL: v.optional(v.string()),
    /** Optional: minutes without a new restore point before alerts:check raises an alert (default 120). */
    ALERT_AFTER_MINUTES: v.optional(v.string()),
    /** Optional: the retention policy, e.g. "hourly=48,daily=30,weekly=12,monthly=12" (lib/retentionConfig.ts); unset: the default. */
    BACKUP_RETENTION: v.optional(v.string()),
  },
});

export default app;
