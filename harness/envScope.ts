// Each in-process deployment has its own environment variables, as a real
// Convex deployment does (`npx convex env set`): code running for a
// deployment sees its variables through process.env, scoped with
// AsyncLocalStorage so two deployments can interleave in one process.
import { AsyncLocalStorage } from "node:async_hooks";

export type DeploymentEnv = Record<string, string | undefined>;

const scope = new AsyncLocalStorage<DeploymentEnv>();
const marker = Symbol.for("convex-backup.scopedEnv");

function install(): void {
  const current = process.env as NodeJS.ProcessEnv & { [marker]?: true };
  if (current[marker]) return;
  const base = current;
  const owned = (prop: string | symbol): DeploymentEnv | undefined => {
    const env = scope.getStore();
    return env !== undefined && typeof prop === "string" && Object.hasOwn(env, prop) ? env : undefined;
  };
  process.env = new Proxy(base, {
    get(target, prop) {
      if (prop === marker) return true;
      const env = owned(prop);
      return env !== undefined ? env[prop as string] : Reflect.get(target, prop);
    },
    set(target, prop, value) {
      const env = owned(prop);
      if (env !== undefined) env[prop as string] = String(value);
      else Reflect.set(target, prop, value);
      return true;
    },
    has(target, prop) {
      const env = owned(prop);
      return env !== undefined ? env[prop as string] !== undefined : Reflect.has(target, prop);
    },
  });
}

// Installed on import, before any Convex module runs: _generated/server
// exports `env = process.env`, a reference taken once.
install();

/** Runs fn with process.env showing `env`'s variables over the process's own. */
export function withEnv<T>(env: DeploymentEnv, fn: () => T): T {
  return scope.run(env, fn);
}
