// Restore points: only a completed run is one. A selector names the newest,
// a run id, or the newest completed run that started at or before a time.
import { ConvexError } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { ERROR_CODES } from "../../../shared/protocol";
import type { RestoreTable, RunSelector } from "./restoreProtocol";

function notFound(message: string): never {
  throw new ConvexError({ code: ERROR_CODES.runNotFound, message });
}

/** The completed run the selector names, or a RUN_NOT_FOUND / RUN_NOT_COMPLETED ConvexError. */
export async function findRestorePoint(db: DatabaseReader, selector: RunSelector): Promise<Doc<"runs">> {
  const completed = () =>
    db
      .query("runs")
      .withIndex("by_status", (q) => q.eq("status", "completed"))
      .order("desc");
  switch (selector.kind) {
    case "latest": {
      const run = await completed().first();
      return run ?? notFound("The backup holds no completed run yet: run backup:runNow on the primary first.");
    }
    case "atOrBefore": {
      // Newest first; runs start in seq order, so the first one at or before the time is the answer.
      for await (const run of completed()) {
        if (run.startedAt <= selector.time) return run;
      }
      return notFound(`No completed run started at or before ${new Date(selector.time).toISOString()}.`);
    }
    case "runId": {
      const id: Id<"runs"> | null = db.normalizeId("runs", selector.runId);
      const run = id === null ? null : await db.get("runs", id);
      if (run === null) return notFound("No run has this id in the backup deployment.");
      if (run.status !== "completed") {
        throw new ConvexError({
          code: ERROR_CODES.runNotCompleted,
          message: `Run ${run.seq} is ${run.status}, not completed: only a completed run is a restore point.`,
        });
      }
      return run;
    }
  }
}

/** The tables a run backed up, with their recorded counts and one stored id each (one index range per table). */
export async function restoreTables(db: DatabaseReader, run: Doc<"runs">): Promise<RestoreTable[]> {
  const tables: RestoreTable[] = [];
  for (const counts of run.tables) {
    const sample = await db
      .query("versions")
      .withIndex("by_key", (q) => q.eq("table", counts.table))
      .first();
    tables.push({ table: counts.table, documents: counts.scanned, sampleId: sample?.docId ?? null });
  }
  return tables;
}
