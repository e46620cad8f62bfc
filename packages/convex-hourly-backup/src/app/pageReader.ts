// Reads a table page after page through readPage, shrinking the
// page to what fits when its JSON would be too large and growing it back
// afterwards, so tables of large or escape-heavy documents still make progress.
// A page is read with its documents' JSON, or with keys and hashes only
// (a reconciliation's page waiting for its diff); documentsWithJson then reads
// the JSON of the few documents that are to be sent (readDocs).
import type { Infer } from "convex/values";
import type { ActionCtx } from "./appContext";
import { PAGE_MAX_DOCS, type CreatedWindow, type vEntryKey, type vPage } from "./functions/readPage";
import type { DocEntry } from "../shared/protocol";

/** A page's document: key and hash, and its JSON when the page was read with it. */
export type PageEntry = Infer<typeof vEntryKey> & { json?: string };

export type Page = Omit<Infer<typeof vPage>, "tooLarge" | "fits" | "keys" | "entries"> & { entries: PageEntry[] };

type Reader = Pick<ActionCtx, "runQuery" | "backupFunctions">;

export class PageReader {
  private maxDocs = PAGE_MAX_DOCS;

  constructor(
    private readonly ctx: Reader,
    private readonly table: string,
    /** Only documents created in this window (the new-documents check). */
    private readonly created?: CreatedWindow,
  ) {}

  async read(cursor: string | null, json: boolean): Promise<Page> {
    for (;;) {
      const page = await this.ctx.runQuery(this.ctx.backupFunctions.readPage, {
        table: this.table,
        cursor,
        maxDocs: this.maxDocs,
        ...(json ? {} : { json: false }),
        ...(this.created === undefined ? {} : { created: this.created }),
      });
      if (!page.tooLarge) {
        this.maxDocs = Math.min(PAGE_MAX_DOCS, this.maxDocs * 2);
        const { continueCursor, isDone, requestBytes, redactions, redactionsCapped } = page;
        return { entries: json ? page.entries : (page.keys ?? []), continueCursor, isDone, requestBytes, redactions, redactionsCapped };
      }
      this.maxDocs = page.fits;
    }
  }
}

/** Whether every entry carries its JSON (a page read with it). */
export function withJson(entries: readonly PageEntry[]): entries is DocEntry[] {
  return entries.every((entry) => entry.json !== undefined);
}

/** A document read again is gone or no longer what its page held: the page's range must be read again. */
export class PageChanged extends Error {
  constructor(table: string) {
    super(`${table}: a document changed since its page was read`);
  }
}

/**
 * `entries` with their JSON, read by id where the page had none (readDocs,
 * bounded like a page: several calls when they are large). Throws
 * PageChanged when one is gone or hashes otherwise than in the page.
 */
export async function documentsWithJson(ctx: Reader, table: string, entries: readonly PageEntry[]): Promise<DocEntry[]> {
  const read = new Map<string, DocEntry>();
  let rest = entries.filter((entry) => entry.json === undefined);
  while (rest.length > 0) {
    const ids = rest.slice(0, PAGE_MAX_DOCS).map((entry) => entry.id);
    const { docs } = await ctx.runQuery(ctx.backupFunctions.readDocs, { table, ids }).catch((error: unknown) => {
      if (!isMissingReadDocs(error)) throw error;
      warnMissingReadDocs(ctx);
      // The range is read again whole, with JSON, as before readDocs existed.
      throw new PageChanged(table);
    });
    if (docs.length === 0) throw new Error(`${table}: readDocs answered no document`);
    docs.forEach((doc, i) => {
      if (doc === null || doc.hash !== rest[i]!.hash) throw new PageChanged(table);
      read.set(doc.id, doc);
    });
    rest = rest.slice(docs.length);
  }
  return entries.map((entry) => (entry.json !== undefined ? (entry as DocEntry) : read.get(entry.id)!));
}

// An app upgraded from 0.2 whose convex/backup.ts does not export readDocs
// yet: its scans still work (changed pages are read again whole), and say so.
const warned = new WeakSet<object>();

function isMissingReadDocs(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes("readDocs") && /could not find|no such export/i.test(message);
}

function warnMissingReadDocs(ctx: object): void {
  if (warned.has(ctx)) return;
  warned.add(ctx);
  console.warn(
    "[backup] readDocs is not exported by your convex/backup.ts: add it to the names exported from defineBackup " +
      "(README: Add it to your app). Until then a reconciliation reads each changed page twice.",
  );
}
