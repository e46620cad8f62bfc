// A restore point's tables, page by page, checked and written as export
// lines into a sink: the ZIP (writeRestoreZip), or nowhere for a dry run,
// which thereby reads and checks exactly what the restore would.
import type { RestorePage, RestorePoint, RestoreTable } from "../../backup/lib/restoreProtocol";
import { MAX_VERSIONS_PER_PAGE } from "../../backup/lib/restorePage";
import type { TableNumbering } from "./documentIds";
import { formatEncodedJson } from "./exportJson";
import { RestoreError, type RestoreSource } from "./restoreSource";
import type { SchemaCheck } from "./schemaCheck";
import type { ZipFileWriter } from "./zipFileWriter";

export type TableProgress = {
  table: string;
  tableIndex: number;
  tableCount: number;
  documents: number;
  expected: number;
  totalDocuments: number;
  totalExpected: number;
  bytes: number;
  tableDone: boolean;
};

const INITIAL_NUM_ITEMS = 200;
/** Content bytes one page should carry: a few MiB, far inside Convex's 16 MiB return limit. */
const TARGET_PAGE_BYTES = 2 * 1024 * 1024;

/** Where a table's documents go: the ZIP, or nowhere (a dry run). */
export type EntrySink = Pick<ZipFileWriter, "startEntry" | "write" | "closeEntry" | "writeEntry" | "bytesWritten">;

/** A dry run's sink: counts, keeps nothing. */
export class DiscardSink implements EntrySink {
  bytesWritten = 0;
  startEntry(): void {}
  write(text: string): Promise<void> {
    this.bytesWritten += text.length;
    return Promise.resolve();
  }
  closeEntry(): Promise<void> {
    return Promise.resolve();
  }
  writeEntry(): Promise<void> {
    return Promise.resolve();
  }
}

/** Every chosen table's documents, checked, into `sink`: how many each held. */
export async function writeTables(
  source: RestoreSource,
  sink: EntrySink,
  point: RestorePoint,
  tables: readonly RestoreTable[],
  numbering: TableNumbering,
  check: SchemaCheck,
  onProgress: ((progress: TableProgress) => void) | undefined,
  files: number | null = null,
): Promise<number[]> {
  const totalExpected = tables.reduce((sum, t) => sum + t.documents, 0) + (files ?? 0);
  const tableCount = tables.length + (files === null ? 0 : 1);
  let totalDocuments = 0;
  const counts: number[] = [];
  for (const [tableIndex, table] of tables.entries()) {
    const report = (documents: number, tableDone: boolean) =>
      onProgress?.({
        table: table.table,
        tableIndex,
        tableCount,
        documents,
        expected: table.documents,
        totalDocuments: totalDocuments + documents,
        totalExpected,
        bytes: sink.bytesWritten,
        tableDone,
      });
    const written = await writeTable(source, sink, point.seq, table.table, numbering, check, report);
    await sink.writeEntry(`${table.table}/generated_schema.jsonl`, '"uniform"\n');
    totalDocuments += written;
    counts.push(written);
  }
  return counts;
}

/**
 * A table's documents at restore point `seq`, page by page, as stored
 * (canonical JSON). The next page is requested while the caller handles the
 * current one; a stretch too large for one query is asked again, smaller.
 */
export async function* restorePages(source: RestoreSource, seq: number, table: string): AsyncGenerator<string[]> {
  let numItems = INITIAL_NUM_ITEMS;
  const request = (cursor: string | null): Promise<RestorePage> => {
    const page = source.readPage({ seq, table, cursor, numItems });
    // A prefetched page may be abandoned when writing fails: never an unhandled rejection.
    page.catch(() => undefined);
    return page;
  };
  let cursor: string | null = null;
  let pending = request(cursor);
  for (;;) {
    const page = await pending;
    if (page.kind === "retry") {
      // The stretch held more than one query should read: the same cursor, fewer versions.
      numItems = page.numItems;
      pending = request(cursor);
      continue;
    }
    numItems = nextNumItems(numItems, page.bytes);
    cursor = page.continueCursor;
    if (!page.isDone) pending = request(cursor);
    yield page.documents;
    if (page.isDone) return;
  }
}

/** Streams one table's documents into `<table>/documents.jsonl`. Returns how many were written. */
async function writeTable(
  source: RestoreSource,
  zip: EntrySink,
  seq: number,
  table: string,
  numbering: TableNumbering,
  check: SchemaCheck,
  report: (documents: number, tableDone: boolean) => void,
): Promise<number> {
  zip.startEntry(`${table}/documents.jsonl`);
  let written = 0;
  for await (const documents of restorePages(source, seq, table)) {
    await zip.write(documents.map((text) => exportLine(table, text, numbering, check)).join(""));
    written += documents.length;
    report(written, false);
  }
  report(written, true);
  await zip.closeEntry();
  return written;
}

/** Sizes the next request so a page carries about TARGET_PAGE_BYTES of content. */
function nextNumItems(numItems: number, bytes: number): number {
  const ideal = bytes > 0 ? Math.floor((numItems * TARGET_PAGE_BYTES) / bytes) : numItems * 2;
  return Math.max(1, Math.min(ideal, numItems * 2, MAX_VERSIONS_PER_PAGE));
}

/** A stored document (canonical JSON with $integer/$bytes/$float), checked against the point's schema, as a line of the export. */
export function exportLine(table: string, text: string, numbering: TableNumbering, check: SchemaCheck): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new RestoreError(`A stored document of table "${table}" is not valid JSON: the backup is damaged.`);
  }
  const id = (doc as Record<string, unknown> | null)?._id;
  if (doc === null || typeof doc !== "object" || Array.isArray(doc) || typeof id !== "string") {
    throw new RestoreError(`A stored document of table "${table}" has no _id: the backup is damaged.`);
  }
  numbering.observe(table, id);
  const checked = check.document(table, doc as Record<string, unknown>);
  try {
    return `${formatEncodedJson(checked)}\n`;
  } catch {
    throw new RestoreError(`A stored document of table "${table}" holds a value Convex cannot read: the backup is damaged.`);
  }
}
