// The restore: rebuilds the primary's state as of a completed backup run and
// writes it as a ZIP in `npx convex export`'s layout, which `npx convex
// import` accepts (importAdvice.ts: --replace-all or --replace):
//
//   README.md                       what this ZIP is
//   <table>/documents.jsonl         one document per line, with _id and _creationTime
//   <table>/generated_schema.jsonl  "uniform": values use the export's lossless JSON
//                                   (without it, import falls back to legacy type
//                                   inference: every number a float, $bytes refused)
//   _tables/documents.jsonl         {"name": table, "id": table number} per table
//   _storage/documents.jsonl        the files (restoreFiles.ts), unless files: false,
//   _storage/<id>[.<ext>]           each file's bytes
//
// Documents stream from the backup page by page (restore:readPage) into the
// ZIP as they arrive, the next page already requested while the current one
// is written, so memory holds about two pages whatever the data size. The
// tables list goes last because table numbers are learnt from the ids
// written; import reads the ZIP's directory, so entry order does not matter.
// The ZIP is kept only if whole: once every page is read, the run must still
// be a restore point and every table hold the count the run recorded;
// otherwise the temporary file is removed and the restore fails.
// Each document is checked against the primary's schema stored with the run
// (schemaCheck.ts): a required field redaction removed gets its value from
// the app's restorePlaceholders stored with the run, or from the CLI's
// --placeholders file; a document that would not import stops the restore,
// and no ZIP is left.
// Used by the CLI (commands/restore.ts), the tests, the demo and the benchmark.
import type { RestorePoint, RestoreTable, RunSelector } from "../../backup/lib/restoreProtocol";
import type { TableHolds } from "../../shared/pointHolds";
import { ERROR_CODES } from "../../shared/protocol";
import { TableNumbering } from "./documentIds";
import { importAdvice, importCommand, isPartial, type AbsentTables } from "./importAdvice";
import { parseRunSelector, RestoreError, RestoreSource } from "./restoreSource";
import { checkZipTarget, ZipFileWriter } from "./zipFileWriter";
import { pointSchemaCheck, type RestorePlaceholders, type SchemaCheck } from "./schemaCheck";
import { filesAdvice, writeStorage, type RestoredFiles } from "./restoreFiles";
import { STORAGE_TABLE } from "../../shared/files";
import { DiscardSink, restorePages, writeTables, type TableProgress } from "./tableWriter";

export { importAdvice, importCommand };
export { exportLine, restorePages } from "./tableWriter";

export type RestoreOptions = {
  /** The backup deployment. */
  url: string;
  secret: string;
  /** "latest", a run's sequence number, a run id, or an ISO time (the newest completed run that started at or before it). */
  run: string;
  /** The restore point, when the caller names it otherwise (restore --label): `run` is then only what the user typed. */
  selector?: RunSelector;
  /** Where the ZIP goes; required unless dryRun. Written to a temporary file first, renamed when complete. */
  out?: string;
  /** Only these tables (default: every table the run backed up). */
  tables?: readonly string[];
  /** Read and check every document as the restore does (one code path), then write nothing. */
  dryRun?: boolean;
  /** Values for required fields redaction removed (default: the app's restorePlaceholders, stored with the run's schema). */
  placeholders?: RestorePlaceholders;
  /** Merged over the run's placeholders (or `placeholders`), path by path: the CLI's --placeholders file. */
  placeholderOverrides?: RestorePlaceholders;
  onProgress?: (progress: RestoreProgress) => void;
  /** Include the point's files (default true); false (restore --no-files) leaves them out. */
  files?: boolean;
};

export type RestoreProgress = TableProgress;

export type RestoredTable = {
  table: string;
  /** Documents written (on a dry run: read and checked). */
  documents: number;
  /** The count the run recorded; a written ZIP always holds exactly this many. */
  expected: number;
  /** The number given in _tables/documents.jsonl; null on a dry run. */
  tableNumber: number | null;
};

export type RestoreResult = {
  runId: string;
  seq: number;
  /** The point's label, if it has one. */
  label: string | null;
  startedAt: number;
  finishedAt: number | null;
  tables: RestoredTable[];
  /** Size of the ZIP; 0 on a dry run. */
  bytes: number;
  /** The ZIP's path; null on a dry run. */
  out: string | null;
  dryRun: boolean;
  /** Tables the primary was configured to back up that the run holds no data for. */
  missingTables: string[];
  /** Tables the run holds that --tables left out. */
  leftOutTables: string[];
  /** Tables the point before held that this one neither holds nor lists as configured. */
  droppedTables: string[];
  /** The ZIP lacks a table (missing, left out, dropped) or the point holds none: import it with --replace, never --replace-all. */
  partial: boolean;
  /**
   * Every document was checked against the primary's schema stored with the
   * run. false: the run predates stored schemas, or the app does not enforce
   * its schema; then only top-level placeholders are filled, where absent.
   */
  schemaChecked: boolean;
  /**
   * Placeholders given (restorePlaceholders, --placeholders): per table and field, how many
   * documents got one (a dry run counts the same; a field known to need one that no document needed is listed with 0).
   */
  placeholders: { table: string; path: string; documents: number }[];
  /**
   * The point's files in the ZIP (`_storage`): how many and their bytes (a
   * dry run: how many, 0 bytes). null: the point holds no file storage (backed
   * up without it, or from before), or `files: false` left them out.
   */
  files: RestoredFiles | null;
  /** `files: false` left out the files the point holds. */
  filesLeftOut: boolean;
  /** How the point was made, per table it holds (empty from a backup older than this field). */
  holds: TableHolds[];
};

