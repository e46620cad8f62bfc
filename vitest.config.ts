import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// The package is resolved to its TypeScript source (the exports condition
// below), not its built dist/, so tests always run the code as it is now.
const conditions = ["convex-hourly-backup-source"];

export default defineConfig({
  resolve: { conditions: [...conditions, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [...conditions, ...defaultServerConditions] } },
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["tests/**/*.test.ts"],
    // Scoped per-deployment env must be in place before any Convex module loads.
    setupFiles: ["harness/envScope.ts"],
    testTimeout: 120_000,
    // The backup action's per-table log lines are for the dashboard, not test output.
    onConsoleLog: (log) => !/^\[backup( dry-run)?\]/.test(log),
    hookTimeout: 60_000,
  },
});
