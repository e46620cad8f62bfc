// How the demo prints its figures: numbers in en-US grouping, durations in
// seconds, shares in percent, aligned tables, and the report of one backup
// run (per-table counts, loopback traffic and the action's log lines).
import { formatBytes, sumCounts } from "convex-hourly-backup";
import type { TableCounts } from "../../packages/convex-hourly-backup/src/shared/protocol";
import type { BackupRun } from "./backupRun";

export const n = (value: number): string => value.toLocaleString("en-US");
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const percent = (part: number, whole: number): string =>
  whole === 0 ? "-" : `${((100 * part) / whole).toFixed(part < whole / 100 ? 2 : 1)}%`;

/** Aligned columns: the first left-aligned, the others right-aligned. */
export function printTable(headers: string[], rows: string[][], indent = "  "): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    indent +
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("   ").trimEnd();
  console.log(line(headers));
  for (const row of rows) console.log(line(row));
}

export function printRun(title: string, run: BackupRun): void {
  const s = run.summary;
  const how = s.mode === "log" ? "read from the change log" : `a scan of every table (${s.reason ?? "scan"})`;
  console.log(`\n${title} (status ${s.status}, ${how}, ${seconds(run.wallMs)})`);
  const row = (c: TableCounts) => [c.table, n(c.scanned), n(c.changed), n(c.deleted), formatBytes(c.bytesSent), n(c.docsWritten)];
  // A scan reads every document; a change-log run only those the log names.
  printTable(["table", s.mode === "log" ? "read" : "scanned", "changed", "deleted", "bytes sent", "docs written"], [
    ...s.tables.map(row),
    row(sumCounts(s.tables)),
  ]);
  const st = run.stats;
  const paths = Object.entries(st.byPath).sort(([a], [b]) => a.localeCompare(b)).map(([p, count]) => `${p} ${n(count)}`);
  console.log(`  loopback server: ${n(st.requests)} requests (${paths.join(", ")})`);
  console.log(`                   ${formatBytes(st.bytesIn)} received by the backup, ${formatBytes(st.bytesOut)} answered`);
  const files = s.tables.find((t) => t.table === "_storage");
  if (files !== undefined) {
    console.log(
      `  file storage:    ${n(files.scanned)} files listed, ${n(files.filesCopied ?? 0)} copied (${formatBytes(files.fileBytesCopied ?? 0)}); ` +
        `${n(run.downloads.downloads)} downloads from the primary's storage (${formatBytes(run.downloads.bytesOut)}), ` +
        `${n(st.storage.uploads)} uploads to the backup's (${formatBytes(st.storage.bytesIn)})`,
    );
  }
  console.log("  log lines of backup:runNow:");
  for (const line of run.logLines) console.log(`    ${line}`);
}