export async function writeRestoreZip(options: RestoreOptions): Promise<RestoreResult> {
  const dryRun = options.dryRun ?? false;
  if (!dryRun && (options.out === undefined || options.out.trim() === "")) {
    throw new RestoreError("--out is required: the path of the ZIP to write (or use --dry-run).");
  }
  const selector = options.selector ?? parseRunSelector(options.run);
  if (!dryRun) await checkZipTarget(options.out!);
  const source = new RestoreSource({ url: options.url, secret: options.secret });
  const point = await source.getRestorePoint(selector);
  const storage = takeStorage(point);
  const withFiles = storage !== null && options.files !== false;
  const fileResult = { filesLeftOut: storage !== null && !withFiles };
  // Files the point lacks (their copy failed): said in the output and the ZIP's README.
  const lacking = point.lackingFiles === undefined ? {} : { lacking: point.lackingFiles };
  const tables = chooseTables(point, options.tables);
  // The point's schema: checked before any page is read (required fields the report says were removed need a placeholder).
  const check = await pointSchemaCheck(source, point, options);
  const expectedPlaceholders = check.preflight(tables.map((t) => t.table));
  const absent: AbsentTables = {
    missing: point.missingTables,
    leftOut: point.tables.filter((t) => !tables.includes(t)).map((t) => t.table),
    dropped: (point.droppedTables ?? []).filter((table) => table !== STORAGE_TABLE),
    // A point of no table is never whole, whatever its run said was configured.
    empty: point.tables.length === 0,
  };
  const base = {
    runId: point.runId,
    seq: point.seq,
    label: point.label ?? null,
    holds: point.holds ?? [],
    startedAt: point.startedAt,
    finishedAt: point.finishedAt,
    missingTables: [...absent.missing],
    leftOutTables: [...absent.leftOut],
    droppedTables: [...(absent.dropped ?? [])],
    partial: isPartial(absent),
    schemaChecked: check.checked,
  };
  if (dryRun) {
    // The same reads and checks as the restore, every document through the
    // same schema check, into a sink that keeps nothing: a dry run that
    // passes means the restore writes its ZIP (files aside: their bytes are not read).
    const counts = await writeTables(source, new DiscardSink(), point, tables, new TableNumbering(), check, options.onProgress);
    await confirmWhole(source, point, tables, counts);
    const listed = tables.map((t, i) => ({ table: t.table, documents: counts[i]!, expected: t.documents, tableNumber: null }));
    // Fields known to need a placeholder are listed even where no document needed one.
    const filled = check.filled();
    const placeholders = [
      ...filled,
      ...expectedPlaceholders.filter((e) => !filled.some((f) => f.table === e.table && f.path === e.path)).map((e) => ({ ...e, documents: 0 })),
    ];
    const files = withFiles ? { files: storage.documents, bytes: 0, ...lacking } : null;
    return { ...base, tables: listed, bytes: 0, out: null, dryRun: true, placeholders, files, ...fileResult };
  }

  const zip = await ZipFileWriter.open(options.out!);
  try {
    const numbering = new TableNumbering();
    const fileCount = withFiles ? storage.documents : 0;
    const counts = await writeTables(source, zip, point, tables, numbering, check, options.onProgress, withFiles ? fileCount : null);
    const totalDocuments = counts.reduce((sum, n) => sum + n, 0);
    const totalExpected = tables.reduce((sum, t) => sum + t.documents, 0) + fileCount;
    const tableCount = tables.length + (withFiles ? 1 : 0);
    const files = withFiles ? await writeStorage(source, zip, () => restorePages(source, point.seq, STORAGE_TABLE), numbering, (n, done) =>
      options.onProgress?.({
        table: STORAGE_TABLE, tableIndex: tables.length, tableCount, documents: n, expected: storage.documents,
        totalDocuments: totalDocuments + n, totalExpected, bytes: zip.bytesWritten, tableDone: done,
      }),
    ) : null;
    if (files !== null) Object.assign(files, lacking);
    const numbers = numbering.assign(tables);
    // In table-number order, as the export writes it.
    const tableLines = [...numbers]
      .sort(([, a], [, b]) => a - b)
      .map(([name, id]) => `${JSON.stringify({ name, id })}\n`);
    await zip.writeEntry("_tables/documents.jsonl", tableLines.join(""));
    await confirmWhole(source, point, tables, counts);
    if (files !== null && files.files !== storage!.documents) {
      throw new RestoreError(
        `The restore of run ${point.seq} is not whole (${files.files} files read, ${storage!.documents} recorded), so no ZIP was written. ` +
          "Run the restore again; if it fails the same way, restore another run.",
      );
    }
    // Last: it says which placeholders were given (import reads the ZIP's directory, not its order).
    await zip.writeEntry("README.md", readme(point, absent, check, files));
    const bytes = await zip.commit();
    const restored = tables.map((t, i) => ({
      table: t.table,
      documents: counts[i]!,
      expected: t.documents,
      tableNumber: numbers.get(t.table)!,
    }));
    return { ...base, tables: restored, bytes, out: zip.target, dryRun: false, placeholders: check.filled(), files, ...fileResult };
  } catch (error) {
    await zip.abort();
    throw error;
  }
}

