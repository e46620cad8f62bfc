// The two deployments, real and in-process: a convex-test instance per
// project (transaction limits on), the backup one served over loopback HTTP so
// the primary's action reaches it through an unmodified ConvexHttpClient.
// Tests, the demo and the benchmark all start them here. Each deployment
// totals its database I/O (`io`, from convex-test's onTransactionEnd), and the
// backup's committed writes feed its server's write-throughput cap.
import { withEnv, type DeploymentEnv } from "./envScope";
import { fileURLToPath } from "node:url";
import { convexTest, type TestConvex } from "convex-test";
import primarySchema from "../convex/schema";
import backupSchema from "../backup-convex/convex/schema";
import { serveOverHttp, type ServedDeployment } from "./convexHttpServer";
import { projectModules, type ModuleMap } from "./modules";
import { IoStats } from "./ioStats";
import { WriteThrottle } from "./writeThrottle";

export const PRIMARY_DIR = fileURLToPath(new URL("../convex", import.meta.url));
export const BACKUP_DIR = fileURLToPath(new URL("../backup-convex/convex", import.meta.url));
/** The in-process primary's CONVEX_CLOUD_URL, as Convex would set it. */
export const PRIMARY_CLOUD_URL = "https://happy-animal-123.convex.cloud";

/** A convex-test instance whose calls see the deployment's own environment. */
export type Deployment<T> = { t: T; env: DeploymentEnv; modules: ModuleMap; io: IoStats };
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
  /**
   * Passed to convex-test; true (the default) enforces Convex's per-transaction
   * limits and its value limits (arrays, fields, nesting, document, argument
   * and result sizes).
   */
  transactionLimits?: boolean;
  /** Cap on the backup's write throughput (bytes/s); none by default. Also `backup.server.setWriteThroughput`. */
  backupWriteBytesPerSecond?: number | null;
};

/** As `npm run setup` makes them: never starting with "-", which a command line would read as an option. */
export function randomSecret(): string {
  for (;;) {
    const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    if (!secret.startsWith("-")) return secret;
  }
}

/** Every method call on `t` runs with the deployment's environment. */
export function scopeToEnv<T extends object>(t: T, env: DeploymentEnv): T {
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
  const backupIo = new IoStats();
  const writeThrottle = new WriteThrottle(options.backupWriteBytesPerSecond ?? null);
  const backupT = convexTest({
    schema: backupSchema,
    modules: backupModules.glob,
    transactionLimits: limits,
    onTransactionEnd: (report) => {
      backupIo.record(report);
      if (report.committed) writeThrottle.recordWrite(report.metrics.bytesWritten);
    },
  });
  const server = await serveOverHttp(backupT, {
    modules: backupModules,
    env: backupEnv,
    redactErrors: options.redactErrors ?? true,
    writeThrottle,
  });
  // Convex sets CONVEX_CLOUD_URL in every deployment; the backup binds to it.
  const primaryEnv: DeploymentEnv = { BACKUP_URL: server.url, BACKUP_SECRET: secret, CONVEX_CLOUD_URL: PRIMARY_CLOUD_URL };
  const primaryModules = projectModules(PRIMARY_DIR);
  const primaryIo = new IoStats();
  const primaryT = convexTest({
    schema: primarySchema,
    modules: primaryModules.glob,
    transactionLimits: limits,
    onTransactionEnd: primaryIo.record,
  });
  return {
    primary: { t: scopeToEnv(primaryT, primaryEnv), env: primaryEnv, modules: primaryModules, io: primaryIo },
    backup: { t: scopeToEnv(backupT, backupEnv), env: backupEnv, modules: backupModules, server, io: backupIo },
    secret,
    close: () => server.close(),
  };
}
