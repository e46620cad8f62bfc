// The benchmark runs in CI at a small size: every figure of the --json
// output is there and is a finite number, and the database I/O figures are
// consistent with each other and with what each run did. Timings are the
// machine's and are never asserted.
import { expect, test } from "vitest";
import { benchJson, runBenchmark } from "../scripts/bench";
import { shopSizeFor } from "../bench/shopSize";
import { sliceDocs } from "../bench/verificationFigures";

const DOCS = 3000;
const SECOND_DOCS = 1000;

const RUNS = [
  "baselineFirst",
  "baseline",
  "bare",
  "full",
  "idle",
  "changed",
  "retention",
  "reconcileChanged",
  "reconcileAsked",
  "reconcileUnchanged",
  "verify",
  "restore",
] as const;
const RUN_FIGURES = ["ms", "bytes", "requests", "writes", "rowsWritten", "bytesWritten"] as const;
const IO_FIGURES = ["docsRead", "docsWritten", "bytesRead", "bytesWritten", "billableRead", "billableWritten", "calls"] as const;
const RATIOS = [
  "unchangedBytesVsBaseline",
  "changedBytesVsBaseline",
  "changedWritesPerChangedDoc",
  "fullVsBare",
  "fullVsBareSecondSize",
  "latency50VsZero",
  "heapFullVsTenth",
  "heapFullVsTenthSecondSize",
  "heapScanFullVsTenth",
  "heapScanFullVsTenthSecondSize",
  "restoreVsRead",
  "changedIoVsIdeal",
  "idleIoBytes",
  "reconcileBackupReadsPerPage",
] as const;

type Io = Record<(typeof IO_FIGURES)[number], number>;
type Json = {
  docs: number;
  runs: Record<(typeof RUNS)[number], Record<string, unknown> & { writes: number; bytes: number; io: { primary: Io; backup: Io } }>;
  ratios: Record<string, unknown>;
  details: {
    changedDocs: number;
    modes: Record<string, string>;
    change: { updated: number; inserted: number; deleted: number };
    unlogged: Record<"scheduled" | "asked", { changed: number; found: number; missedByLog: number }>;
    ideal: { billable: number; io: { primary: Io; backup: Io } };
    pages: { reconcileUnchanged: number };
    projection: { rows: { docs: number; total: { primary: { billable: number; raw: number }; backup: { billable: number; raw: number } } }[] };
    secondSize: { docs: number } | null;
    ioDetail: Record<string, { calls: Record<"primary" | "backup", Record<string, { calls: number; docsRead: number; billableRead: number; docsWritten: number; billableWritten: number }>> }>;
  };
  targets: { name: string; pass: boolean }[];
};

const isCount = (value: unknown) => typeof value === "number" && Number.isInteger(value) && value >= 0;