/**
 * Keeps the ZIP only if it is whole. Retention marks a run "pruning" in the
 * same transaction as, and before, deleting anything it needs: if the run is
 * still completed now that every page was read, every page was read intact.
 * Then each table must hold the count the run recorded.
 */
async function confirmWhole(
  source: RestoreSource,
  point: RestorePoint,
  tables: readonly RestoreTable[],
  counts: readonly number[],
): Promise<void> {
  try {
    await source.getRestorePoint({ kind: "runId", runId: point.runId });
  } catch (error) {
    const gone = error instanceof RestoreError && (error.code === ERROR_CODES.runNotCompleted || error.code === ERROR_CODES.runNotFound);
    if (!gone) throw error;
    throw new RestoreError(
      `Run ${point.seq} stopped being a restore point while it was restored (${error.message}). ` +
        "Some of its documents may have been deleted before they were read, so no ZIP was written. " +
        "Restore another run (convex-hourly-backup restore --run latest --dry-run shows the newest).",
      error.code,
    );
  }
  const short = tables
    .map((t, i) => ({ table: t.table, written: counts[i]!, expected: t.documents }))
    .filter((t) => t.written !== t.expected);
  if (short.length > 0) {
    const list = short.map((t) => `${t.table}: ${t.written} documents read, ${t.expected} recorded`).join("; ");
    throw new RestoreError(
      `The restore of run ${point.seq} is not whole (${list}), so no ZIP was written. ` +
        "Run the restore again; if it fails the same way, restore another run.",
    );
  }
}

/**
 * The point's file storage, taken out of its tables: files are restored
 * apart (restoreFiles.ts), are never a table --tables names, and a ZIP
 * without them is not partial (import leaves file storage alone then).
 */
function takeStorage(point: RestorePoint): RestoreTable | null {
  const storage = point.tables.find((t) => t.table === STORAGE_TABLE) ?? null;
  point.tables = point.tables.filter((t) => t.table !== STORAGE_TABLE);
  point.missingTables = point.missingTables.filter((table) => table !== STORAGE_TABLE);
  return storage;
}

function chooseTables(point: RestorePoint, requested: readonly string[] | undefined): RestoreTable[] {
  if (requested === undefined) return point.tables;
  const available = point.tables.map((t) => t.table);
  const unknown = requested.filter((table) => !available.includes(table));
  if (unknown.length > 0) {
    throw new RestoreError(
      `Run ${point.seq} did not back up table(s) ${unknown.join(", ")}. Its tables: ${available.join(", ") || "(none)"}.`,
    );
  }
  return point.tables.filter((t) => requested.includes(t.table));
}

function readme(point: RestorePoint, absent: AbsentTables, check: SchemaCheck, files: RestoredFiles | null): string {
  const when = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
  const advice = [...importAdvice("<this file>.zip", point.seq, absent), ...filesAdvice(files, false)].join("\n");
  const filled = check.filled();
  const schema = check.checked
    ? `Every document was checked against the app's schema as run ${point.seq} stored it.`
    : `Run ${point.seq} stored no schema the app enforces (it predates stored schemas, or schemaValidation is off): documents were not checked.`;
  const placeholders =
    filled.length === 0
      ? ""
      : `\nRequired fields the backup never copies were given placeholder values (the app's\nrestorePlaceholders stored with the run, or the restore's --placeholders file):\n${filled.map((f) => `- ${f.table}.${f.path}: ${f.documents} documents`).join("\n")}\n`;
  return `# Restore point: backup run ${point.seq}

Rebuilt from the backup deployment: the primary's documents as of run ${point.seq}
(id ${point.runId}), started ${when(point.startedAt)}, finished ${when(point.finishedAt)}.
Fields the backup never copies (omitted fields and secret keys) are absent.
${schema}
${placeholders}
Same layout as \`npx convex export\`.

${advice}
`;
}
