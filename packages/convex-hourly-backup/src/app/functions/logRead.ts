// Reading the change log in commit order inside one query, counted as Convex
// counts it: every document read (log rows included) by its stored size
// (getConvexSize of the whole document, not of what the backup keeps), every
// document scanned, every index range (each query and each db.get). A page of
// the log stops well inside a query's limits whatever its rows and documents
// look like.
import type { DocumentByName, GenericQueryCtx } from "convex/server";
import { CHANGE_LOG_TABLE, LOG_ROW_MAX_BYTES, type ChangeLogDataModel } from "../changeLog/schema";
import type { LogCursor } from "../../shared/protocol";
import { ReadCount } from "../../shared/readCount";

const MiB = 1024 * 1024;
/** Convex's limits per query, less a margin: 16 MiB read, 32,000 documents scanned, 4,096 index ranges. */
const READ_CEILING = 15 * MiB;
const SCANNED_CEILING = 30_000;
const RANGE_CEILING = 4_000;
/** A Convex document is at most 1 MiB. */
const MAX_DOCUMENT_BYTES = MiB;
/** Index ranges kept for the queries of one more chunk of rows (rowsAfter makes up to three). */
const RANGES_PER_CHUNK = 3;

export type LogRow = DocumentByName<ChangeLogDataModel, typeof CHANGE_LOG_TABLE>;
type Ctx = GenericQueryCtx<ChangeLogDataModel>;

/** A committed row's timestamp (only the writing mutation itself sees the placeholder). */
export const tsOf = (row: LogRow) => row.ts as bigint;

/** What one query has read so far, and whether a page has room for more. */
export class ReadBudget extends ReadCount {
  /** Room for one more db.get, of a document of any size, and for one more chunk's queries after it. */
  roomForDocument(): boolean {
    return this.bytes + MAX_DOCUMENT_BYTES <= READ_CEILING && this.docs < SCANNED_CEILING && this.ranges + 1 + RANGES_PER_CHUNK <= RANGE_CEILING;
  }

  /** Log rows of the largest size that can be read and still leave room for one document. */
  rowsThatFit(): number {
    if (this.ranges + RANGES_PER_CHUNK + 1 > RANGE_CEILING) return 0;
    const bytes = Math.floor((READ_CEILING - MAX_DOCUMENT_BYTES - this.bytes) / LOG_ROW_MAX_BYTES);
    return Math.max(0, Math.min(bytes, SCANNED_CEILING - this.docs - 1));
  }
}

/**
 * Log rows after `cursor` in commit order, the cursor's own row first when it
 * is not drained yet. The cursor may name no row: a snapshot timestamp
 * (logEnd) at which no row exists, or a row already deleted.
 */
export async function rowsAfter(ctx: Ctx, budget: ReadBudget, cursor: LogCursor | null, limit: number): Promise<LogRow[]> {
  if (cursor === null) return taken(budget, ctx.db.query(CHANGE_LOG_TABLE).withIndex("by_ts").take(limit));
  const own = await ctx.db
    .query(CHANGE_LOG_TABLE)
    .withIndex("by_ts", (q) => q.eq("ts", cursor.ts).eq("part", cursor.part))
    .first();
  budget.read(own);
  const first = own !== null && cursor.offset < own.ids.length ? [own] : [];
  return [...first, ...(await rowsPast(ctx, budget, cursor.ts, cursor.part, limit - first.length))];
}

/** Log rows after the row (ts, part), in commit order: the next chunk of a page. */
export function rowsAfterRow(ctx: Ctx, budget: ReadBudget, row: LogRow, limit: number): Promise<LogRow[]> {
  return rowsPast(ctx, budget, tsOf(row), row.part, limit);
}

/** Up to `limit` rows after the key (ts, part): the rest of that timestamp's rows, then later ones. */
async function rowsPast(ctx: Ctx, budget: ReadBudget, ts: bigint, part: number, limit: number): Promise<LogRow[]> {
  const log = () => ctx.db.query(CHANGE_LOG_TABLE);
  if (limit <= 0) return [];
  const rows = await taken(budget, log().withIndex("by_ts", (q) => q.eq("ts", ts).gt("part", part)).take(limit));
  if (rows.length < limit) rows.push(...(await taken(budget, log().withIndex("by_ts", (q) => q.gt("ts", ts)).take(limit - rows.length))));
  return rows;
}

async function taken(budget: ReadBudget, query: Promise<LogRow[]>): Promise<LogRow[]> {
  const rows = await query;
  budget.read(...rows);
  return rows;
}
