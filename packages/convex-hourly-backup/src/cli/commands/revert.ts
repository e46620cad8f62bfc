// convex-hourly-backup revert: undoes a bad write to a few documents in
// place. It reads the documents as a restore point held them (the backup
// deployment, with the restore secret), then runs the app's
// backup:revertDocuments through `npx convex run` (the app's own credentials
// pick the deployment, as for verify and run): same ids, the point's values,
// and the live values of fields the backup never holds (omitted fields and
// secrets). The app's next backup run records the reverted documents.
import type { RevertReport } from "../../app/functions/revertDocuments";
import { BIN, CliError, EXIT_FAILED, EXIT_OK, keepSecret, parseFlags, UsageError, type Command } from "../common";
import { convexRun, DEFAULT_FUNCTION_MODULE, functionModule } from "../convexRun";
import { parseLabel, pointTitle } from "../pointName";
import { commandConnection } from "../restore/config";
import { parseRunSelector, RestoreSource } from "../restore/restoreSource";
import { idList } from "../restore/writeDocumentsZip";

// Documents per `npx convex run` call: its arguments travel on the command
// line as one argument, which Linux limits to 128 KiB in BYTES (MAX_ARG_STRLEN,
// the terminating NUL included; a longer one fails with E2BIG). The convex
// 1.48 CLI reads a function's arguments from that argument only (no file, no
// stdin), so each call's JSON is kept under MAX_CALL_BYTES of UTF-8, and a
// document that cannot fit alone is refused before any call runs.
const MAX_CALL_DOCUMENTS = 100;
export const MAX_CALL_BYTES = 120 * 1024;

const USAGE = `Usage: ${BIN} revert --table <table> --ids <id,id> --run <run> | --label <label> [--dry-run] [--prod]

Puts a few documents of one table back as a restore point held them, in the
app's deployment, under their own ids: the undo of a bad write, without
restoring the table. It reads them from the backup deployment, then runs
\`npx convex run ${DEFAULT_FUNCTION_MODULE}:revertDocuments\` from the app's folder. Fields the backup never
holds (omitted fields, secret keys, secrets inside text) keep their live
values; where the live document lacks such a field, it is not restored (the
output names it; exit code 1), so "[redacted]" never reaches live data.
Every other top-level field becomes what the point held. A document
deleted since is reported and left deleted (Convex gives ids on insert only:
restore its table, or re-create it by hand). The change is one mutation, all
or nothing, checked against the app's schema; the next backup run records it.

  --table <table>              the documents' table
  --ids <id,id,...>            the documents (as \`history\` or the dashboard shows them)
  --run <run>                  the restore point: latest, a run number, an ISO time or a run id
  --label <label>              or the restore point with this label
  --dry-run                    report what would change, write nothing
  --prod                       the app's production deployment (else its dev
                               deployment, or the one CONVEX_DEPLOY_KEY names)
  --function-module <module>   the module that exports the backup functions
                               (default: ${DEFAULT_FUNCTION_MODULE}, i.e. convex/${DEFAULT_FUNCTION_MODULE}.ts)
  --url <url>                  backup deployment URL (default: BACKUP_URL from the
                               environment, .env.local or .env)
  --secret <secret>            its BACKUP_RESTORE_SECRET (default: from the same places)
  -h, --help                   this text

Each call's arguments travel on the command line, at most ${MAX_CALL_BYTES / 1024} KiB of
UTF-8 per call: larger sets go in several calls (each all or nothing), and a
document larger than that alone is refused before any call runs.

Exit codes: 0 every document reverted (or already as the point held it); 1 a
document was deleted since or did not exist at the point, a field could not
be restored (named), or a command failed (nothing reverted by a failed
call); 2 bad usage.`;

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    table: { type: "string" },
    ids: { type: "string" },
    run: { type: "string" },
    label: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    prod: { type: "boolean", default: false },
    "function-module": { type: "string" },
    url: { type: "string" },
    secret: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  keepSecret(values.secret);
  if (values.table === undefined || values.table.trim() === "") throw new UsageError("--table is required: the documents' table.");
  if (values.ids === undefined) throw new UsageError("--ids is required: the documents to revert, comma-separated.");
  if ((values.run === undefined) === (values.label === undefined)) throw new UsageError("name the restore point with --run or --label (one of them).");
  const selector =
    values.label !== undefined ? ({ kind: "label", label: parseLabel("--label", values.label) } as const) : selectorOf(values.run!);
  const table = values.table.trim();
  const ids = usageIds(values.ids);
  const module = functionModule(values["function-module"]);

  const connection = commandConnection({ url: values.url, secret: values.secret });
  const source = new RestoreSource(connection);
  const point = await source.getRestorePoint(selector);
  const title = pointTitle({ seq: point.seq, label: point.label });
  if (!point.tables.some((t) => t.table === table)) {
    throw new CliError(`${title} did not back up table ${table}. Its tables: ${point.tables.map((t) => t.table).join(", ") || "(none)"}.`);
  }
  const documents: string[] = [];
  const missing: string[] = [];
  for await (const read of source.documentsAt(point.seq, table, ids)) {
    documents.push(...read.documents);
    missing.push(...read.missing);
  }
  if (missing.length > 0) {
    throw new CliError(
      `${table} held no document with id ${missing.join(", ")} at ${title}, so nothing was reverted. ` +
        `\`${BIN} history ${table} <id>\` shows which restore points hold a document.`,
    );
  }

  const dryRun = values["dry-run"];
  // Nested paths the point's report says redaction removed: a field above one is held in part (revertDocuments).
  const prefix = `${table}.`;
  const redactedPaths = [
    ...new Set(point.redactions.filter((r) => r.kind !== "value" && r.path.startsWith(prefix)).map((r) => r.path.slice(prefix.length))),
  ].filter((path) => /[.[]/.test(path));
  const callArgs = (batch: string[]) => ({ table, documents: batch, dryRun, ...(redactedPaths.length === 0 ? {} : { redactedPaths }) });
  // Every call is sized before the first runs: a document too large is refused with nothing written.
  const calls = batches(table, documents, callArgs);
  const totals: RevertReport = { reverted: [], unchanged: [], deleted: [], dryRun };
  for (const batch of calls) {
    for await (const report of revertCalls(batch, (documents) => convexRun(`${module}:revertDocuments`, callArgs(documents), { prod: values.prod }) as Promise<RevertReport>)) {
      totals.reverted.push(...report.reverted);
      totals.unchanged.push(...report.unchanged);
      totals.deleted.push(...report.deleted);
      if (report.notRestored !== undefined) (totals.notRestored ??= []).push(...report.notRestored);
    }
  }
  for (const line of revertLines(table, title, totals)) console.log(line);
  const incomplete = totals.reverted.some((r) => (r.notRestored ?? []).length > 0) || (totals.notRestored ?? []).length > 0;
  return totals.deleted.length === 0 && !incomplete ? EXIT_OK : EXIT_FAILED;
}

