// Entry point of the worker thread that serves the backup deployment
// (harness/workerBackup.ts starts it). A worker is plain Node: it cannot load
// TypeScript by itself, and Vitest's transform does not reach it. tsx's loader
// is registered for this thread first; then the TypeScript module runs.
import { register } from "tsx/esm/api";

register();
await import("./backupWorker.ts");
