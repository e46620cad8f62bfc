// What a run says about itself: the summary backup:runNow returns and the
// log lines the dashboard shows. Counts, sizes, table names and redacted
// paths only: never a value.
import type { Infer } from "convex/values";
import { v } from "convex/values";
import { vRedactedPath, vTableCounts, zeroCounts, type RedactedPath, type TableCounts } from "../shared/protocol";

export const vRunStatusSummary = v.union(
  v.literal("completed"),
  v.literal("dryRun"),
  /** Another run holds the lease; this one did nothing. */
  v.literal("alreadyRunning"),
  /** Time budget used up: a scheduled continuation resumes the run. */
  v.literal("continued"),
);

export const vRunSummary = v.object({
  runId: v.union(v.string(), v.null()),
  status: vRunStatusSummary,
  /** "log": only what the change log named was read; "scan": every page was compared (see `reason`). */
  mode: v.optional(v.union(v.literal("log"), v.literal("scan"))),
  /** Why a scan: first run, configuration changed, scheduled, asked, no change capture. */
  reason: v.optional(v.string()),
  tables: v.array(vTableCounts),
  durationMs: v.number(),
  /**
   * What redaction removed from the documents this run read: each distinct
   * path per table with its kind ("omitted", "key", "value") and how many
   * values, never a value; sorted by path. At most MAX_RUN_REDACTIONS.
   * Absent when the run did nothing (alreadyRunning).
   */
  redactions: v.optional(v.array(vRedactedPath)),
  /**
   * The redacted paths seen for the first time: not known at the previous
   * restore point. Absent on a dry run, which compares with no earlier run.
   */
  newRedactions: v.optional(v.array(vRedactedPath)),
  /** Tables with more distinct redacted paths than `redactions` lists. */
  redactionsCapped: v.optional(v.array(v.string())),
});
export type RunSummary = Infer<typeof vRunSummary>;

