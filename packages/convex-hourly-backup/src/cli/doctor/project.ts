// The app's convex/ folder as a ts-morph project: its TypeScript files, parsed
// (no type checking: doctor and init read the syntax tree, fast and offline).
// ts-morph (with the TypeScript compiler it bundles) is loaded only by init and
// doctor, when they run: every other command starts without it.
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { Project, SourceFile } from "ts-morph";

export type TsMorph = typeof import("ts-morph");

export async function loadTsMorph(): Promise<TsMorph> {
  return import("ts-morph");
}

/** The .ts/.tsx/.js files of convex/, _generated, declarations and tests left out. */
export function convexFiles(convexDir: string): string[] {
  if (!existsSync(convexDir)) return [];
  return (readdirSync(convexDir, { recursive: true }) as string[])
    .map((file) => file.replaceAll("\\", "/"))
    .filter((file) => /\.(ts|tsx|js|mjs)$/.test(file) && !/\.d\.ts$|\.test\.(ts|tsx|js)$/.test(file))
    .filter((file) => !file.split("/").includes("_generated") && !file.split("/").includes("node_modules"))
    .sort()
    .map((file) => join(convexDir, file));
}

export type AppProject = {
  tsm: TsMorph;
  project: Project;
  appDir: string;
  convexDir: string;
  files: SourceFile[];
  /** "convex/notes.ts:12" */
  where(file: SourceFile, line?: number): string;
};

export async function openApp(appDir: string): Promise<AppProject> {
  const tsm = await loadTsMorph();
  const convexDir = join(appDir, "convex");
  const project = new tsm.Project({
    useInMemoryFileSystem: false,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    compilerOptions: { allowJs: true, noEmit: true },
    // Edits (init) in the style most Convex apps use: two spaces, double quotes.
    manipulationSettings: { indentationText: tsm.IndentationText.TwoSpaces, quoteKind: tsm.QuoteKind.Double },
  });
  const files = convexFiles(convexDir).map((file) => project.addSourceFileAtPath(file));
  const where = (file: SourceFile, line?: number) =>
    `${relative(appDir, file.getFilePath()).replaceAll("\\", "/")}${line === undefined ? "" : `:${line}`}`;
  return { tsm, project, appDir, convexDir, files, where };
}
