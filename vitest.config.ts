import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["tests/**/*.test.ts"],
    // Scoped per-deployment env must be in place before any Convex module loads.
    setupFiles: ["harness/envScope.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