function selectorOf(text: string) {
  try {
    return parseRunSelector(text);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function usageIds(text: string): string[] {
  try {
    return idList(text.split(","));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The calls that revert `documents`: one, and again with the documents a call
 * left (`remaining`: it read or wrote its share of a transaction's limits).
 */
export async function* revertCalls(documents: readonly string[], call: (documents: string[]) => Promise<RevertReport>): AsyncGenerator<RevertReport> {
  let rest = [...documents];
  while (rest.length > 0) {
    const report = await call(rest);
    yield report;
    const remaining = report.remaining ?? 0;
    if (remaining >= rest.length) throw new CliError("revertDocuments took none of the documents it was given: is the app's convex/backup.ts up to date?");
    rest = rest.slice(rest.length - remaining);
  }
}

const utf8Bytes = (text: string) => Buffer.byteLength(text, "utf8");

/**
 * Calls of at most MAX_CALL_DOCUMENTS documents whose whole JSON argument is
 * at most MAX_CALL_BYTES in UTF-8; a document that does not fit alone is
 * refused (CliError) before anything runs, naming its id and size.
 */
export function batches(table: string, documents: readonly string[], argsOf: (batch: string[]) => Record<string, unknown>): string[][] {
  const base = utf8Bytes(JSON.stringify(argsOf([])));
  if (base > MAX_CALL_BYTES / 2) {
    throw new CliError(`The point's redaction report for ${table} is too long to pass to \`npx convex run\` (${base} bytes), so nothing was reverted.`);
  }
  const out: string[][] = [];
  let current: string[] = [];
  let bytes = base;
  for (const document of documents) {
    // Its share of the argument: the quoted, escaped string and a comma.
    const size = utf8Bytes(JSON.stringify(document)) + 1;
    if (base + size > MAX_CALL_BYTES) {
      const id = (JSON.parse(document) as { _id?: unknown })._id;
      throw new CliError(
        `Document ${String(id)} is ${size} bytes as command-line JSON (UTF-8), more than one \`npx convex run\` argument can carry ` +
          `(${MAX_CALL_BYTES} bytes; Linux refuses a longer one with E2BIG), so nothing was reverted. ` +
          `Restore it with \`${BIN} restore --table ${table} --ids ${String(id)}\` and put its fields back by hand (the dashboard's editor, or a mutation).`,
      );
    }
    if (current.length > 0 && (current.length >= MAX_CALL_DOCUMENTS || bytes + size > MAX_CALL_BYTES)) {
      out.push(current);
      current = [];
      bytes = base;
    }
    current.push(document);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export function revertLines(table: string, pointTitle: string, report: RevertReport): string[] {
  const verb = report.dryRun ? "would revert" : "reverted";
  const lines = [`${table} as of ${pointTitle}:`];
  for (const r of report.reverted) {
    const kept = r.keptFields.length === 0 ? "" : `; kept live (the backup never holds them): ${r.keptFields.join(", ")}`;
    lines.push(`  ${r.id}: ${verb} ${r.changedFields.join(", ")}${kept}`);
    if ((r.notRestored ?? []).length > 0) lines.push(`    ${notRestoredLine(r.notRestored!)}`);
  }
  const unchangedButIncomplete = new Map((report.notRestored ?? []).map((n) => [n.id, n.fields]));
  for (const id of report.unchanged) {
    const fields = unchangedButIncomplete.get(id);
    lines.push(`  ${id}: already as at that point${fields === undefined ? "" : `; ${notRestoredLine(fields)}`}`);
  }
  for (const id of report.deleted) lines.push(`  ${id}: deleted since: not recreated (restore the table, or re-create it by hand)`);
  if (report.dryRun) lines.push("Dry run: nothing written.");
  else if (report.reverted.length > 0) lines.push("The app's next backup run records the reverted documents.");
  return lines;
}

/** Fields left absent: the live document lacks them and the point holds them only in part. Names, never values. */
function notRestoredLine(fields: readonly string[]): string {
  return (
    `NOT restored: ${fields.join(", ")} (the live document lacks it and the backup holds it only in part: redacted secrets ` +
    "or a placeholder inside). Left absent, never written with [redacted] in it: put it back by hand."
  );
}

export const revert: Command = {
  name: "revert",
  summary: "put a few documents back as a restore point held them, in place (undo a bad write)",
  usage: USAGE,
  run,
};
