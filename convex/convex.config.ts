// Declares the primary's environment variables (typed `env` in
// _generated/server): the backup's, from the package.
import { defineApp } from "convex/server";
import { primaryEnv } from "convex-hourly-backup";

const app = defineApp({
  env: { ...primaryEnv },
});

export default app;
