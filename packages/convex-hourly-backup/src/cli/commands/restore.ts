// convex-hourly-backup restore: writes a completed backup run as a ZIP that
// `npx convex import` accepts (see restore/writeRestoreZip.ts).
//
//   convex-hourly-backup restore --run latest --out restore.zip
//   convex-hourly-backup restore --run 2025-05-01T12:00:00Z --out restore.zip --tables users,orders
//   convex-hourly-backup restore --run 42 --dry-run
//   convex-hourly-backup restore --run 42 --out restore.zip --placeholders placeholders.json
//   convex-hourly-backup restore --label before-migration-42 --out restore.zip
//   convex-hourly-backup restore --table orders --ids <id>,<id> --run 42 --out orders.zip   (writeDocumentsZip.ts)
//
// Exits 0 only with a whole ZIP written (or a dry run). Exits 1 with a message
// (never the secret) when the backup is unreachable, the secret is wrong, the
// run does not exist or is no restore point, --out cannot be written, the
// restore could not be whole (retention started pruning the run meanwhile),
// or a document would not import into the app's schema as the run stored it
// (a required field redaction removed with no placeholder, or any other
// mismatch); no file is left then. Exits 2 on bad usage.
import { readFileSync } from "node:fs";
import { jsonToConvex, type JSONValue, type Value } from "convex/values";
import { parsePath } from "../../app/redaction/paths";
import { BIN, EXIT_OK, keepSecret, parseFlags, tableList, UsageError, type Command } from "../common";
import { commandConnection } from "../restore/config";
import { formatBytes, progressReporter } from "../restore/progressReporter";
import type { RestorePlaceholders } from "../restore/schemaCheck";
import { importAdvice, writeRestoreZip, type RestoreResult } from "../restore/writeRestoreZip";
import { filesAdvice } from "../restore/restoreFiles";
import { idList, writeDocumentsZip, MAX_RESTORE_IDS, type DocumentsRestoreResult } from "../restore/writeDocumentsZip";
import { documentsImportAdvice } from "../restore/importAdvice";
import { parseRunSelector } from "../restore/restoreSource";
import { parseLabel } from "../pointName";
import type { RunSelector } from "../../backup/lib/restoreProtocol";
import { describeAllHolds } from "../../shared/pointHolds";

const USAGE = `Usage: ${BIN} restore --run <latest | run number | ISO time | run id> --out <file.zip> [options]
       ${BIN} restore --label <label> --out <file.zip> [options]
       ${BIN} restore --table <table> --ids <id,id> --run <...> | --label <label> --out <file.zip>

Writes the primary's documents as of a completed backup run as a ZIP in the
layout of \`npx convex export\`, then prints the command that imports it.
With --table and --ids, only those documents of that table, as they were
then: to read back (or undo) a bad write without restoring a table.

  --run <selector>     latest            the newest WHOLE restore point (it holds
                                         every table the primary backed up; a
                                         partial one is skipped)
                       latest-any        the newest completed run, whole or partial
                       <run number>      the run with that sequence number, digits
                                         only (e.g. 42; status lists them)
                       <ISO time>        the newest completed run that started at or
                                         before it: 2025-05-01T12:00:00Z, or without
                                         a zone in local time (2025-05-01 is local
                                         midnight, 2025-05-01T12:00 local noon)
                       <run id>          that run (a Convex id: 31+ letters and
                                         digits, never digits only)
                       <label>           the run with that label (as --label)
                       The run must be completed: a run still running, failed, or
                       being deleted by retention (pruning) is no restore point.
  --label <label>      the restore point with that label (run --label, or
                       pin --label); instead of --run
  --out <file.zip>     where to write the ZIP (replaced if it exists; not a folder)
  --tables a,b         only these tables (default: all the run backed up)
  --table <table> --ids <id,id,...>
                       only these documents of one table (at most ${MAX_RESTORE_IDS}), each
                       as the point held it; fails, writing nothing, if the table
                       did not hold one of them then (history shows which points
                       do). Never import such a ZIP with --replace: see below
  --dry-run            read and check every document exactly as the restore does
                       (schema, placeholders, counts), then write nothing: a dry
                       run that passes means the restore writes its ZIP (file
                       bytes aside: they are not read)
  --no-files           leave the point's files (file storage, _storage) out of the
                       ZIP; import then leaves the deployment's files as they are
  --placeholders <file.json>
                       values for required fields the backup never holds, as
                       {"<table>": {"<path>": <value>}} in Convex's JSON encoding
                       ({"$integer": ...} for an int64); merged over those the run
                       stored, so a point made before restorePlaceholders named a
                       field can still be restored
  --url <url>          backup deployment URL (default: BACKUP_URL from the
                       environment, .env.local or .env)
  --secret <secret>    the backup deployment's BACKUP_RESTORE_SECRET (default:
                       BACKUP_RESTORE_SECRET from the same places); the
                       primary's BACKUP_SECRET cannot read restore points
  -h, --help           this text

Every document is checked against the app's schema as the run stored it. A
required field the backup never holds (redacted) gets the value the app's
restorePlaceholders (defineBackup's options, stored with each run) or
--placeholders names for it; without one, or for any other mismatch, the
restore stops and writes nothing, naming the table and the field. Document
values are never printed.

Importing: \`npx convex import --replace-all <zip>\` empties every table not in
the ZIP, the tables of every component included; \`--replace\` replaces only the
ZIP's tables. A partial ZIP (--tables, or tables the run never backed up) is
always imported with --replace: the restore prints which. A ZIP of --ids holds
part of a table, which --replace would empty: \`--append\` adds the documents
with their own _id where the table never held them (a dev or scratch
deployment); Convex refuses an _id its table holds or held, so in place a
document is set back by editing it. The restore prints this advice.

Exit codes: 0 the ZIP is whole (or a dry run). 1 nothing written, with the
reason (backup unreachable, wrong secret, no such restore point, --out not
writable, the run stopped being a restore point during the restore, or a
document that would not import into the stored schema). 2 bad usage (an
unknown flag, a missing --run or --out, an unreadable --placeholders file).`;

