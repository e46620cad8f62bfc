// The two deployments with the backup in a worker thread: its convex-test
// instance and HTTP server run in their own V8 isolate (own heap), the
// primary and its backup action in this thread. What this thread's heap holds
// during a run is then the primary's data plus the action, not the backup's
// handling of the same requests, so a test can measure the action's memory
// (tests/memory.test.ts). The backup is reached only over HTTP, as a real one:
// its URL with ConvexHttpClient or writeRestoreZip, its traffic through
// `backup.stats()`. close() stops the server and terminates the worker.
import { Worker } from "node:worker_threads";
import { convexTest, type TestConvex } from "convex-test";
import primarySchema from "../convex/schema";
import type { DeploymentEnv } from "./envScope";
import { BACKUP_DIR, PRIMARY_CLOUD_URL, PRIMARY_DIR, randomSecret, scopeToEnv, type StartOptions } from "./deployments";
import { projectModules, type ModuleMap } from "./modules";
import type { TrafficStats } from "./convexHttpServer";
import { serveStorage, StorageRoutes, type ServedStorage, type StorageDeployment } from "./storageServer";
import type {
  BackupWorkerData,
  BackupWorkerEvent,
  BackupWorkerReply,
  BackupWorkerRequest,
} from "./backupWorker";

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** The backup deployment, served from a worker thread. */
export type WorkerBackup = {
  url: string;
  env: DeploymentEnv;
  /** Added before every reply of the backup's server. */
  setLatency(ms: number): Promise<void>;
  stats(): Promise<TrafficStats>;
  resetStats(): Promise<void>;
  /** The worker's own heap after a collection (its isolate, not this thread's). */
  heap(): Promise<{ heapUsedBytes: number; arrayBuffersBytes: number }>;
  close(): Promise<void>;
};

/** `storage`: the server of the primary's files, in this thread. */
export type WorkerPrimary = { t: TestConvex<typeof primarySchema>; env: DeploymentEnv; modules: ModuleMap; storage: ServedStorage };

export type WorkerDeployments = {
  primary: WorkerPrimary;
  backup: WorkerBackup;
  secret: string;
  restoreSecret: string;
  close(): Promise<void>;
};

/** As startDeployments' options, but for the write throttle (the worker's server has none). */
export type WorkerStartOptions = Pick<StartOptions, "secret" | "redactErrors" | "transactionLimits">;

const BOOTSTRAP = new URL("./backupWorkerBootstrap.mjs", import.meta.url);

/** Starts the backup deployment in a worker thread; resolves once it serves. */
export async function startBackupWorker(
  options: { secret: string; restoreSecret: string } & Omit<WorkerStartOptions, "secret">,
): Promise<WorkerBackup> {
  const data: BackupWorkerData = {
    secret: options.secret,
    restoreSecret: options.restoreSecret,
    redactErrors: options.redactErrors ?? true,
    transactionLimits: options.transactionLimits ?? true,
    backupDir: BACKUP_DIR,
  };
  // process.env is copied into the worker by default; the backup's own
  // variables (BACKUP_SECRET) are scoped per call inside it, as here.
  // The worker is plain Node, outside Vitest's resolver: without the source
  // condition, backup-convex's re-exports of convex-hourly-backup/backup/*
  // would load the package's built dist/ (absent in a fresh clone, rebuilt
  // by tests/install.test.ts's npm pack while other tests run).
  const worker = new Worker(BOOTSTRAP, {
    workerData: data,
    execArgv: [...process.execArgv, "--conditions=convex-hourly-backup-source"],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let exited: Error | null = null;
  const failAll = (error: Error) => {
    exited = error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const url = await new Promise<string>((resolve, reject) => {
    worker.on("message", (message: BackupWorkerEvent | BackupWorkerReply) => {
      if ("type" in message) {
        if (message.type === "ready") resolve(message.url);
        else reject(new Error(`The backup worker failed to start: ${message.message}`));
        return;
      }
      const waiter = pending.get(message.id);
      if (waiter === undefined) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`Backup worker: ${message.message}`));
    });
    worker.on("error", (error) => {
      failAll(error);
      reject(error);
    });
    worker.on("exit", (code) => {
      const error = new Error(`The backup worker exited (code ${code}).`);
      failAll(error);
      reject(error);
    });
  });
  const call = <T>(request: WithoutId<BackupWorkerRequest>): Promise<T> => {
    if (exited !== null) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };
  let closed: Promise<void> | null = null;
  return {
    url,
    env: { BACKUP_SECRET: options.secret, BACKUP_RESTORE_SECRET: options.restoreSecret },
    setLatency: (ms) => call({ op: "setLatency", ms }),
    stats: () => call({ op: "stats" }),
    resetStats: () => call({ op: "resetStats" }),
    heap: () => call({ op: "heap" }),
    close: () =>
      (closed ??= (async () => {
        if (exited === null) await call({ op: "close" }).catch(() => undefined);
        await worker.terminate();
      })()),
  };
}

/** startDeployments' pair, with the backup deployment in a worker thread. */
export async function startDeploymentsWithWorkerBackup(options: WorkerStartOptions = {}): Promise<WorkerDeployments> {
  const secret = options.secret ?? randomSecret();
  const limits = options.transactionLimits ?? true;
  const restoreSecret = randomSecret();
  const backup = await startBackupWorker({ ...options, secret, restoreSecret });
  const primaryEnv: DeploymentEnv = { BACKUP_URL: backup.url, BACKUP_SECRET: secret, CONVEX_CLOUD_URL: PRIMARY_CLOUD_URL };
  const primaryModules = projectModules(PRIMARY_DIR);
  let storage: ServedStorage | undefined = undefined;
  const primaryT = convexTest({
    schema: primarySchema,
    modules: primaryModules.glob,
    transactionLimits: limits,
    storage: { baseUrl: () => storage!.url },
  });
  storage = await serveStorage(new StorageRoutes(primaryT as unknown as StorageDeployment));
  const primaryStorage = storage;
  return {
    primary: { t: scopeToEnv(primaryT, primaryEnv), env: primaryEnv, modules: primaryModules, storage: primaryStorage },
    backup,
    secret,
    restoreSecret,
    close: async () => {
      await backup.close();
      await primaryStorage.close();
    },
  };
}
