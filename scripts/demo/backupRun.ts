// One backup run as the demo drives it: backup:runNow on the primary, with
// the loopback servers' traffic counted from zero (the backup's, and the
// primary's file storage) and the action's console output collected, so the
// figures and log lines print under their run.
import { inspect } from "node:util";
import { internal } from "../../convex/_generated/api";
import type { RunSummary } from "convex-hourly-backup";
import type { BackupDeployment, PrimaryDeployment } from "../../harness/deployments";
import type { TrafficStats } from "../../harness/convexHttpServer";
import type { StorageTraffic } from "../../harness/storageServer";

/** `downloads`: what the primary's storage served (the files the action copied). */
export type BackupRun = { summary: RunSummary; stats: TrafficStats; downloads: StorageTraffic; logLines: string[]; wallMs: number };

/** Runs fn with console output collected, so the action's log lines print under their run. */
async function collectConsole<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const collect = (...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === "string" ? a : inspect(a))).join(" "));
  };
  Object.assign(console, { log: collect, info: collect, warn: collect, error: collect });
  try {
    return { result: await fn(), lines };
  } catch (error) {
    Object.assign(console, saved);
    for (const line of lines) console.error(`    ${line}`);
    throw error;
  } finally {
    Object.assign(console, saved);
  }
}

export async function runBackup(primary: PrimaryDeployment, backup: BackupDeployment): Promise<BackupRun> {
  backup.server.resetStats();
  primary.storage.routes.resetTraffic();
  const started = performance.now();
  const { result, lines } = await collectConsole(() => primary.t.action(internal.backup.runNow, {}));
  const stats = backup.server.stats;
  return {
    summary: result,
    stats: { ...stats, byPath: { ...stats.byPath }, storage: { ...stats.storage } },
    downloads: { ...primary.storage.traffic },
    logLines: lines,
    wallMs: performance.now() - started,
  };
}
