// What the restore command (`npx convex-hourly-backup restore`) reads: a restore point (a completed run) and, page
// by page, the documents each table held at it. Public queries guarded by
// the shared secret; nothing here writes. Pages of a point retention starts
// pruning may come back short: the restore asks for the point again once it
// has read everything and fails whole unless it is still completed.
import { lackingFilesOf } from "../shared/files";
import { query } from "./_generated/server";
import { requireRestoreAccess } from "./lib/auth";
import { validateTableName } from "./lib/validateBatch";
import { droppedTables, findRestorePoint, isWhole, missingTables, restoreTables } from "./lib/restorePoint";
import { readRestorePage } from "./lib/restorePage";
import { checkIds, readDocumentsAt } from "./lib/restoreDocuments";
import { readSchema } from "./lib/runRecords";
import { pointHolds } from "../shared/pointHolds";
import {
  getRestorePointArgs,
  getSchemaArgs,
  readDocumentsArgs,
  readRestorePageArgs,
  vDocumentsRead,
  vRestorePage,
  vRestorePoint,
  vStoredSchema,
} from "./lib/restoreProtocol";

export const getRestorePoint = query({
  args: getRestorePointArgs,
  returns: vRestorePoint,
  handler: async (ctx, { secret, selector }) => {
    await requireRestoreAccess(secret);
    const run = await findRestorePoint(ctx.db, selector);
    return {
      runId: run._id,
      seq: run.seq,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt ?? null,
      tables: await restoreTables(ctx.db, run),
      missingTables: missingTables(run),
      droppedTables: await droppedTables(ctx.db, run),
      whole: isWhole(run),
      schemaHash: run.schemaHash ?? null,
      redactions: run.redactions ?? [],
      // How the point was made, per table (a full reconciliation, or the change log with its verification time).
      holds: pointHolds(run.log, run.startedAt, run.tables.map((t) => t.table)),
      ...lackingFilesField(run.tables),
      ...(run.label === undefined ? {} : { label: run.label }),
      ...(run.pinned === true ? { pinned: true } : {}),
    };
  },
});

/** The primary's schema as a run stored it (getRestorePoint's schemaHash): what the restore checks documents against. */
export const getSchema = query({
  args: getSchemaArgs,
  returns: vStoredSchema,
  handler: async (ctx, { secret, hash }) => {
    await requireRestoreAccess(secret);
    return await readSchema(ctx.db, hash);
  },
});

export const readPage = query({
  args: readRestorePageArgs,
  returns: vRestorePage,
  handler: async (ctx, { secret, seq, table, cursor, numItems }) => {
    await requireRestoreAccess(secret);
    validateTableName(table);
    return await readRestorePage(ctx.db, { seq, table, cursor, numItems });
  },
});

/** A few documents as the restore point `seq` held them (restore --ids), at most MAX_DOCUMENT_IDS per call. */
export const readDocuments = query({
  args: readDocumentsArgs,
  returns: vDocumentsRead,
  handler: async (ctx, { secret, seq, table, ids }) => {
    await requireRestoreAccess(secret);
    validateTableName(table);
    checkIds(ids);
    return await readDocumentsAt(ctx.db, { seq, table, ids });
  },
});

/** The point's lackingFiles field, absent when it lacks none. */
function lackingFilesField(tables: Parameters<typeof lackingFilesOf>[0]) {
  const lacking = lackingFilesOf(tables);
  return lacking === null ? {} : { lackingFiles: lacking };
}
