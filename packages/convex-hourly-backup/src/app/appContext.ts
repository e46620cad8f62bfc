// What the library's code needs of the app's action context: the action
// context itself (the app's data model is unknown here) and references to
// the functions defineBackup made, wherever the app exported them.
import { makeFunctionReference, type FunctionReference, type GenericActionCtx, type GenericDataModel } from "convex/server";
import type { GenericId, Infer } from "convex/values";
import type { LogCursor } from "../shared/protocol";
import type { CreatedWindow, vPage } from "./functions/readPage";
import type { vDocsRead } from "./functions/readDocs";
import type { vChangesPage } from "./functions/changeLog";

type InternalQuery<Args extends Record<string, unknown>, Returns> = FunctionReference<"query", "internal", Args, Returns>;
type InternalMutation<Args extends Record<string, unknown>, Returns> = FunctionReference<"mutation", "internal", Args, Returns>;
type InternalAction<Args extends Record<string, unknown>, Returns> = FunctionReference<"action", "internal", Args, Returns>;

export type BackupFunctionRefs = {
  runNow: InternalAction<{ maxDurationMs?: number }, unknown>;
  readPage: InternalQuery<
    { table: string; cursor: string | null; maxDocs?: number; json?: boolean; created?: CreatedWindow },
    Infer<typeof vPage>
  >;
  readDocs: InternalQuery<{ table: string; ids: string[] }, Infer<typeof vDocsRead>>;
  readChanges: InternalQuery<{ after: LogCursor | null; tables: string[] }, Infer<typeof vChangesPage>>;
  logEnd: InternalQuery<Record<string, never>, LogCursor | null>;
  deleteRows: InternalMutation<{ ids: GenericId<"backupChanges">[] }, null>;
  dropChanges: InternalMutation<{ through: LogCursor }, { deleted: number; done: boolean }>;
};

/** References to the functions defineBackup returned, exported from the app's module `module` ("backup": convex/backup.ts). */
export function backupFunctionRefs(module: string): BackupFunctionRefs {
  const ref = (name: string) => makeFunctionReference(`${module}:${name}`) as never;
  return {
    runNow: ref("runNow"),
    readPage: ref("readPage"),
    readDocs: ref("readDocs"),
    readChanges: ref("readChanges"),
    logEnd: ref("logEnd"),
    deleteRows: ref("deleteRows"),
    dropChanges: ref("dropChanges"),
  };
}

/** An app action's context, with where the backup's own functions are. */
export type ActionCtx = GenericActionCtx<GenericDataModel> & { backupFunctions: BackupFunctionRefs };
