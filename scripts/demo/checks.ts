// The consistency checks: both runs' figures must add up against what changed
// on the primary, and the backup's stored state must equal the primary's.
// Failures are collected, not thrown, so the demo prints every one and exits 1.
import { sumCounts, type RunSummary } from "convex-hourly-backup";
import { countOf, type FilesSnapshot, type Snapshot, type TableChange } from "./primarySnapshot";
import type { BackupScan } from "./redactionCheck";
import type { ChangeReport } from "../../harness/shopData";
import type { BackupRun } from "./backupRun";

export class Checks {
  readonly failures: string[] = [];
  expect(ok: boolean, what: string): void {
    if (!ok) this.failures.push(what);
  }
}

export function checkRuns(
  checks: Checks,
  tables: string[],
  seeded: Snapshot,
  changed: Snapshot,
  expected: TableChange[],
  first: RunSummary,
  second: RunSummary,
): void {
  checks.expect(first.status === "completed" && second.status === "completed", "both runs completed");
  checks.expect(first.mode === "scan" && second.mode === "log", `run 1 scans (${first.mode}), run 2 reads the change log (${second.mode})`);
  for (const table of tables) {
    const a = first.tables.find((c) => c.table === table);
    const b = second.tables.find((c) => c.table === table);
    const e = expected.find((c) => c.table === table)!;
    if (a === undefined || b === undefined) {
      checks.failures.push(`${table}: missing from a run's summary`);
      continue;
    }
    const docs = countOf(seeded, table);
    checks.expect(a.scanned === docs, `${table}: run 1 scanned ${a.scanned}, the primary has ${docs}`);
    checks.expect(a.changed === docs, `${table}: run 1 changed ${a.changed}, expected all ${docs}`);
    checks.expect(a.deleted === 0, `${table}: run 1 deleted ${a.deleted}, expected 0`);
    // A version is one row (small documents are inline in it), more with content chunks.
    checks.expect(a.docsWritten >= a.changed, `${table}: run 1 wrote ${a.docsWritten} documents for ${a.changed} versions`);
    const now = countOf(changed, table);
    checks.expect(b.documents === now, `${table}: run 2 counts ${b.documents} documents, the primary has ${now}`);
    // Run 2 reads what the change log names, not the whole table.
    checks.expect(b.scanned < now, `${table}: run 2 read ${b.scanned} documents of ${now}`);
    const want = e.updated + e.inserted;
    checks.expect(b.changed === want, `${table}: run 2 changed ${b.changed}, the primary changed ${want}`);
    checks.expect(b.deleted === e.deleted, `${table}: run 2 deleted ${b.deleted}, the primary deleted ${e.deleted}`);
    // Incremental means cheaper, as long as most of the table stayed as it was.
    if (want + e.deleted < now / 2) checks.expect(b.bytesSent < a.bytesSent, `${table}: run 2 sent no less than run 1`);
  }
}

/**
 * File storage: run 1 copies each distinct content once, run 2 only the new
 * pictures; the bytes the action reported are those both servers counted.
 */
export function checkFiles(checks: Checks, seeded: FilesSnapshot, report: ChangeReport, first: BackupRun, second: BackupRun): void {
  const a = first.summary.tables.find((t) => t.table === "_storage");
  const b = second.summary.tables.find((t) => t.table === "_storage");
  if (a === undefined || b === undefined) {
    checks.failures.push("_storage: missing from a run's summary");
    return;
  }
  checks.expect(a.scanned === seeded.files && a.changed === seeded.files, `_storage: run 1 listed ${a.scanned} and recorded ${a.changed} files, the primary has ${seeded.files}`);
  checks.expect(a.filesCopied === seeded.contents, `_storage: run 1 copied ${a.filesCopied} files, the primary has ${seeded.contents} distinct contents`);
  checks.expect(a.fileBytesCopied === seeded.contentBytes, `_storage: run 1 copied ${a.fileBytesCopied} bytes, the distinct contents hold ${seeded.contentBytes}`);
  const replaced = report.picturesReplaced;
  checks.expect(b.changed === replaced && b.deleted === replaced, `_storage: run 2 recorded ${b.changed} new and ${b.deleted} deleted files, ${replaced} pictures were replaced`);
  checks.expect(b.filesCopied === replaced && b.fileBytesCopied === report.pictureBytes, `_storage: run 2 copied ${b.filesCopied} files (${b.fileBytesCopied} bytes), the new pictures are ${replaced} (${report.pictureBytes} bytes)`);
  for (const [run, counts] of [[first, a], [second, b]] as const) {
    const copied = counts.fileBytesCopied ?? 0;
    checks.expect(run.stats.storage.bytesIn === copied, `_storage: the backup received ${run.stats.storage.bytesIn} file bytes, the run reported ${copied}`);
    checks.expect(run.downloads.bytesOut === copied, `_storage: the primary's storage served ${run.downloads.bytesOut} bytes, the run reported ${copied}`);
  }
}

export function checkBackupState(checks: Checks, tables: string[], primary: Snapshot, scan: BackupScan, runs: RunSummary[]): number {
  let matching = 0;
  for (const table of tables) {
    const want = primary.get(table) ?? new Map<string, string>();
    const have = scan.current.get(table) ?? new Map<string, string>();
    for (const [id, hash] of want) if (have.get(id) === hash) matching += 1;
    checks.expect(have.size === want.size, `${table}: the backup holds ${have.size} current documents, the primary ${want.size}`);
  }
  const total = tables.reduce((sum, table) => sum + countOf(primary, table), 0);
  checks.expect(matching === total, `only ${matching} of ${total} documents match the primary`);
  const versionsWritten = runs.reduce((sum, run) => sum + sumCounts(run.tables).changed, 0);
  const stored = (table: string) => scan.rows.get(table) ?? 0;
  checks.expect(stored("versions") === versionsWritten, `the backup holds ${stored("versions")} versions, the runs wrote ${versionsWritten}`);
  checks.expect(stored("contents") === scan.chunksDeclared, `${stored("contents")} content chunks stored, versions declare ${scan.chunksDeclared}`);
  checks.expect(scan.documentsRead === stored("versions"), `${scan.documentsRead} stored documents read, ${stored("versions")} versions`);
  checks.expect(stored("runs") === runs.length, `the backup records ${stored("runs")} runs, ${runs.length} ran`);
  return matching;
}