/** The per-table counts added up, as the run's total line reports them. */
export function sumCounts(results: TableCounts[]): TableCounts {
  const total = zeroCounts("total");
  for (const r of results) {
    total.scanned += r.scanned;
    total.changed += r.changed;
    total.deleted += r.deleted;
    total.bytesSent += r.bytesSent;
    total.docsWritten += r.docsWritten;
    if (r.missedByLog !== undefined) total.missedByLog = (total.missedByLog ?? 0) + r.missedByLog;
    if (r.verified !== undefined) total.verified = (total.verified ?? 0) + r.verified;
    if (r.filesCopied !== undefined) {
      total.filesCopied = (total.filesCopied ?? 0) + r.filesCopied;
      total.fileBytesCopied = (total.fileBytesCopied ?? 0) + (r.fileBytesCopied ?? 0);
    }
  }
  return total;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/**
 * "orders: scanned 10000, changed 12, deleted 1, sent 10.2 KiB" ("read" for a
 * change-log run); file storage adds ", files copied 3 (1.20 MiB)".
 */
export function describeCounts(c: TableCounts, options: { dryRun: boolean; mode: "log" | "scan" }): string {
  const read = options.mode === "log" ? "read" : "scanned";
  const changed = options.dryRun ? "would change" : "changed";
  const deleted = options.dryRun ? "would delete" : "deleted";
  const skipped = (c.filesSkipped ?? 0) === 0 ? "" : `, WARNING: ${c.filesSkipped} not copied (${formatBytes(c.fileBytesSkipped ?? 0)}; the point lacks them, the next run tries again)`;
  const files = c.filesCopied === undefined ? "" : `, files copied ${c.filesCopied} (${formatBytes(c.fileBytesCopied ?? 0)})${skipped}`;
  // A change-log run's verification: documents compared with the backup, and what the log had missed among them.
  const verified = c.verified === undefined ? "" : `, verified ${c.verified}${c.missedByLog ? ` (missed by the log ${c.missedByLog})` : ""}`;
  return `${c.table}: ${read} ${c.scanned}, ${changed} ${c.changed}, ${deleted} ${c.deleted}${verified}, sent ${formatBytes(c.bytesSent)}${files}`;
}

// Convex keeps 256 log lines per function call and 4 KiB per line: the
// redaction report is grouped per table and every line is cut well short.
export const MAX_LOG_LINE_CHARS = 3_500;
/** Tables given a line of their own; the rest share one line. */
export const MAX_REDACTION_TABLE_LINES = 40;
/** NEW paths given a line of their own; the rest share one line. */
export const MAX_NEW_PATH_LINES = 20;

const keyOf = (entry: Pick<RedactedPath, "table" | "path" | "kind">) => `${entry.table} ${entry.kind} ${entry.path}`;

/** The entries not among `known` (by table, path and kind): redacted for the first time. */
export function firstSeen(entries: readonly RedactedPath[], known: readonly RedactedPath[]): RedactedPath[] {
  const seen = new Set(known.map(keyOf));
  return entries.filter((entry) => !seen.has(keyOf(entry)));
}

/** Items joined with ", " inside MAX_LOG_LINE_CHARS (after `head`), then "... and N more". */
function packLine(head: string, items: readonly string[], tail = ""): string {
  let line = head;
  let used = 0;
  for (const item of items) {
    const next = `${used === 0 ? "" : ", "}${item}`;
    // Room for the ", ... and N more" ending and the tail.
    if (line.length + next.length + tail.length + 40 > MAX_LOG_LINE_CHARS) break;
    line += next;
    used += 1;
  }
  if (used < items.length) line += `${used === 0 ? "" : ", "}... and ${items.length - used} more`;
  return line + tail;
}

/**
 * The log lines of a run's redaction report: one per table
 * ("[backup] redacted in users: passwordHash (omitted, 2000), ..."), then one
 * per path seen for the first time ("[backup] NEW redacted path:
 * orders.payment.card.number (key)"). Bounded whatever the report holds:
 * at most MAX_REDACTION_TABLE_LINES + MAX_NEW_PATH_LINES + 3 lines of at most
 * MAX_LOG_LINE_CHARS each. `newOnes` null: a dry run, which compares with nothing.
 */
export function redactionLines(
  label: string,
  report: { entries: readonly RedactedPath[]; capped: readonly string[]; newOnes: readonly RedactedPath[] | null },
): string[] {
  const lines: string[] = [];
  const byTable = new Map<string, RedactedPath[]>();
  for (const entry of report.entries) {
    const list = byTable.get(entry.table) ?? [];
    list.push(entry);
    byTable.set(entry.table, list);
  }
  for (const table of report.capped) if (!byTable.has(table)) byTable.set(table, []);
  const tables = [...byTable.keys()].sort();
  if (tables.length === 0) lines.push(`${label} redacted: nothing in the documents this run read`);
  const capped = new Set(report.capped);
  for (const table of tables.slice(0, MAX_REDACTION_TABLE_LINES)) {
    const items = byTable.get(table)!.map((e) => `${e.path.startsWith(`${table}.`) ? e.path.slice(table.length + 1) : e.path} (${e.kind}, ${e.count})`);
    const tail = capped.has(table) ? " (more paths were redacted than listed)" : "";
    lines.push(packLine(`${label} redacted in ${table}: `, items, tail));
  }
  if (tables.length > MAX_REDACTION_TABLE_LINES) {
    const rest = tables.slice(MAX_REDACTION_TABLE_LINES);
    lines.push(packLine(`${label} redacted in ${rest.length} more tables (see the run summary): `, rest));
  }
  if (report.newOnes === null) {
    if (tables.length > 0) {
      lines.push(`${label} a dry run compares with no earlier run: every path listed is one a run would redact (a run logs those it sees for the first time as NEW)`);
    }
    return lines;
  }
  const describe = (e: RedactedPath) => `${e.path} (${e.kind})`;
  const own = report.newOnes.length <= MAX_NEW_PATH_LINES ? report.newOnes.length : MAX_NEW_PATH_LINES - 1;
  for (const entry of report.newOnes.slice(0, own)) lines.push(`${label} NEW redacted path: ${describe(entry)}`);
  const rest = report.newOnes.slice(own);
  if (rest.length > 0) lines.push(packLine(`${label} NEW redacted paths, ${rest.length} more: `, rest.map(describe)));
  return lines;
}
