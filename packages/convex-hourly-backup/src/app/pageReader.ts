// Reads a table page after page through readPage, shrinking the
// page to what fits when its JSON would be too large and growing it back
// afterwards, so tables of large or escape-heavy documents still make progress.
import type { Infer } from "convex/values";
import type { ActionCtx } from "./appContext";
import { PAGE_MAX_DOCS, type vPage } from "./functions/readPage";

export type Page = Omit<Infer<typeof vPage>, "tooLarge" | "fits">;

export class PageReader {
  private maxDocs = PAGE_MAX_DOCS;

  constructor(
    private readonly ctx: Pick<ActionCtx, "runQuery" | "backupFunctions">,
    private readonly table: string,
  ) {}

  async read(cursor: string | null): Promise<Page> {
    for (;;) {
      const page = await this.ctx.runQuery(this.ctx.backupFunctions.readPage, {
        table: this.table,
        cursor,
        maxDocs: this.maxDocs,
      });
      if (!page.tooLarge) {
        this.maxDocs = Math.min(PAGE_MAX_DOCS, this.maxDocs * 2);
        const { entries, continueCursor, isDone, redactions, redactionsCapped } = page;
        return { entries, continueCursor, isDone, redactions, redactionsCapped };
      }
      this.maxDocs = page.fits;
    }
  }
}
