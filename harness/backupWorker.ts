// Runs inside a worker thread (loaded through backupWorkerBootstrap.mjs): the
// backup deployment, a convex-test instance of backup-convex/ served over
// loopback HTTP, in its own V8 isolate and heap. The main thread then holds
// only the primary deployment and its backup action, so its heap can be
// measured as the action's (tests/memory.test.ts).
//
// Protocol (harness/workerBackup.ts is the other side):
//   worker -> parent  { type: "ready", url } once serving, or { type: "failed", message }
//   parent -> worker  { id, op: "setLatency", ms } | { id, op: "stats" } | { id, op: "resetStats" }
//                     | { id, op: "heap" } | { id, op: "close" }
//   worker -> parent  { id, ok: true, value } or { id, ok: false, message }
// envScope is imported first: Convex modules read process.env through it.
import "./envScope";
import { parentPort, workerData } from "node:worker_threads";
import { memoryUsage } from "node:process";
import { convexTest } from "convex-test";
import backupSchema from "../packages/convex-hourly-backup/src/backup/schema";
import { serveOverHttp, type ServedDeployment } from "./convexHttpServer";
import type { StorageDeployment } from "./storageServer";
import { projectModules } from "./modules";
import { exposedGc } from "../bench/heapSampler";

export type BackupWorkerData = {
  secret: string;
  restoreSecret: string;
  redactErrors: boolean;
  transactionLimits: boolean;
  /** The backup's functions directory (harness/deployments.ts BACKUP_DIR). */
  backupDir: string;
};

export type BackupWorkerRequest =
  | { id: number; op: "setLatency"; ms: number }
  | { id: number; op: "stats" }
  | { id: number; op: "resetStats" }
  | { id: number; op: "heap" }
  | { id: number; op: "close" };

export type BackupWorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

export type BackupWorkerEvent = { type: "ready"; url: string } | { type: "failed"; message: string };

/** This worker's own heap: after a collection, in use. */
function heapAfterGc(): { heapUsedBytes: number; arrayBuffersBytes: number } {
  const gc = exposedGc();
  gc?.();
  const usage = memoryUsage();
  return { heapUsedBytes: usage.heapUsed, arrayBuffersBytes: usage.arrayBuffers };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error("backupWorker.ts runs only as a worker thread.");
  const data = workerData as BackupWorkerData;
  let server: ServedDeployment;
  try {
    const modules = projectModules(data.backupDir);
    // Its files and upload URLs are served by its own server, as Convex serves them.
    let served: ServedDeployment | undefined = undefined;
    const t = convexTest({
      schema: backupSchema,
      modules: modules.glob,
      transactionLimits: data.transactionLimits,
      storage: { baseUrl: () => served!.url, uploadToken: () => served!.storage!.issueToken() },
    });
    server = served = await serveOverHttp(t, {
      storage: t as unknown as StorageDeployment,
      modules,
      env: { BACKUP_SECRET: data.secret, BACKUP_RESTORE_SECRET: data.restoreSecret },
      redactErrors: data.redactErrors,
    });
  } catch (error) {
    port.postMessage({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies BackupWorkerEvent);
    return;
  }
  port.on("message", (request: BackupWorkerRequest) => {
    const answer = async (): Promise<unknown> => {
      switch (request.op) {
        case "setLatency":
          server.setLatency(request.ms);
          return null;
        case "stats":
          return server.stats;
        case "resetStats":
          server.resetStats();
          return null;
        case "heap":
          return heapAfterGc();
        case "close":
          // The parent terminates the thread once this is answered.
          await server.close();
          return null;
      }
    };
    answer().then(
      (value) => port.postMessage({ id: request.id, ok: true, value } satisfies BackupWorkerReply),
      (error: unknown) => port.postMessage({ id: request.id, ok: false, message: String(error) } satisfies BackupWorkerReply),
    );
  });
  port.postMessage({ type: "ready", url: server.url } satisfies BackupWorkerEvent);
}

await main();