function parseOptions(args: string[]) {
  const { values } = parseFlags(args, {
    run: { type: "string" },
    label: { type: "string" },
    table: { type: "string" },
    ids: { type: "string" },
    out: { type: "string" },
    tables: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    "no-files": { type: "boolean", default: false },
    placeholders: { type: "string" },
    url: { type: "string" },
    secret: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  keepSecret(values.secret);
  if (values.run !== undefined && values.label !== undefined) throw new UsageError("give --run or --label, not both.");
  if (values.run === undefined && values.label === undefined) {
    throw new UsageError("--run is required (latest, a run number, an ISO time or a run id), or --label.");
  }
  const label = values.label === undefined ? undefined : parseLabel("--label", values.label);
  const run = label ?? values.run!;
  const selector: RunSelector | undefined = label === undefined ? undefined : { kind: "label", label };
  const dryRun = values["dry-run"];
  if (!dryRun && values.out === undefined) throw new UsageError("--out is required unless --dry-run.");
  const tables = tableList("--tables", values.tables);
  const documents = documentsToRestore(values.table, values.ids, tables);
  const placeholders = values.placeholders === undefined ? undefined : readPlaceholders(values.placeholders);
  const files = !values["no-files"];
  return { run, selector, documents, out: values.out, tables, dryRun, url: values.url, secret: values.secret, placeholders, files };
}

/** --table with --ids: a few documents of one table (never with --tables). */
function documentsToRestore(table: string | undefined, ids: string | undefined, tables: string[] | undefined) {
  if (table === undefined && ids === undefined) return undefined;
  if (table === undefined) throw new UsageError("--ids needs --table: the table the ids belong to.");
  if (ids === undefined) throw new UsageError("--table takes --ids (a few documents); to restore whole tables use --tables.");
  if (tables !== undefined) throw new UsageError("--ids restores documents of one --table: leave out --tables.");
  try {
    return { table, ids: idList(ids.split(",")) };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * A --placeholders file: {"<table>": {"<path>": <value>}}, values in
 * convexToJson's encoding. Errors name the file, the table and the path,
 * never a value.
 */
export function readPlaceholders(file: string): RestorePlaceholders {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(`--placeholders ${file} cannot be read${typeof code === "string" ? ` (${code})` : ""}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--placeholders ${file} is not valid JSON.`);
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === "object" && !Array.isArray(value);
  const shape = `expected {"<table>": {"<path>": <value>}}, e.g. {"users": {"passwordHash": "!restored"}}`;
  if (!isObject(parsed)) throw new UsageError(`--placeholders ${file} is not a JSON object: ${shape}.`);
  const out: Record<string, Record<string, Value>> = {};
  for (const [table, fields] of Object.entries(parsed)) {
    if (!isObject(fields)) throw new UsageError(`--placeholders ${file}: "${table}" is not an object of paths: ${shape}.`);
    out[table] = {};
    for (const [path, encoded] of Object.entries(fields)) {
      try {
        parsePath(path, "placeholder path");
      } catch {
        throw new UsageError(
          `--placeholders ${file}: ${table}["${path}"] is not a field path (write "passwordHash", "payment.card.number" or "items[].secret").`,
        );
      }
      try {
        out[table][path] = jsonToConvex(encoded as JSONValue);
      } catch {
        throw new UsageError(`--placeholders ${file}: ${table}["${path}"] is not a value in Convex's JSON encoding.`);
      }
    }
  }
  return out;
}

const when = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
const titleOf = (result: { seq: number; label: string | null }) => `Run ${result.seq}${result.label === null ? "" : ` "${result.label}"`}`;

function describe(result: RestoreResult): string {
  const lines = [
    `${titleOf(result)} (${result.runId}): started ${when(result.startedAt)}, finished ${when(result.finishedAt)}`,
  ];
  const width = Math.max(5, ...result.tables.map((t) => t.table.length));
  for (const t of result.tables) {
    const number = t.tableNumber === null ? "" : `  table number ${t.tableNumber}`;
    lines.push(`  ${t.table.padEnd(width)}  ${String(t.documents).padStart(9)} documents${number}`);
  }
  const total = result.tables.reduce((sum, t) => sum + t.documents, 0);
  lines.push(`  ${"total".padEnd(width)}  ${String(total).padStart(9)} documents`);
  if (result.files !== null) {
    const bytes = result.dryRun ? "" : ` (${formatBytes(result.files.bytes)})`;
    lines.push(`  ${"_storage".padEnd(width)}  ${String(result.files.files).padStart(9)} files${bytes}`);
  }
  // What the point holds, per table: how it was made and when every document was last verified.
  const restored = new Set([...result.tables.map((t) => t.table), ...(result.files === null ? [] : ["_storage"])]);
  const holds = result.holds.filter((h) => restored.has(h.table));
  if (holds.length > 0) lines.push(`What run ${result.seq} holds:`, ...describeAllHolds(holds).map((line) => `  ${line}`));
  const absent = { missing: result.missingTables, leftOut: result.leftOutTables, dropped: result.droppedTables, empty: result.tables.length === 0 };
  lines.push(
    result.schemaChecked
      ? `Documents ${result.dryRun ? "were read and" : "were"} checked against the app's schema as run ${result.seq} stored it.`
      : `Run ${result.seq} stored no schema the app enforces (older than stored schemas, or schemaValidation off): documents are not checked.`,
  );
  for (const p of result.placeholders) {
    lines.push(`  ${p.table}.${p.path} ${result.dryRun ? "will get" : "got"} its placeholder (${p.documents} documents): the backup never holds it.`);
  }
  if (result.dryRun) {
    if (result.partial) lines.push(...importAdvice("<file.zip>", result.seq, absent).filter((line) => !line.startsWith(" ")));
    lines.push("Dry run: nothing written. Every document was read and checked as the restore does: the restore would write this ZIP.");
  } else {
    lines.push(
      `Wrote ${result.out} (${formatBytes(result.bytes)}).`,
      ...importAdvice(result.out!, result.seq, absent),
      ...filesAdvice(result.files, result.filesLeftOut),
    );
  }
  return lines.join("\n");
}

function describeDocuments(result: DocumentsRestoreResult): string {
  const count = `${result.ids.length} document${result.ids.length === 1 ? "" : "s"}`;
  const lines = [
    `${titleOf(result)} (${result.runId}): started ${when(result.startedAt)}, finished ${when(result.finishedAt)}`,
    `  ${result.table}: ${count} as run ${result.seq} held them${result.tableNumber === null ? "" : `, table number ${result.tableNumber}`}`,
    result.schemaChecked
      ? `Documents ${result.dryRun ? "were read and" : "were"} checked against the app's schema as run ${result.seq} stored it.`
      : `Run ${result.seq} stored no schema the app enforces: documents are not checked.`,
  ];
  for (const p of result.placeholders.filter((p) => p.documents > 0)) {
    lines.push(`  ${p.table}.${p.path} got its placeholder (${p.documents} documents): the backup never holds it.`);
  }
  if (result.dryRun) lines.push("Dry run: nothing written.");
  else lines.push(`Wrote ${result.out} (${formatBytes(result.bytes)}).`, ...documentsImportAdvice(result.out!, result.table, result.ids.length, result.seq));
  return lines.join("\n");
}

async function run(args: string[]): Promise<number> {
  const { placeholders, documents, ...options } = parseOptions(args);
  const connection = commandConnection({ url: options.url, secret: options.secret });
  if (documents !== undefined) {
    const selector = options.selector ?? parseRunSelector(options.run);
    const result = await writeDocumentsZip({ ...options, ...connection, ...documents, selector, placeholderOverrides: placeholders });
    console.log(describeDocuments(result));
    return EXIT_OK;
  }
  const progress = progressReporter();
  let result: RestoreResult;
  try {
    // A dry run's per-table lines would only repeat its report: it shows the bar on a terminal only.
    const onProgress = options.dryRun && process.stderr.isTTY !== true ? undefined : progress.onProgress;
    result = await writeRestoreZip({ ...options, ...connection, placeholderOverrides: placeholders, onProgress });
  } finally {
    progress.finish();
  }
  console.log(describe(result));
  return EXIT_OK;
}

export const restore: Command = {
  name: "restore",
  summary: "write a restore point as a ZIP that `npx convex import` accepts",
  usage: USAGE,
  run,
};
