import { defineConfig } from "vitest/config";

export default defineConfig({
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
