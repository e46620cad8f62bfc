// What init changes, computed on the syntax tree before anything is written:
// per file, its text before (null: a new file) and after. Step by step:
//   1. the required fields the redaction removes (the doctor's judge), with a
//      placeholder value each, read from the app as it is;
//   2. the builders file (made, or the app's custom one wrapped);
//   3. every mutation import moved to it;
//   4. schema (...backupTables), crons (the hourly line), backup.ts
//      (restorePlaceholders), eslint (no-restricted-imports).
import { existsSync, readFileSync } from "node:fs";
import type { SourceFile } from "ts-morph";
import { loadApp } from "../doctor/loadApp";
import { openApp } from "../doctor/project";
import { missingPlaceholders, placeholderValue, requiredRedactedFields } from "../doctor/redactedFields";
import { editBackup, editCrons, editEslint, editSchema, type Placeholder } from "./appFiles";
import { convertImports, ensureBuilders } from "./builders";

export type FileChange = { path: string; before: string | null; after: string };
export type InitPlan = { changes: FileChange[]; functionsModule: string; byHand: string[] };

export async function planInit(appDir: string): Promise<InitPlan> {
  // Step 1: what a restore needs, from the app's schema and current backup options.
  const { schema, options } = await loadApp(appDir);
  const missing = missingPlaceholders(requiredRedactedFields(schema, options ?? {}), options?.restorePlaceholders);
  const byHand: string[] = [];
  const placeholders: Placeholder[] = [];
  for (const field of missing) {
    const value = placeholderValue(field.validator);
    if (value === undefined) byHand.push(`restorePlaceholders.${field.table}["${field.path}"] (a ${field.validator.type}: no safe value to write)`);
    else placeholders.push({ table: field.table, path: field.path, value });
  }

  // Steps 2-4, on the syntax tree.
  const app = await openApp(appDir);
  const functionsModule = ensureBuilders(app);
  convertImports(app, functionsModule);
  editSchema(app);
  editCrons(app);
  byHand.push(...editBackup(app, placeholders).map((p) => `restorePlaceholders for ${p} (convex/backup.ts's options are not an object literal)`));
  const eslint = editEslint(app, functionsModule);

  const files: SourceFile[] = [...app.files, ...(eslint === null ? [] : [eslint])];
  const changes: FileChange[] = [];
  for (const file of files) {
    const path = file.getFilePath();
    const before = existsSync(path) ? readFileSync(path, "utf8") : null;
    const after = file.getFullText();
    if (before !== after) changes.push({ path, before, after });
  }
  return { changes, functionsModule, byHand };
}
