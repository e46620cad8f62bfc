// A table as consecutive key ranges, one per page of the primary, that tile
// the whole key space from a starting point: (after, upTo], the last one
// open-ended. A document deleted between two reads still falls in exactly one
// range, so comparing range by range misses nothing. Used by backup runs and
// by verify.
import type { ActionCtx } from "./appContext";
import type { DocKey, KeyRange } from "../shared/keys";
import type { DocEntry, RedactedPath } from "../shared/protocol";
import { PageReader } from "./pageReader";

export type TableRange = {
  range: KeyRange;
  entries: DocEntry[];
  /** Where the next page starts: saved in checkpoints. */
  cursor: string;
  isDone: boolean;
  /** What redaction removed from the page's documents (readPage). */
  redactions: RedactedPath[];
  redactionsCapped: string[];
};

export async function* tableRanges(
  ctx: Pick<ActionCtx, "runQuery" | "backupFunctions">,
  table: string,
  start: { cursor: string | null; after: DocKey | null } = { cursor: null, after: null },
): AsyncGenerator<TableRange> {
  const reader = new PageReader(ctx, table);
  let { cursor, after } = start;
  for (;;) {
    const page = await reader.read(cursor);
    cursor = page.continueCursor;
    const last = page.entries.at(-1);
    // An empty page that is not the last adds nothing: its range joins the next one.
    if (last !== undefined || page.isDone) {
      const upTo = page.isDone || last === undefined ? null : { creationTime: last.creationTime, id: last.id };
      yield { range: { after, upTo }, entries: page.entries, cursor, isDone: page.isDone, redactions: page.redactions, redactionsCapped: page.redactionsCapped };
      after = upTo;
    }
    if (page.isDone) return;
  }
}
