// The function modules of a Convex project, as convex-test wants them:
// { "<dir>/<file>.ts": () => import(...) }, found on disk so the same map
// works under Vitest, tsx and plain scripts.
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

type Loader = () => Promise<Record<string, unknown>>;

export type ModuleMap = {
  /** What convexTest(...) takes as its modules argument. */
  glob: Record<string, Loader>;
  /** The loader for "dir/module" (no extension), if the project has it. */
  load(modulePath: string): Loader | undefined;
};

export function projectModules(functionsDir: string): ModuleMap {
  const root = resolve(functionsDir);
  const files = (readdirSync(root, { recursive: true }) as string[])
    .map((file) => file.replaceAll("\\", "/"))
    .filter((file) => /\.(ts|js)$/.test(file) && !/\.(d|test)\.ts$/.test(file))
    // convex.config.ts declares the app (env vars); it holds no functions.
    .filter((file) => file !== "convex.config.ts");
  const glob: Record<string, Loader> = {};
  const byModule = new Map<string, Loader>();
  for (const file of files) {
    const loader: Loader = () => import(pathToFileURL(join(root, file)).href);
    glob[join(root, file)] = loader;
    byModule.set(file.replace(/\.(ts|js)$/, ""), loader);
  }
  return { glob, load: (modulePath) => byModule.get(modulePath) };
}
