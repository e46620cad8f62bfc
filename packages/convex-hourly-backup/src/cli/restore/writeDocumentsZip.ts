// restore --table <t> --ids a,b --run <point>: a few documents as a restore
// point held them, so a bad write can be read back (and undone) without
// restoring a table. The ZIP has the layout of `npx convex export` with the
// one table and only those documents (importAdvice.ts documentsImportAdvice
// says how to use it: never --replace). Each document is the version live at
// the point, read by id (restore:readDocuments, at most MAX_DOCUMENT_IDS per
// call) and checked against the point's stored schema like any restore.
// Whole or nothing: an id the table did not hold at that point, or a point
// retention starts pruning meanwhile, fails the restore and leaves no file.
import type { RestorePoint, RunSelector } from "../../backup/lib/restoreProtocol";
import { ERROR_CODES } from "../../shared/protocol";
import { TableNumbering } from "./documentIds";
import { documentsImportAdvice } from "./importAdvice";
import { RestoreError, RestoreSource } from "./restoreSource";
import { pointSchemaCheck, type RestorePlaceholders, type SchemaCheck } from "./schemaCheck";
import { exportLine } from "./writeRestoreZip";
import { checkZipTarget, ZipFileWriter } from "./zipFileWriter";

/** Ids one restore takes: a few documents, not a table (restore a table with --tables). */
export const MAX_RESTORE_IDS = 1_000;

export type DocumentsRestoreOptions = {
  url: string;
  secret: string;
  selector: RunSelector;
  table: string;
  ids: readonly string[];
  /** Required unless dryRun. */
  out?: string;
  /** Read and check the documents, report them; write nothing. */
  dryRun?: boolean;
  placeholders?: RestorePlaceholders;
  placeholderOverrides?: RestorePlaceholders;
};

export type DocumentsRestoreResult = {
  runId: string;
  seq: number;
  label: string | null;
  startedAt: number;
  finishedAt: number | null;
  table: string;
  /** The ids restored, in the order given (duplicates removed). */
  ids: string[];
  /** Table number in _tables/documents.jsonl; null on a dry run. */
  tableNumber: number | null;
  bytes: number;
  out: string | null;
  dryRun: boolean;
  schemaChecked: boolean;
  placeholders: { table: string; path: string; documents: number }[];
};

/** a,b , c -> unique ids in order; refuses an empty or oversized list. */
export function idList(ids: readonly string[]): string[] {
  const unique = [...new Set(ids.map((id) => id.trim()).filter((id) => id !== ""))];
  if (unique.length === 0) throw new RestoreError("--ids lists no id.");
  if (unique.length > MAX_RESTORE_IDS) {
    throw new RestoreError(`--ids lists ${unique.length} ids; at most ${MAX_RESTORE_IDS} (restore a whole table with --tables).`);
  }
  return unique;
}

export async function writeDocumentsZip(options: DocumentsRestoreOptions): Promise<DocumentsRestoreResult> {
  const dryRun = options.dryRun ?? false;
  const ids = idList(options.ids);
  const { table } = options;
  if (!dryRun && (options.out === undefined || options.out.trim() === "")) {
    throw new RestoreError("--out is required: the path of the ZIP to write (or use --dry-run).");
  }
  if (!dryRun) await checkZipTarget(options.out!);
  const source = new RestoreSource({ url: options.url, secret: options.secret });

  // Step 1: the point, its table and its schema.
  const point = await source.getRestorePoint(options.selector);
  const held = point.tables.find((t) => t.table === table);
  if (held === undefined) {
    const available = point.tables.map((t) => t.table).join(", ") || "(none)";
    throw new RestoreError(`Run ${point.seq} did not back up table ${table}. Its tables: ${available}.`);
  }
  const check = await pointSchemaCheck(source, point, options);
  check.preflight([table]);
  const base = {
    runId: point.runId,
    seq: point.seq,
    label: point.label ?? null,
    startedAt: point.startedAt,
    finishedAt: point.finishedAt,
    table,
    ids,
    dryRun,
    schemaChecked: check.checked,
  };

  // Step 2: the documents, by id, each checked; streamed into the ZIP unless a dry run.
  const zip = dryRun ? null : await ZipFileWriter.open(options.out!);
  try {
    const numbering = new TableNumbering();
    const missing: string[] = [];
    zip?.startEntry(`${table}/documents.jsonl`);
    for await (const read of source.documentsAt(point.seq, table, ids)) {
      missing.push(...read.missing);
      const lines = read.documents.map((text) => exportLine(table, text, numbering, check)).join("");
      if (zip !== null) await zip.write(lines);
    }
    if (missing.length > 0) {
      throw new RestoreError(
        `${table} held no document with id ${missing.join(", ")} at run ${point.seq} (created later, deleted before, or not an id of ${table}), ` +
          "so no ZIP was written. `history <table> <id>` shows which restore points hold a document.",
      );
    }
    await confirmStillPoint(source, point);
    if (zip === null) return { ...base, tableNumber: null, bytes: 0, out: null, placeholders: check.filled() };

    // Step 3: the table's number, its schema line and what this ZIP is.
    await zip.closeEntry();
    await zip.writeEntry(`${table}/generated_schema.jsonl`, '"uniform"\n');
    const number = numbering.assign([{ table, sampleId: held.sampleId }]).get(table)!;
    await zip.writeEntry("_tables/documents.jsonl", `${JSON.stringify({ name: table, id: number })}\n`);
    await zip.writeEntry("README.md", readme(point, table, ids.length, check));
    const bytes = await zip.commit();
    return { ...base, tableNumber: number, bytes, out: zip.target, placeholders: check.filled() };
  } catch (error) {
    await zip?.abort();
    throw error;
  }
}

/** Retention marks a run "pruning" before deleting what it needs: still completed means every read was intact. */
async function confirmStillPoint(source: RestoreSource, point: RestorePoint): Promise<void> {
  try {
    await source.getRestorePoint({ kind: "runId", runId: point.runId });
  } catch (error) {
    const gone = error instanceof RestoreError && (error.code === ERROR_CODES.runNotCompleted || error.code === ERROR_CODES.runNotFound);
    if (!gone) throw error;
    throw new RestoreError(
      `Run ${point.seq} stopped being a restore point while it was read (${error.message}), so no ZIP was written. Restore from another run.`,
      error.code,
    );
  }
}

function readme(point: RestorePoint, table: string, count: number, check: SchemaCheck): string {
  const when = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
  const label = point.label === undefined ? "" : ` ("${point.label}")`;
  const filled = check.filled().filter((f) => f.documents > 0);
  const placeholders =
    filled.length === 0
      ? ""
      : `\nRequired fields the backup never copies were given placeholder values:\n${filled.map((f) => `- ${f.table}.${f.path}: ${f.documents} documents`).join("\n")}\n`;
  return `# ${count} document${count === 1 ? "" : "s"} of ${table} as of backup run ${point.seq}${label}

Rebuilt from the backup deployment: run ${point.seq} (id ${point.runId}), started
${when(point.startedAt)}, finished ${when(point.finishedAt)}. Only the documents asked
for; fields the backup never copies (omitted fields and secret keys) are absent.
${placeholders}
Same layout as \`npx convex export\`, with part of one table.

${documentsImportAdvice("<this file>.zip", table, count, point.seq).join("\n")}
`;
}
