// convex-hourly-backup history <table> <id>: every version of one document
// across the kept restore points, oldest first (history:versions on the
// backup deployment, a bounded page per query): the point that first holds
// it, when, and which top-level fields changed from the version before, or
// that it was deleted. Field names only: no value is ever asked for or shown.
import type { HistoryCursor, HistoryEntry } from "../../backup/lib/historyProtocol";
import { BIN, CliError, EXIT_FAILED, EXIT_OK, keepSecret, parseFlags, UsageError, type Command } from "../common";
import { pointTitle } from "../pointName";
import { commandConnection } from "../restore/config";
import { RestoreSource } from "../restore/restoreSource";

const USAGE = `Usage: ${BIN} history <table> <id> [--json] [--url <url>] [--secret <secret>]

Lists every version of one document across the kept restore points, oldest
first: the restore point that first holds it (run number, start time, label,
pinned), and which top-level fields differ from the version before, or that
the document was deleted. Field names only: values are never shown. Use it
to find the run to restore a document from:
  ${BIN} restore --table <table> --ids <id> --run <run> --out doc.zip

  <table> <id>         the table and the document's _id on the primary
  --json               print the entries as JSON instead
  --url <url>          backup deployment URL (default: BACKUP_URL from the
                       environment, .env.local or .env)
  --secret <secret>    the backup deployment's BACKUP_RESTORE_SECRET (default:
                       BACKUP_RESTORE_SECRET from the same places)
  -h, --help           this text

Only kept restore points count: a version that lived between two of them
(replaced within an hour, or only at runs retention has deleted) is not
listed, and the first version listed is compared with nothing.

Exit codes: 0 listed; 1 no kept restore point holds the document, or the
backup could not be read (unreachable, wrong secret); 2 bad usage.`;

/** Pages read at most: each holds up to 50 versions, far more than retention keeps of one document. */
const MAX_PAGES = 1_000;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      json: { type: "boolean", default: false },
      url: { type: "string" },
      secret: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    true,
  );
  keepSecret(values.secret);
  if (positionals.length !== 2) throw new UsageError(`give a table and a document id (got ${positionals.length} arguments).`);
  const [table, docId] = positionals as [string, string];
  const connection = commandConnection({ url: values.url, secret: values.secret });
  const entries = await readHistory(new RestoreSource(connection), table, docId);
  if (values.json) console.log(JSON.stringify(entries, null, 2));
  else for (const line of historyLines(table, docId, entries)) console.log(line);
  return entries.length > 0 ? EXIT_OK : EXIT_FAILED;
}

export async function readHistory(source: RestoreSource, table: string, docId: string): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  let cursor: HistoryCursor | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const read = await source.history({ table, docId, cursor });
    entries.push(...read.entries);
    if (read.cursor === null) return entries;
    cursor = read.cursor;
  }
  throw new CliError(`The history of ${table} ${docId} has more than ${MAX_PAGES} pages; the backup deployment may be damaged.`);
}

/** What `history` prints: a title, one line per entry, and how to restore one of them. */
export function historyLines(table: string, docId: string, entries: readonly HistoryEntry[]): string[] {
  if (entries.length === 0) {
    return [`No kept restore point holds ${table} ${docId} (check the table and the id; a document newer than the newest restore point is not backed up yet).`];
  }
  const versions = entries.filter((entry) => entry.kind === "version").length;
  const last = entries.at(-1)!;
  const end = last.kind === "deleted" ? (last.tableLeft ? `, gone from run ${last.point.seq} on` : `, deleted at run ${last.point.seq}`) : "";
  const titles = entries.map((entry) => {
    const pinned = entry.point.pinned ? " pinned" : "";
    return `${pointTitle(entry.point)}${pinned}`;
  });
  const width = Math.max(...titles.map((title) => title.length));
  const lines = [`History of ${table} ${docId}: ${versions} version${versions === 1 ? "" : "s"}${end} (kept restore points, oldest first)`];
  for (const [i, entry] of entries.entries()) {
    lines.push(`  ${titles[i]!.padEnd(width)}  ${new Date(entry.point.startedAt).toISOString()}  ${describeEntry(entry, entries[i - 1])}`);
  }
  if (versions > 0) {
    lines.push(`Restore a version: ${BIN} restore --table ${table} --ids ${docId} --run <run> --out ${table}-<run>.zip`);
  }
  return lines;
}

function describeEntry(entry: HistoryEntry, previous: HistoryEntry | undefined): string {
  if (entry.kind === "deleted") return entry.tableLeft ? "gone: its table is no longer backed up" : "deleted";
  const back = previous?.kind === "deleted" ? "back; " : "";
  if (entry.changes === null) return `${back}first kept version`;
  const { added, removed, changed } = entry.changes;
  const parts = [
    changed.length > 0 ? `changed ${changed.join(", ")}` : null,
    added.length > 0 ? `added ${added.join(", ")}` : null,
    removed.length > 0 ? `removed ${removed.join(", ")}` : null,
  ].filter((part) => part !== null);
  return `${back}${parts.length > 0 ? parts.join("; ") : "same fields as before (backed up again)"}`;
}

export const history: Command = {
  name: "history",
  summary: "every version of one document across the kept restore points (field names, never values)",
  usage: USAGE,
  run,
};
