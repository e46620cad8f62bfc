import tseslint from "typescript-eslint";
import convexPlugin from "@convex-dev/eslint-plugin";

export default tseslint.config(
  { ignores: ["**/_generated/**", "node_modules/**", "**/*.d.ts", "packages/*/dist/**", "tests/fixtures/apps/ordinary/**", "tests/fixtures/apps/problems/**"] },
  ...tseslint.configs.recommended,
  ...convexPlugin.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // App code writes through the change-capturing builders of convex/functions.ts,
    // so the hourly backup sees every write without scanning every table.
    files: ["convex/**/*.ts"],
    ignores: ["convex/functions.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["**/_generated/server"],
          importNames: ["mutation", "internalMutation"],
          message: "Import mutation / internalMutation from convex/functions.ts: they record each write in the backup's change log.",
        }],
      }],
    },
  },
);
