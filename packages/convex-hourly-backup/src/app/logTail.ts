// The change log past a run's drain: what the wrapped mutations wrote while
// the run compared tables. A verification slice or a reconciliation that
// reads a document such a mutation changed after the drain finds it differing
// from the backup; the log names it (the next run drains it), so it is no
// write the log missed. Read only when a comparison found differences, with
// the drain's own query (readChanges), from the drain's cursor on: the rows
// of a document's write commit with it, so a difference read before the tail
// is read again is always explained by it.
import type { ActionCtx } from "./appContext";
import type { LogCursor } from "../shared/protocol";
import { idTag } from "../shared/digest";

/** Pages of the tail read at most per run (each up to 8 MiB of the documents written meanwhile): past them, a difference counts as missed (an alert too many, never one too few). */
const MAX_TAIL_PAGES = 5;

/** Ids kept per comparison: past them a difference counts as missed (the bound keeps a run's memory small). */
const MAX_DIFFERENCES = 50_000;

/** What a comparison repaired in a table: the ids it sent, the id tags it deleted. */
export type Differences = { ids: string[]; idTags: string[] };

export class LogTail {
  private cursor: LogCursor;
  private pagesRead = 0;
  private readonly named = new Map<string, { ids: Set<string>; tags: Set<string> }>();

  constructor(
    private readonly ctx: Pick<ActionCtx, "runQuery" | "backupFunctions">,
    drainedTo: LogCursor,
    private readonly tables: readonly string[],
  ) {
    this.cursor = drainedTo;
  }

  /** How many of `differences` the log named after the drain (at most all of them). */
  async explained(table: string, differences: Differences): Promise<number> {
    if (differences.ids.length + differences.idTags.length === 0) return 0;
    await this.readOn();
    const named = this.named.get(table);
    if (named === undefined) return 0;
    return differences.ids.filter((id) => named.ids.has(id)).length + differences.idTags.filter((tag) => named.tags.has(tag)).length;
  }

  /** Reads the rows committed since the last read (to the log's end, or MAX_TAIL_PAGES pages in all). */
  private async readOn(): Promise<void> {
    for (let done = false; !done && this.pagesRead < MAX_TAIL_PAGES; ) {
      const page = await this.ctx.runQuery(this.ctx.backupFunctions.readChanges, { after: this.cursor, tables: [...this.tables] });
      this.pagesRead += 1;
      for (const { table, upserts, deletedIds } of page.tables) {
        const named = this.named.get(table) ?? { ids: new Set<string>(), tags: new Set<string>() };
        this.named.set(table, named);
        for (const id of [...upserts.map((u) => u.id), ...deletedIds]) {
          named.ids.add(id);
          named.tags.add(idTag(id));
        }
      }
      if (page.cursor !== null) this.cursor = page.cursor;
      done = page.isDone;
    }
  }
}

/** Collects what one comparison of a table repaired (syncTable's `differed`), up to MAX_DIFFERENCES. */
export function differencesCollector(): { differences: Differences; differed: (ids: string[], idTags: string[]) => void } {
  const differences: Differences = { ids: [], idTags: [] };
  return {
    differences,
    differed: (ids, idTags) => {
      const room = () => MAX_DIFFERENCES - differences.ids.length - differences.idTags.length;
      differences.ids.push(...ids.slice(0, Math.max(0, room())));
      differences.idTags.push(...idTags.slice(0, Math.max(0, room())));
    },
  };
}
