// A table as consecutive key ranges, one per page of the primary, that tile
// the whole key space from a starting point: (after, upTo], the last one
// open-ended. A document deleted between two reads still falls in exactly one
// range, so comparing range by range misses nothing. Used by backup runs and
// by verify. Pages come with keys and hashes only unless `json` asks for the
// documents' JSON (what a run sends); `until` stops at the end of one earlier
// range, to read it again (its last range then ends exactly there).
import type { ActionCtx } from "./appContext";
import { compareKeys, type DocKey, type KeyRange } from "../shared/keys";
import type { RedactedPath } from "../shared/protocol";
import { PageReader, type PageEntry } from "./pageReader";
import type { CreatedWindow } from "./functions/readPage";

export type TableRange = {
  range: KeyRange;
  entries: PageEntry[];
  /** The cursor the range's first page was read from: reading from it again gives the range again. */
  startCursor: string | null;
  /** Where the next page starts: saved in checkpoints. */
  cursor: string;
  isDone: boolean;
  /** What the entries weigh as a request body with their JSON (read or not). */
  requestBytes: number;
  /** What redaction removed from the page's documents (readPage). */
  redactions: RedactedPath[];
  redactionsCapped: string[];
};

export type RangeOptions = {
  /** Read the next page with its documents' JSON? Asked before each page. Default: never. */
  json?: () => boolean;
  /** The end of the ranges read (inclusive); null or absent: the end of the table. */
  until?: DocKey | null;
  /** Only documents created in this window (the new-documents check); `until` should end it. */
  created?: CreatedWindow;
  /**
   * Stop at the end of the page that reaches this many documents (a verification
   * slice): not done; the next call goes on from its cursor. Whole pages keep a
   * slice's ranges those of the scan and of the previous pass, which the backup
   * stored digests for: each compares with one stored digest, and the stored
   * ranges do not break into smaller ones (each a row a later change adjusts).
   */
  minDocs?: number;
};

const keyOf = (entry: PageEntry): DocKey => ({ creationTime: entry.creationTime, id: entry.id });

export async function* tableRanges(
  ctx: Pick<ActionCtx, "runQuery" | "backupFunctions">,
  table: string,
  start: { cursor: string | null; after: DocKey | null } = { cursor: null, after: null },
  options: RangeOptions = {},
): AsyncGenerator<TableRange> {
  const reader = new PageReader(ctx, table, options.created);
  const until = options.until ?? null;
  let { cursor, after } = start;
  let startCursor = cursor;
  let left = options.minDocs ?? Infinity;
  for (;;) {
    const page = await reader.read(cursor, options.json?.() ?? false);
    cursor = page.continueCursor;
    let { entries, isDone } = page;
    if (until !== null) {
      // Past the end asked for: keep what is inside, and stop.
      const inside = entries.filter((entry) => compareKeys(keyOf(entry), until) <= 0);
      const last = inside.at(-1);
      if (inside.length < entries.length || (last !== undefined && compareKeys(keyOf(last), until) === 0)) {
        entries = inside;
        isDone = true;
      }
    }
    const last = entries.at(-1);
    // An empty page that is not the last adds nothing: its range joins the next one.
    if (last !== undefined || isDone) {
      const upTo = isDone ? until : keyOf(last!);
      yield { range: { after, upTo }, entries, startCursor, cursor, isDone, requestBytes: page.requestBytes, redactions: page.redactions, redactionsCapped: page.redactionsCapped };
      after = upTo;
      startCursor = cursor;
    }
    if (isDone) return;
    left -= entries.length;
    if (left <= 0) return;
  }
}
