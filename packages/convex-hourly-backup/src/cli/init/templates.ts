// The code init writes into an app: new files, and the lines it adds to the
// app's own (as README's "Add it to your app" shows them).
import { convexToJson, type Value } from "convex/values";

export const BACKUP_EXPORTS =
  "runNow, status, verify, readPage, readDocs, readChanges, logEnd, deleteRows, dropChanges, revertDocuments";

/** A placeholder value as TypeScript source (JSON-like; bigint as 0n). */
export function valueSource(value: Value): string {
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof ArrayBuffer) return "new ArrayBuffer(0)";
  if (Array.isArray(value)) return `[${value.map(valueSource).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{ ${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${valueSource(v as Value)}`).join(", ")} }`;
  }
  return JSON.stringify(convexToJson(value));
}

/** restorePlaceholders' source: { users: { "passwordHash": "...", "oauth.refreshToken": "..." } }. */
export function placeholdersSource(entries: readonly { table: string; path: string; value: Value }[], indent: string): string {
  const byTable = new Map<string, string[]>();
  for (const e of entries) {
    const lines = byTable.get(e.table) ?? [];
    lines.push(`${indent}    ${JSON.stringify(e.path)}: ${valueSource(e.value)},`);
    byTable.set(e.table, lines);
  }
  const tables = [...byTable].map(([table, lines]) => `${indent}  ${table}: {\n${lines.join("\n")}\n${indent}  },`);
  return `{\n${tables.join("\n")}\n${indent}}`;
}

export function backupFile(placeholders: string | null): string {
  const options = placeholders === null ? "{ schema }" : `{\n  schema,\n  // Required fields the backup never holds (redacted): what a restore writes instead.\n  restorePlaceholders: ${placeholders},\n}`;
  return `// The backup's functions (all internal), written by \`npx convex-hourly-backup init\`.
import { defineBackup } from "convex-hourly-backup";
import schema from "./schema";

export const { ${BACKUP_EXPORTS} } = defineBackup(${options});
`;
}

export const FUNCTIONS_FILE = `// The app's mutation builders, with change capture: every document a mutation
// writes is noted in the backup's change log, in the same transaction. Import
// mutation / internalMutation from here, never from ./_generated/server.
import { internalMutation as rawInternalMutation, mutation as rawMutation } from "./_generated/server";
import { withChangeCapture } from "convex-hourly-backup";

export const mutation = withChangeCapture(rawMutation);
export const internalMutation = withChangeCapture(rawInternalMutation);
`;

export const CRONS_FILE = `import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();
crons.hourly("backup", { minuteUTC: 0 }, internal.backup.runNow, {});
export default crons;
`;

export const CRON_LINE = `crons.hourly("backup", { minuteUTC: 0 }, internal.backup.runNow, {});`;

/** The eslint flat config entry that keeps app code off the raw builders. */
export function eslintEntry(functionsFile: string): string {
  return `{
    // convex-hourly-backup: mutations are built with the change-capturing builders of ${functionsFile}.
    files: ["convex/**/*.ts"],
    ignores: [${JSON.stringify(functionsFile)}],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["**/_generated/server"],
          importNames: ["mutation", "internalMutation"],
          message: "Import mutation / internalMutation from ${functionsFile}: they record each write in the backup's change log.",
        }],
      }],
    },
  }`;
}
