// Declares the backup deployment's environment variables (typed `env` in
// _generated/server). Optional at deploy time: every public function refuses
// all requests while BACKUP_SECRET is unset or shorter than 32 characters.
import { defineApp } from "convex/server";
import { v } from "convex/values";

const app = defineApp({
  env: {
    /** Shared secret, at least 32 characters, the same as the primary's. */
    BACKUP_SECRET: v.optional(v.string()),
    /** During a secret rotation only: the old secret, still accepted until removed. */
    BACKUP_SECRET_PREVIOUS: v.optional(v.string()),
  },
});

export default app;
