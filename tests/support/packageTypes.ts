// The package's published types, as a TypeScript user's project sees them
// under each module resolution a Convex app may use (issue 20): `bundler`
// (Convex's own tsconfig for convex/), `node16` and `nodenext` (an ESM Node
// project). A tiny consumer, written into a folder whose node_modules holds the
// installed package, imports the package's entry and every backup module
// init-backup re-exports; the TypeScript compiler API then checks the consumer
// and every declaration file of the package (not those of convex and the other
// dependencies: skipLibCheck as a user has it would hide a broken import in ours).
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import ts from "typescript";
import { BACKUP_MODULES } from "../../packages/convex-hourly-backup/src/cli/initBackup/projectFiles";

export const RESOLUTIONS = {
  bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
  node16: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
  nodenext: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
} as const;
export type Resolution = keyof typeof RESOLUTIONS;

/** An .mts file: ESM under node16/nodenext whatever the folder's package.json says. */
export function consumerSource(packageName: string): string {
  const modules = ["schema", "crons", "convex.config", ...BACKUP_MODULES];
  return [
    `import { backupTables, defineBackup, DEFAULT_REDACTION, withChangeCapture, type BackupOptions } from "${packageName}";`,
    ...modules.map((m, i) => `import * as backup${i} from "${packageName}/backup/${m}";`),
    "",
    "// A type that resolved to `any` (a declaration import that does not resolve) fails here.",
    "type IsAny<T> = 0 extends 1 & T ? true : false;",
    "export const resolved: [",
    "  IsAny<typeof defineBackup>, IsAny<typeof withChangeCapture>, IsAny<typeof backupTables>,",
    "  IsAny<typeof DEFAULT_REDACTION>, IsAny<BackupOptions>,",
    ...modules.map((_, i) => `  IsAny<typeof backup${i}>,`),
    `] = [false, false, false, false, false, ${modules.map(() => "false").join(", ")}];`,
    "",
  ].join("\n");
}

/**
 * Checks the consumer in dir (its node_modules holds the package) under each
 * resolution; returns the diagnostics per resolution, each as "file:line: message".
 */
export function checkPublishedTypes(dir: string, packageName: string): Record<Resolution, string[]> {
  const folder = join(dir, "types-consumer");
  mkdirSync(folder, { recursive: true });
  const consumer = join(folder, "consumer.mts");
  writeFileSync(consumer, consumerSource(packageName));
  const packageRoot = realpathSync(join(dir, "node_modules", packageName)) + sep;
  // A file parses the same under each resolution that gives it the same module format: parsed once.
  const parsed = new Map<string, ts.SourceFile | undefined>();
  const out = {} as Record<Resolution, string[]>;
  for (const [name, resolution] of Object.entries(RESOLUTIONS) as [Resolution, (typeof RESOLUTIONS)[Resolution]][]) {
    const options: ts.CompilerOptions = {
      ...resolution,
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
      types: [],
      strict: true,
      noEmit: true,
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (file, version, ...rest) => {
      const format = typeof version === "object" ? version.impliedNodeFormat : undefined;
      const key = `${file}\0${String(format)}`;
      if (!parsed.has(key)) parsed.set(key, getSourceFile(file, version, ...rest));
      return parsed.get(key);
    };
    const program = ts.createProgram({ rootNames: [consumer], options, host });
    const ours = program
      .getSourceFiles()
      .filter((f) => f.fileName === consumer.split(sep).join("/") || realpathSync(f.fileName).startsWith(packageRoot));
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...ours.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
    ];
    out[name] = diagnostics.map((d) => {
      const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : "options";
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
    // The package's declaration files must be among those checked, or the check proves nothing.
    if (!ours.some((f) => f.fileName.endsWith(".d.ts"))) out[name].push(`no declaration file of ${packageName} was loaded`);
  }
  return out;
}

