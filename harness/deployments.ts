// The two deployments, real and in-process: a convex-test instance per
// project (transaction limits on), the backup one served over loopback HTTP so
// the primary's action reaches it through an unmodified ConvexHttpClient.
// Tests, the demo and the benchmark all start them here.
import { withEnv, type DeploymentEnv } from "./envScope";
import { fileURLToPath } from "node:url";
import { convexTest, type TestConvex } from "convex-test";
import primarySchema from "../convex/schema";
import backupSchema from "../backup-convex/convex/schema";
import { serveOverHttp, type ServedDeployment } from "./convexHttpServer";
import { projectModules, type ModuleMap } from "./modules";

export const PRIMARY_DIR = fileURLToPath(new URL("../convex", import.meta.url));
export const BACKUP_DIR = fileURLToPath(new URL("../backup-convex/convex", import.meta.url));

/** A convex-test instance whose calls see the deployment's own environment. */
export type Deployment<T> = { t: T; env: DeploymentEnv; modules: ModuleMap };
export type PrimaryDeployment = Deployment<TestConvex<typeof primarySchema>>;
export type BackupDeployment = Deployment<TestConvex<typeof backupSchema>> & { server: ServedDeployment };

export type Deployments = {
  primary: PrimaryDeployment;
  backup: BackupDeployment;
  secret: string;
  close(): Promise<void>;
};

export type StartOptions = {
  /** Shared BACKUP_SECRET; random by default. */
  secret?: string;
  /** Production-style redaction of non-ConvexError messages (default true). */
  redactErrors?: boolean;
  /** Passed to convex-test; true (the default) enforces Convex's per-transaction limits. */
  transactionLimits?: boolean;
};

export function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Buffer.from(bytes).toString("base64url");
}

/** Every method call on `t` runs with the deployment's environment. */
function scopeToEnv<T extends object>(t: T, env: DeploymentEnv): T {
  return new Proxy(t, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => withEnv(env, () => (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

export async function startDeployments(options: StartOptions = {}): Promise<Deployments> {
  const secret = options.secret ?? randomSecret();
  const limits = options.transactionLimits ?? true;
  const backupEnv: DeploymentEnv = { BACKUP_SECRET: secret };
  const backupModules = projectModules(BACKUP_DIR);
  const backupT = convexTest({ schema: backupSchema, modules: backupModules.glob, transactionLimits: limits });
  const server = await serveOverHttp(backupT, {
    modules: backupModules,
    env: backupEnv,
    redactErrors: options.redactErrors ?? true,
  });
  const primaryEnv: DeploymentEnv = { BACKUP_URL: server.url, BACKUP_SECRET: secret };
  const primaryModules = projectModules(PRIMARY_DIR);
  const primaryT = convexTest({ schema: primarySchema, modules: primaryModules.glob, transactionLimits: limits });
  return {
    primary: { t: scopeToEnv(primaryT, primaryEnv), env: primaryEnv, modules: primaryModules },
    backup: { t: scopeToEnv(backupT, backupEnv), env: backupEnv, modules: backupModules, server },
    secret,
    close: () => server.close(),
  };
}