test(`npm run bench -- --docs ${DOCS} --second-docs ${SECOND_DOCS} --json: every run's figures and I/O, consistent`, async () => {
  const json = JSON.parse(JSON.stringify(benchJson(await runBenchmark({ docs: DOCS, secondDocs: SECOND_DOCS })))) as Json;

  expect(json.docs).toBe(DOCS);
  expect(json.details.secondSize?.docs).toBe(SECOND_DOCS);
  for (const run of RUNS) {
    for (const figure of RUN_FIGURES) {
      const value = json.runs[run]?.[figure];
      expect(typeof value === "number" && Number.isFinite(value), `runs.${run}.${figure} = ${String(value)}`).toBe(true);
    }
    for (const side of ["primary", "backup"] as const) {
      const io = json.runs[run].io[side];
      for (const figure of IO_FIGURES) expect(isCount(io[figure]), `runs.${run}.io.${side}.${figure} = ${String(io[figure])}`).toBe(true);
      // Billable rounds each document up to at least 1 KiB: never below raw, at least 1 KiB a document.
      expect(io.billableRead).toBeGreaterThanOrEqual(io.bytesRead);
      expect(io.billableRead).toBeGreaterThanOrEqual(1024 * io.docsRead);
      expect(io.billableWritten).toBeGreaterThanOrEqual(io.bytesWritten);
      expect(io.billableWritten).toBeGreaterThanOrEqual(1024 * io.docsWritten);
    }
  }
  for (const ratio of RATIOS) {
    const value = json.ratios[ratio];
    expect(typeof value === "number" && Number.isFinite(value), `ratios.${ratio} = ${String(value)}`).toBe(true);
  }

  // What carries over to a real deployment, independent of the machine:
  // every document reached the backup, and an idle hour rewrote nothing.
  const { runs, details } = json;
  expect(runs.full.writes).toBe(DOCS);
  expect(runs.idle.writes).toBe(0);
  expect(runs.baseline.writes).toBe(DOCS);
  expect(runs.idle.bytes).toBeLessThan(runs.baseline.bytes);

  // The copies read every primary document once; the hourly upsert reads each backup copy (lookup, then replace).
  expect(runs.bare.io.primary.docsRead).toBe(DOCS);
  expect(runs.baseline.io.primary.docsRead).toBe(DOCS);
  expect(runs.baseline.io.backup.docsRead).toBeGreaterThanOrEqual(DOCS);
  // Our runs: the first reads every primary document; the idle and changed hours read far fewer.
  expect(runs.full.io.primary.docsRead).toBeGreaterThanOrEqual(DOCS);
  expect(runs.full.io.backup.docsWritten).toBeGreaterThanOrEqual(DOCS);
  expect(runs.idle.io.primary.docsRead).toBeLessThan(runs.full.io.primary.docsRead);
  // (Its verification aside: at this size a slice is a page or a whole table, 1,000 documents at most.)
  const changedVerification = (json.details as unknown as { verification: { changed24: { primaryDocsRead: number } } }).verification.changed24;
  expect(runs.changed.io.primary.docsRead - changedVerification.primaryDocsRead).toBeLessThan(runs.full.io.primary.docsRead / 10);
  // Every updated or inserted document is read once at least (a deleted one reads nothing).
  expect(runs.changed.io.primary.docsRead).toBeGreaterThanOrEqual(details.change.updated + details.change.inserted);
  expect(runs.changed.io.backup.docsWritten).toBeGreaterThan(runs.idle.io.backup.docsWritten);
  expect(runs.idle.io.primary.calls).toBeGreaterThan(0);
  expect(runs.idle.io.backup.calls).toBeGreaterThan(0);
  // Each run found changes the way it was meant to.
  expect(details.modes).toMatchObject({
    full: "scan (first run)",
    idle: "log",
    changed: "log",
    reconcileChanged: "scan (configuration changed)",
    reconcileAsked: "scan (asked)",
    reconcileUnchanged: "scan (configuration changed)",
  });
  // Reconciliations read every primary document and find what the log missed.
  for (const run of ["reconcileChanged", "reconcileAsked", "reconcileUnchanged"] as const) {
    expect(runs[run].io.primary.docsRead).toBeGreaterThanOrEqual(DOCS);
  }
  for (const kind of ["scheduled", "asked"] as const) {
    const u = details.unlogged[kind];
    expect(u.changed).toBeGreaterThan(0);
    expect(u.found, `${kind}: changed by the reconciliation`).toBe(u.changed);
    expect(u.missedByLog, `${kind}: reported missed by the log`).toBe(u.changed);
  }
  expect(runs.reconcileUnchanged.writes).toBe(0);
  expect(details.pages.reconcileUnchanged).toBeGreaterThan(0);
  // Retention only touches the backup; restore only reads it; verify writes nothing.
  expect(runs.retention.io.primary.calls).toBe(0);
  expect(runs.retention.io.backup.docsWritten).toBeGreaterThan(0);
  expect(runs.restore.io.backup.docsRead).toBeGreaterThanOrEqual(DOCS);
  expect(runs.restore.io.backup.docsWritten).toBe(0);
  expect(runs.verify.io.primary.docsWritten + runs.verify.io.backup.docsWritten).toBe(0);

  // Where the I/O goes: the per-path figures add up to each run's totals.
  for (const run of ["full", "changed", "retention", "reconcileUnchanged", "verify", "restore"] as const) {
    for (const side of ["primary", "backup"] as const) {
      const paths = Object.values(details.ioDetail[run]!.calls[side]);
      const sum = (key: "calls" | "docsRead" | "billableRead" | "docsWritten" | "billableWritten") => paths.reduce((total, p) => total + p[key], 0);
      const io = runs[run].io[side];
      expect({ calls: sum("calls"), docsRead: sum("docsRead"), billableRead: sum("billableRead"), docsWritten: sum("docsWritten"), billableWritten: sum("billableWritten") }, `${run} ${side}`).toEqual({
        calls: io.calls,
        docsRead: io.docsRead,
        billableRead: io.billableRead,
        docsWritten: io.docsWritten,
        billableWritten: io.billableWritten,
      });
    }
  }

  // The ratios are what their definitions say.
  const billable = (io: { primary: Io; backup: Io }) =>
    io.primary.billableRead + io.primary.billableWritten + io.backup.billableRead + io.backup.billableWritten;
  // Rolling verification (issue 18): each change-log run's slice is reported on its own, and left out of these two.
  type Share = { primaryBillable: number; backupBillable: number; primaryDocsRead: number; backupDocsRead: number };
  type Run = { compared: number; share: Share; runBillable: number };
  type Day = { runs: number; compared: number; total: Share; perRun: Share; primaryReadsPerDoc: number };
  type Window = { everyHours: number; first: Run & { slice: number; created: number }; day: Day };
  type Verification = {
    window24: Window;
    window168: Window;
    probes: { noSlice: Run; inserts: Run & { inserted: number } };
    changed24: Share;
    logRows: { rows: number; billable: number };
  };
  const v = (json.details as unknown as { verification: Verification }).verification;
  const shareOf = (x: Share) => x.primaryBillable + x.backupBillable;
  // Each window is measured over simulated hours. The first hour after the scan compares its slice and, once, every
  // document created in the new-documents window that starts 5 minutes before the scan: here the whole seed.
  const slice = (hours: number) => sliceDocs(Object.values(shopSizeFor(DOCS)), hours);
  for (const w of [v.window24, v.window168]) {
    expect(w.first).toMatchObject({ slice: slice(w.everyHours), created: DOCS, compared: slice(w.everyHours) + DOCS });
    expect(w.first.share.primaryDocsRead).toBe(w.first.compared);
    // Then a day: 24 hourly runs, each reading its slice and nothing else on the primary.
    expect(w.day.runs).toBe(24);
    expect(w.day.total.primaryDocsRead).toBe(w.day.compared);
    expect(w.day.primaryReadsPerDoc).toBeCloseTo(w.day.compared / DOCS, 10);
  }
  // A day at 24 h reads each document once (its slices: a whole pass, 1 % inserted before its last hour included); at 168 h
  // its 24 runs go on with the pass the first hour began (slices in whole pages: at this size it ends within the day).
  expect(v.window24.day.compared).toBeGreaterThanOrEqual(DOCS);
  expect(v.window24.day.compared).toBeLessThanOrEqual(DOCS * 1.01 + 3);
  const sizes = Object.values(shopSizeFor(DOCS));
  expect(v.window168.day.compared).toBe(sliceDocs(sizes, 168, 25) - sliceDocs(sizes, 168));
  // After the first pass, before the next is due: an idle run compares nothing; the next compares exactly the documents inserted in its window.
  expect(v.probes.noSlice.compared).toBe(0);
  expect(v.probes.inserts.inserted).toBe(DOCS / 100);
  expect(v.probes.inserts).toMatchObject({ compared: DOCS / 100, share: { primaryDocsRead: DOCS / 100 } });
  expect(v.logRows.rows).toBeGreaterThan(0);
  expect(json.ratios.idleIoBytes).toBe(v.probes.noSlice.runBillable);
  expect(details.ideal.billable).toBe(billable(details.ideal.io));
  expect(details.ideal.io.primary.docsRead).toBe(details.changedDocs);
  expect(json.ratios.changedIoVsIdeal).toBeCloseTo((billable(runs.changed.io) - shareOf(v.changed24)) / details.ideal.billable, 10);
  expect(json.ratios.reconcileBackupReadsPerPage).toBeCloseTo(runs.reconcileUnchanged.io.backup.docsRead / details.pages.reconcileUnchanged, 10);

  // The monthly projection: 10k / 100k / 1M documents, growing with size, billable never below raw.
  expect(details.projection.rows.map((row) => row.docs)).toEqual([10_000, 100_000, 1_000_000]);
  const totals = details.projection.rows.map((row) => row.total.primary.billable + row.total.backup.billable);
  expect(totals[0]).toBeGreaterThan(0);
  expect(totals[1]).toBeGreaterThan(totals[0]!);
  expect(totals[2]).toBeGreaterThan(totals[1]!);
  for (const row of details.projection.rows) {
    const r = row as unknown as Record<"total168" | "verification24" | "verification168" | "logRows", { primary: { billable: number } }>;
    expect(r.verification24.primary.billable).toBeGreaterThan(r.verification168.primary.billable);
    expect(r.logRows.primary.billable).toBeGreaterThan(0);
    expect(r.total168.primary.billable).toBeLessThan(row.total.primary.billable);
    expect(row.total.primary.billable).toBeGreaterThanOrEqual(row.total.primary.raw);
    expect(row.total.backup.billable).toBeGreaterThanOrEqual(row.total.backup.raw);
  }

  // File storage: the first run copies each distinct content once, an idle hour nothing, a changed hour the new files.
  type FileRun = { listed: number; filesCopied: number; bytesCopied: number; uploadedBytes: number; downloadedBytes: number };
  type Files = { files: number; contents: number; contentBytes: number; picturesReplaced: number; newBytes: number; first: FileRun; idle: FileRun; changed: FileRun };
  const files = (json.details as unknown as { files: Files }).files;
  expect(files.files).toBeGreaterThan(files.contents);
  expect(files.first).toMatchObject({ listed: files.files, filesCopied: files.contents, bytesCopied: files.contentBytes, uploadedBytes: files.contentBytes });
  expect(files.idle).toMatchObject({ filesCopied: 0, bytesCopied: 0, uploadedBytes: 0, downloadedBytes: 0 });
  expect(files.changed).toMatchObject({ filesCopied: files.picturesReplaced, bytesCopied: files.newBytes, uploadedBytes: files.newBytes });

  const names = json.targets.map((t) => t.name).join("\n");
  for (const key of ["changedIoVsIdeal", "idleIoBytes", "a day of idle hours", "reconcileBackupReadsPerPage", "full run time vs bare copy", "restore ZIP"]) {
    expect(names).toContain(key);
  }
}, 180_000);
