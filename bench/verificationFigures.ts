// Benchmark only (issue 18): what rolling verification and change capture
// add to the hourly cost. A change-log run reads tables only for its
// verification (the slice and the new-documents check: the primary's
// readPage; the backup's diffRange and applyRange), so a run's verification
// share is those paths' I/O. The slice of verifyEveryHours H is
// ceil(N / H) documents a table (at least one) in whole pages; both windows are measured
// (bench/verificationDay.ts). The app's own change-log rows (what the
// wrapped mutations write on the primary) are counted from the log before a run drains it.
import type { PrimaryDeployment } from "../harness/deployments";
import { CHANGE_LOG_TABLE } from "../packages/convex-hourly-backup/src/app/changeLog/schema";
import { PAGE_MAX_DOCS } from "../packages/convex-hourly-backup/src/app/functions/readPage";
import { sliceMinDocs } from "../packages/convex-hourly-backup/src/app/verification";
import { storedSizes, type RunIoDetail } from "./ioFigures";

const PRIMARY_PATHS = ["backup:readPage", "backup:readDocs"];
const BACKUP_PATHS = ["sync:diffRange", "sync:applyRange"];

/** Billable bytes (1 KiB rounding) and documents read, per deployment. */
export type Share = { primaryBillable: number; backupBillable: number; primaryDocsRead: number; backupDocsRead: number };

/** The verification's share of a change-log run's I/O. */
export function verificationShare(detail: RunIoDetail): Share {
  const sum = (calls: RunIoDetail["calls"]["primary"], paths: string[], key: "billable" | "docs") =>
    paths.reduce((total, path) => {
      const c = calls[path];
      if (c === undefined) return total;
      return total + (key === "docs" ? c.docsRead : c.billableRead + c.billableWritten);
    }, 0);
  return {
    primaryBillable: sum(detail.calls.primary, PRIMARY_PATHS, "billable"),
    backupBillable: sum(detail.calls.backup, BACKUP_PATHS, "billable"),
    primaryDocsRead: sum(detail.calls.primary, PRIMARY_PATHS, "docs"),
    backupDocsRead: sum(detail.calls.backup, BACKUP_PATHS, "docs"),
  };
}

export const shareBillable = (s: Share) => s.primaryBillable + s.backupBillable;

/**
 * Documents the first `runs` runs of a pass compare at verifyEveryHours `hours`: per table and run
 * ceil(n / hours), at least one, rounded up to whole pages (the bench's documents are small: pages
 * of PAGE_MAX_DOCS), until the table's end.
 */
export const sliceDocs = (tableSizes: readonly number[], hours: number, runs = 1) =>
  tableSizes.reduce((sum, n) => sum + Math.min(n, runs * Math.ceil(sliceMinDocs(n, hours) / PAGE_MAX_DOCS) * PAGE_MAX_DOCS), 0);

/** The change-log rows waiting on the primary: how many, raw bytes and billable (each rounded up to 1 KiB) as written. */
export async function logRowsWritten(primary: PrimaryDeployment): Promise<{ rows: number; raw: number; billable: number }> {
  return primary.t.run(async (ctx) => {
    const rows = await ctx.db.query(CHANGE_LOG_TABLE).collect();
    return { rows: rows.length, ...storedSizes(rows) };
  });
}
