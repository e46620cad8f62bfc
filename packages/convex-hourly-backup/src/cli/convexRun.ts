// `npx convex run <module>:<function> '<json>'` for the verify and run
// subcommands: the app's own deployment credentials (its .env.local,
// CONVEX_DEPLOY_KEY, --prod) pick the deployment, exactly as by hand. Its
// output streams through; stdout is also kept, to read the function's result
// (convex prints it as JSON when stdout is not a terminal).
import { spawn } from "node:child_process";
import { CliError, UsageError } from "./common";

export const DEFAULT_FUNCTION_MODULE = "backup";

/** The module that exports the app's backup functions (convex/backup.ts: "backup"). */
export function functionModule(text: string | undefined): string {
  const module = (text ?? DEFAULT_FUNCTION_MODULE).trim().replace(/\.[jt]s$/, "");
  if (!/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(module)) {
    throw new UsageError(`--function-module must be a module path such as "backup" or "admin/backup", got "${text}".`);
  }
  return module;
}

export type ConvexRunOptions = { prod: boolean };

/** Runs the function; resolves to its result. Fails (CliError) when the command cannot start or exits non-zero. */
export async function convexRun(functionPath: string, args: Record<string, unknown>, options: ConvexRunOptions): Promise<unknown> {
  const argv = ["convex", "run", functionPath, JSON.stringify(args), ...(options.prod ? ["--prod"] : [])];
  const shown = `npx convex run ${functionPath} '${JSON.stringify(args)}'${options.prod ? " --prod" : ""}`;
  console.error(`$ ${shown}`);
  const stdout = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn("npx", argv, { stdio: ["inherit", "pipe", "inherit"], shell: process.platform === "win32" });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      process.stdout.write(chunk);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(new CliError(`cannot start npx (${error.code ?? error.message}): is Node.js's npm on the PATH?`));
    });
    child.on("close", (code, signal) => {
      if (code === 0) resolvePromise(Buffer.concat(chunks).toString("utf8"));
      else reject(new CliError(`${shown} failed (${signal === null ? `exit code ${code}` : `signal ${signal}`}): its output is above.`));
    });
  });
  const result = lastJsonValue(stdout);
  if (result === undefined) throw new CliError(`${shown} printed no result that could be read as JSON.`);
  return result;
}

/** The JSON value that ends `text` (convex prints the result last, pretty-printed from column 0). */
export function lastJsonValue(text: string): unknown {
  const trimmed = text.trimEnd();
  const starts = [0];
  for (let i = trimmed.indexOf("\n"); i !== -1; i = trimmed.indexOf("\n", i + 1)) starts.push(i + 1);
  for (const start of starts.reverse()) {
    // Only a line that opens a value can start it: the search stays linear in practice.
    if (!/^[[{"\d-]|^(true|false|null)/.test(trimmed.slice(start, start + 5))) continue;
    try {
      return JSON.parse(trimmed.slice(start)) as unknown;
    } catch {
      // not the start of the value: one line up
    }
  }
  return undefined;
}
