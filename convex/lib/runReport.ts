// What a run says about itself: the summary backup:runNow returns and the
// log lines the dashboard shows. Counts, sizes and table names only.
import type { Infer } from "convex/values";
import { v } from "convex/values";
import { vTableCounts, zeroCounts, type TableCounts } from "../../shared/protocol";

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
  }
  return total;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** "orders: scanned 10000, changed 12, deleted 1, sent 10.2 KiB" ("read" for a change-log run). */
export function describeCounts(c: TableCounts, options: { dryRun: boolean; mode: "log" | "scan" }): string {
  const read = options.mode === "log" ? "read" : "scanned";
  const changed = options.dryRun ? "would change" : "changed";
  const deleted = options.dryRun ? "would delete" : "deleted";
  return `${c.table}: ${read} ${c.scanned}, ${changed} ${c.changed}, ${deleted} ${c.deleted}, sent ${formatBytes(c.bytesSent)}`;
}
