// The two deployments, real and in-process: a convex-test instance per
// project (transaction limits on), the backup one served over loopback HTTP so
// the primary's action reaches it through an unmodified ConvexHttpClient.
// Tests, the demo and the benchmark all start them here. Each deployment
// totals its database I/O (`io`, from convex-test's onTransactionEnd), and the
// backup's committed writes feed its server's write-throughput cap.
// File storage is served too, as Convex serves it: the backup's files and
// upload URLs by its server, the primary's files by a server of its own
// (`primary.storage`), so storage URLs of either deployment can be fetched.
// By default they are this repository's projects (convex/ and
// backup-convex/convex); `primaryDir`/`backupDir` run other projects' modules
// (tests/install.test.ts: a fresh app and the backup project init-backup
// wrote, with the package installed from its tarball).
import { withEnv, type DeploymentEnv } from "./envScope";
import { fileURLToPath } from "node:url";
import { convexTest, type TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
// Types only: the default schemas are imported when used, so a process that
// starts other projects never loads this repository's.
import type primarySchema from "../convex/schema";
import type backupSchema from "../backup-convex/convex/schema";
import { serveOverHttp, type ServedDeployment } from "./convexHttpServer";
import { projectModules, type ModuleMap } from "./modules";
import { IoStats } from "./ioStats";
import { WriteThrottle } from "./writeThrottle";
import { serveStorage, StorageRoutes, type ServedStorage, type StorageDeployment } from "./storageServer";

export const PRIMARY_DIR = fileURLToPath(new URL("../convex", import.meta.url));
export const BACKUP_DIR = fileURLToPath(new URL("../backup-convex/convex", import.meta.url));
/** The in-process primary's CONVEX_CLOUD_URL, as Convex would set it. */
export const PRIMARY_CLOUD_URL = "https://happy-animal-123.convex.cloud";

export type AnySchema = SchemaDefinition<GenericSchema, boolean>;
export type ShopSchema = typeof primarySchema;
export type BackupSchema = typeof backupSchema;

/** A convex-test instance whose calls see the deployment's own environment. */
export type Deployment<T> = { t: T; env: DeploymentEnv; modules: ModuleMap; io: IoStats };
/** `storage`: the server of the primary's files (what its ctx.storage.getUrl returns points there). */
export type PrimaryDeployment<S extends AnySchema = ShopSchema> = Deployment<TestConvex<S>> & { storage: ServedStorage };
export type BackupDeployment<S extends AnySchema = BackupSchema> = Deployment<TestConvex<S>> & { server: ServedDeployment };

export type Deployments<P extends AnySchema = ShopSchema, B extends AnySchema = BackupSchema> = {
  primary: PrimaryDeployment<P>;
  backup: BackupDeployment<B>;
  /** BACKUP_SECRET, on both deployments: the primary's append-only credential. */
  secret: string;
  /** BACKUP_RESTORE_SECRET, on the backup only: what restores, history and pins present. */
  restoreSecret: string;
  close(): Promise<void>;
};

/**
 * Which projects run. Each defaults to this repository's (PRIMARY_DIR with
 * convex/schema.ts, BACKUP_DIR with backup-convex/convex/schema.ts). A
 * directory given without its schema gets the default export of its
 * schema.ts (or .js), loaded through the project's own module map.
 */
export type ProjectOptions<P extends AnySchema = ShopSchema, B extends AnySchema = BackupSchema> = {
  /** The primary's functions folder (what `convex/` is to an app). */
  primaryDir?: string;
  primarySchema?: P;
  /** The backup deployment's functions folder. */
  backupDir?: string;
  backupSchema?: B;
};

export type StartOptions = {
  /** Shared BACKUP_SECRET; random by default. */
  secret?: string;
  /** The backup's BACKUP_RESTORE_SECRET; random by default. */
  restoreSecret?: string;
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

/** The schema a project runs with: the one given, else its schema module's default export. */
async function projectSchema<S extends AnySchema>(
  given: S | undefined,
  dir: string | undefined,
  modules: ModuleMap,
  fallback: () => Promise<{ default: unknown }>,
): Promise<S> {
  if (given !== undefined) return given;
  const loader = dir === undefined ? fallback : modules.load("schema");
  if (loader === undefined) throw new Error(`${dir} has no schema.ts: pass the schema to startDeployments.`);
  const schema = (await loader()).default;
  if (typeof schema !== "object" || schema === null || !("tables" in schema)) {
    throw new Error(`The schema module of ${dir ?? "the default project"} has no defineSchema(...) default export.`);
  }
  return schema as S;
}

export async function startDeployments<P extends AnySchema = ShopSchema, B extends AnySchema = BackupSchema>(
  options: StartOptions & ProjectOptions<P, B> = {},
): Promise<Deployments<P, B>> {
  const secret = options.secret ?? randomSecret();
  const limits = options.transactionLimits ?? true;
  const restoreSecret = options.restoreSecret ?? randomSecret();
  const backupEnv: DeploymentEnv = { BACKUP_SECRET: secret, BACKUP_RESTORE_SECRET: restoreSecret };
  const backupModules = projectModules(options.backupDir ?? BACKUP_DIR);
  const backupSchema = await projectSchema(options.backupSchema, options.backupDir, backupModules, () =>
    import("../backup-convex/convex/schema"),
  );
  const primaryModules = projectModules(options.primaryDir ?? PRIMARY_DIR);
  const primarySchema = await projectSchema(options.primarySchema, options.primaryDir, primaryModules, () =>
    import("../convex/schema"),
  );
  const backupIo = new IoStats();
  const writeThrottle = new WriteThrottle(options.backupWriteBytesPerSecond ?? null);
  // convex-test types its instance by the schema's tables, which a generic P or B does not name.
  // Its storage URLs name its server, known once it listens.
  let server: ServedDeployment | undefined = undefined;
  const backupT = convexTest({
    schema: backupSchema,
    modules: backupModules.glob,
    transactionLimits: limits,
    onTransactionEnd: (report) => {
      backupIo.record(report);
      if (report.committed) writeThrottle.recordWrite(report.metrics.bytesWritten);
    },
    storage: { baseUrl: () => server!.url, uploadToken: () => server!.storage!.issueToken() },
  }) as unknown as TestConvex<B>;
  server = await serveOverHttp(backupT, {
    modules: backupModules,
    env: backupEnv,
    redactErrors: options.redactErrors ?? true,
    writeThrottle,
    storage: backupT as unknown as StorageDeployment,
  });
  // Convex sets CONVEX_CLOUD_URL in every deployment; the backup binds to it.
  const primaryEnv: DeploymentEnv = { BACKUP_URL: server.url, BACKUP_SECRET: secret, CONVEX_CLOUD_URL: PRIMARY_CLOUD_URL };
  const primaryIo = new IoStats();
  let primaryStorage: ServedStorage | undefined = undefined;
  const primaryT = convexTest({
    schema: primarySchema,
    modules: primaryModules.glob,
    transactionLimits: limits,
    onTransactionEnd: primaryIo.record,
    storage: { baseUrl: () => primaryStorage!.url },
  }) as unknown as TestConvex<P>;
  primaryStorage = await serveStorage(new StorageRoutes(primaryT as unknown as StorageDeployment));
  const storage = primaryStorage;
  return {
    primary: { t: scopeToEnv(primaryT, primaryEnv), env: primaryEnv, modules: primaryModules, io: primaryIo, storage },
    backup: { t: scopeToEnv(backupT, backupEnv), env: backupEnv, modules: backupModules, server, io: backupIo },
    secret,
    restoreSecret,
    close: async () => {
      await server.close();
      await storage.close();
    },
  };
}
