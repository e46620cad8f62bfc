// doctor: a static check of the app's convex/ folder (tests/doctor.test.ts).
//   1. every mutation is built with a builder that records its writes (builders.ts);
//   2. no ctx.db wrapper (Triggers) sits outside the change recorder (builders.ts);
//   3. every required field the redaction removes has a restore placeholder (redactedFields.ts);
//   4. every component of convex.config.ts is named, with what to do at restore (components.ts);
//   5. the backup's settings name only what the schema has (app/configCheck.ts, as runNow checks it).
// 1, 2 and 4 read the syntax tree; 3 and 5 load the schema and defineBackup's options (loadApp.ts).
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { configProblems } from "../../app/configCheck";
import { builderFindings, BuilderResolver } from "./builders";
import { componentFindings } from "./components";
import type { Finding } from "./findings";
import { loadApp } from "./loadApp";
import { openApp, type AppProject } from "./project";
import { missingPlaceholders, requiredRedactedFields } from "./redactedFields";

export type DoctorReport = { findings: Finding[]; functionsModule: string };

/** The module (relative to convex/, no extension) that exports the wrapped `mutation`: functions unless another file does. */
export function findFunctionsModule(app: AppProject): string {
  const resolver = new BuilderResolver(app);
  for (const file of app.files) {
    const exported = file.getExportedDeclarations().get("mutation");
    if (exported === undefined) continue;
    if (resolver.identifier(file, "mutation").kind === "captured") {
      return relative(app.convexDir, file.getFilePath()).replace(/\.(ts|tsx|js|mjs)$/, "").replaceAll("\\", "/");
    }
  }
  return "functions";
}

export async function runDoctor(appDir: string, options: { backupModule?: string } = {}): Promise<DoctorReport> {
  const app = await openApp(appDir);
  const functionsModule = findFunctionsModule(app);
  const findings: Finding[] = [...builderFindings(app, functionsModule)];

  const config = app.files.find((f) => f.getFilePath() === join(app.convexDir, "convex.config.ts"));
  if (config !== undefined) findings.push(...componentFindings(config, (line) => app.where(config, line)));

  if (existsSync(join(app.convexDir, "schema.ts")) || existsSync(join(app.convexDir, "schema.js"))) {
    const { schema, options: backup } = await loadApp(appDir, options.backupModule);
    const backupFile = `convex/${options.backupModule ?? "backup"}.ts`;
    const required = requiredRedactedFields(schema, backup ?? {});
    for (const field of missingPlaceholders(required, backup?.restorePlaceholders)) {
      findings.push({
        kind: "redactedRequired",
        where: "convex/schema.ts",
        problem: `${field.table}.${field.path} is required, and the backup never holds it (redaction removes it): a restore would stop at it.`,
        fix: `add restorePlaceholders: { ${field.table}: { "${field.path}": <a value for a ${field.validator.type}> } } to defineBackup in ${backupFile} (npx convex-hourly-backup init writes one).`,
      });
    }
    if (backup !== null) {
      for (const problem of configProblems(schema, backup, {})) {
        findings.push({ kind: "config", where: backupFile, problem, fix: "correct or remove that name in defineBackup's options." });
      }
    }
  }
  return { findings, functionsModule };
}
