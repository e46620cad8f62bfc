// init's edits of the app's schema, crons, backup and eslint config, on the
// syntax tree; each leaves a file that already has its part as it is.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ObjectLiteralExpression, SourceFile } from "ts-morph";
import type { AppProject } from "../doctor/project";
import { backupFile, CRON_LINE, CRONS_FILE, eslintEntry, placeholdersSource, valueSource } from "./templates";
import type { Value } from "convex/values";

export type Placeholder = { table: string; path: string; value: Value };

const fileAt = (app: AppProject, name: string) => app.files.find((f) => f.getFilePath() === join(app.convexDir, name));

/** `...backupTables,` first in defineSchema({...}), and its import. */
export function editSchema(app: AppProject): void {
  const { Node: N } = app.tsm;
  const schema = fileAt(app, "schema.ts");
  if (schema === undefined) throw new Error("convex/schema.ts not found: init adds the change log's table to the app's schema.");
  const call = schema
    .getDescendantsOfKind(app.tsm.SyntaxKind.CallExpression)
    .find((c) => c.getExpression().getText() === "defineSchema");
  const tables = call?.getArguments()[0];
  if (tables === undefined || !N.isObjectLiteralExpression(tables)) {
    throw new Error("convex/schema.ts has no defineSchema({ ... }) with an object literal: add ...backupTables by hand (README).");
  }
  if (tables.getProperties().some((p) => N.isSpreadAssignment(p) && p.getExpression().getText() === "backupTables")) return;
  tables.insertSpreadAssignment(0, { expression: "backupTables" });
  addNamedImport(schema, "convex-hourly-backup", "backupTables");
}

/** The hourly cron: a new convex/crons.ts, or one line (and the `internal` import) in the app's. */
export function editCrons(app: AppProject): void {
  const crons = fileAt(app, "crons.ts");
  if (crons === undefined) {
    app.files.push(app.project.createSourceFile(join(app.convexDir, "crons.ts"), CRONS_FILE));
    return;
  }
  if (/internal\.backup\.runNow/.test(crons.getFullText())) return;
  const exported = crons.getExportAssignment((e) => !e.isExportEquals());
  if (exported === undefined) throw new Error("convex/crons.ts has no `export default crons`: add the hourly backup line by hand (README).");
  const name = exported.getExpression().getText();
  crons.insertStatements(exported.getChildIndex(), CRON_LINE.replace(/^crons\./, `${name}.`));
  addNamedImport(crons, "./_generated/api", "internal");
}

/** convex/backup.ts with restorePlaceholders for the required redacted fields; in an existing one, the missing placeholders. */
export function editBackup(app: AppProject, placeholders: readonly Placeholder[]): string[] {
  const { Node: N } = app.tsm;
  const backup = fileAt(app, "backup.ts");
  if (backup === undefined) {
    const source = placeholders.length === 0 ? null : placeholdersSource(placeholders, "  ");
    app.files.push(app.project.createSourceFile(join(app.convexDir, "backup.ts"), backupFile(source)));
    return [];
  }
  if (placeholders.length === 0) return [];
  const call = backup.getDescendantsOfKind(app.tsm.SyntaxKind.CallExpression).find((c) => c.getExpression().getText() === "defineBackup");
  const options = call?.getArguments()[0];
  const byHand = placeholders.map((p) => `${p.table}.${p.path}`);
  if (options === undefined || !N.isObjectLiteralExpression(options)) return byHand;
  const existing = options.getProperty("restorePlaceholders");
  if (existing === undefined) {
    options.addPropertyAssignment({ name: "restorePlaceholders", initializer: placeholdersSource(placeholders, "  ") });
    return [];
  }
  if (!N.isPropertyAssignment(existing)) return byHand;
  const value = existing.getInitializer();
  if (value === undefined || !N.isObjectLiteralExpression(value)) return byHand;
  for (const p of placeholders) addPlaceholder(app, value, p);
  return [];
}

function addPlaceholder(app: AppProject, tables: ObjectLiteralExpression, p: Placeholder): void {
  const { Node: N } = app.tsm;
  const table = tables.getProperty(p.table);
  const entry = `${JSON.stringify(p.path)}: ${valueSource(p.value)}`;
  if (table === undefined) {
    tables.addPropertyAssignment({ name: p.table, initializer: `{ ${entry} }` });
    return;
  }
  const init = N.isPropertyAssignment(table) ? table.getInitializer() : undefined;
  if (init !== undefined && N.isObjectLiteralExpression(init)) init.addProperty(entry);
}

function addNamedImport(file: SourceFile, spec: string, name: string): void {
  const decl = file.getImportDeclaration((d) => d.getModuleSpecifierValue() === spec && !d.isTypeOnly());
  if (decl === undefined) file.addImportDeclaration({ moduleSpecifier: spec, namedImports: [name] });
  else if (!decl.getNamedImports().some((n) => n.getName() === name)) decl.addNamedImport(name);
}

/** The app's eslint flat config (eslint.config.{js,mjs,ts}), if any, with the no-restricted-imports entry. */
export function editEslint(app: AppProject, functionsModule: string): SourceFile | null {
  const { Node: N } = app.tsm;
  const path = ["eslint.config.js", "eslint.config.mjs", "eslint.config.ts"].map((f) => join(app.appDir, f)).find(existsSync);
  if (path === undefined) return null;
  const file = app.project.addSourceFileAtPath(path);
  if (/no-restricted-imports[\s\S]*_generated\/server/.test(file.getFullText())) return file;
  const exported = file.getExportAssignment((e) => !e.isExportEquals())?.getExpression();
  const entry = eslintEntry(`convex/${functionsModule}.ts`);
  if (exported !== undefined && N.isArrayLiteralExpression(exported)) exported.addElement(entry);
  else if (exported !== undefined && N.isCallExpression(exported)) exported.addArgument(entry);
  else throw new Error(`${path} exports no array or config(...) call: add the no-restricted-imports rule by hand (README).`);
  return file;
}
