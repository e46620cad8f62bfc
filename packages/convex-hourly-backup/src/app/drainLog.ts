// A change-log run's data path for every table at once: read the documents
// the log names since the cursor (sanitized and hashed inside the primary,
// backupLog.readChanges), send them to the backup by id, then drop the
// drained rows, page after page, saving the cursor on the backup every
// CHECKPOINT_INTERVAL_MS (and with the finished run). Applying a page twice
// changes nothing and a dropped row's changes are in the backup, so a run
// that dies anywhere resumes from the last saved cursor and loses nothing.
import type { ActionCtx } from "./appContext";
import { MAX_CHANGES_PER_BATCH, zeroCounts, type LogCursor, type TableCounts } from "../shared/protocol";
import type { BackupTarget } from "./backupTarget";
import { compareKeys } from "../shared/keys";
import { CHECKPOINT_INTERVAL_MS, type RunLease } from "./syncTable";
import type { RedactionReport } from "./redaction/report";

export type DrainResult = {
  /** Where the log is drained to (the starting cursor when nothing was read). */
  cursor: LogCursor | null;
  /** false: the deadline came first; a continuation goes on from `cursor`. */
  done: boolean;
  /** Per table: scanned = documents read, and what the backup did with them; created = new to the backup. */
  counts: Map<string, TableCounts & { created: number }>;
};

const cursorKey = (cursor: LogCursor | null) => (cursor === null ? "start" : `${cursor.ts}.${cursor.part}.${cursor.offset}`);

export async function drainLog(
  ctx: Pick<ActionCtx, "runQuery" | "runMutation" | "backupFunctions">,
  target: BackupTarget,
  lease: RunLease | null,
  from: LogCursor | null,
  tables: readonly string[],
  deadline: number,
  saveCursor: (cursor: LogCursor) => Promise<void>,
  /** Collects what redaction removed from the documents read. */
  report?: RedactionReport,
): Promise<DrainResult> {
  const counts = new Map(tables.map((table) => [table, { ...zeroCounts(table), created: 0 }]));
  const bytesAtStart = target.bytesSent;
  let cursor = from;
  let lastSaved = Date.now();
  for (;;) {
    const page = await ctx.runQuery(ctx.backupFunctions.readChanges, { after: cursor, tables: [...tables] });
    report?.merge(page.redactions, page.redactionsCapped);
    const pageStart = cursorKey(cursor);
    // A page's tables are applied side by side (they touch disjoint rows on
    // the backup), each table's batches one after another.
    const applyTable = async ({ table, upserts, deletedIds }: (typeof page.tables)[number]) => {
      const c = counts.get(table)!;
      c.scanned += upserts.length + deletedIds.length;
      if (lease === null) {
        // A dry run: what the log names; the backup may already hold some of it.
        c.changed += upserts.length;
        c.deleted += deletedIds.length;
        return;
      }
      // A page's changes to one table go in batches of MAX_CHANGES_PER_BATCH,
      // in key order: each batch then covers its own stretch of the table, and
      // the backup adjusts each stored range digest about once per page.
      upserts = [...upserts].sort(compareKeys);
      for (let at = 0, part = 0; at < upserts.length + deletedIds.length; at += MAX_CHANGES_PER_BATCH, part++) {
        const end = at + MAX_CHANGES_PER_BATCH;
        const batch = {
          upserts: upserts.slice(at, end),
          deletedIds: deletedIds.slice(Math.max(0, at - upserts.length), Math.max(0, end - upserts.length)),
        };
        const batchId = `${lease.holder}:log:${pageStart}:${table}:${part}`;
        const applied = await target.applyChanges({ runId: lease.runId, holder: lease.holder, batchId, table, ...batch });
        c.changed += applied.changed;
        c.deleted += applied.deleted;
        c.docsWritten += applied.docsWritten;
        c.created += applied.created ?? 0;
      }
    };
    const outcomes = await Promise.allSettled(page.tables.map(applyTable));
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    // The cursor stays where it was: the next attempt re-applies the page, which changes nothing twice.
    if (failed !== undefined) throw failed.reason;
    const moved = page.cursor !== null && cursorKey(page.cursor) !== cursorKey(cursor);
    cursor = page.cursor;
    const stopping = page.isDone || Date.now() >= deadline;
    if (moved && lease !== null) {
      // Acknowledged: the rows go. A run that dies before its cursor is saved
      // resumes from an older cursor and finds these rows gone, which is
      // right: the backup holds their changes. The cursor is saved now and
      // then (a crash re-reads at most that much), and before a continuation;
      // a finished drain's cursor is saved with the run (finishRun).
      if (page.drainedRows.length > 0) await ctx.runMutation(ctx.backupFunctions.deleteRows, { ids: page.drainedRows });
      if ((stopping && !page.isDone) || Date.now() - lastSaved >= CHECKPOINT_INTERVAL_MS) {
        await saveCursor(cursor!);
        lastSaved = Date.now();
      }
    }
    if (stopping) {
      // Bytes are counted per request, not per table: shared out by documents read.
      const sent = target.bytesSent - bytesAtStart;
      const read = [...counts.values()].reduce((sum, c) => sum + c.scanned, 0);
      for (const c of counts.values()) c.bytesSent = read === 0 ? 0 : Math.round((sent * c.scanned) / read);
      return { cursor, done: page.isDone, counts };
    }
  }
}

/** Deletes every drained log row up to `through` (the sweep), a bounded batch per mutation. */
export async function dropDrained(ctx: Pick<ActionCtx, "runMutation" | "backupFunctions">, through: LogCursor): Promise<number> {
  let deleted = 0;
  for (;;) {
    const step = await ctx.runMutation(ctx.backupFunctions.dropChanges, { through });
    deleted += step.deleted;
    if (step.done) return deleted;
  }
}
