// Benchmark only: the printed table and the targets of issue 6, pass or fail.
import { cpus } from "node:os";
import { formatBytes } from "../convex/lib/runBackup";
import { HEAP_FLOOR_BYTES, type BenchResult, type RunFigures } from "./runBenchmark";
import { shopSizeFor } from "./shopSize";

/** Writes a changed run may make besides one per changed document: the run record and the like. */
export const WRITES_PER_RUN_ALLOWANCE = 16;

export type Target = { name: string; figure: string; limit: string; pass: boolean };

const bytes = formatBytes;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const percent = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;
const times = (ratio: number) => `${ratio.toFixed(2)}x`;

export function targets(r: BenchResult): Target[] {
  const changedLimit = r.details.changedDocs + WRITES_PER_RUN_ALLOWANCE;
  const list: Target[] = [
    {
      name: "changed run: backup documents (versions) written",
      figure:
        `${r.runs.changed.writes} (${r.ratios.changedWritesPerChangedDoc.toFixed(2)} per changed document; ` +
        `rows touched ${r.runs.changed.rowsWritten} = ${r.ratios.changedRowsPerChangedDoc.toFixed(2)} per changed document, ` +
        `${bytes(r.runs.changed.bytesWritten)} written = ${percent(r.ratios.changedBytesWrittenVsBaseline)} of the baseline's)`,
      limit: `<= ${r.details.changedDocs} changed + ${WRITES_PER_RUN_ALLOWANCE} = ${changedLimit}`,
      pass: r.runs.changed.writes <= changedLimit,
    },
    {
      name: "unchanged run: bytes on the wire vs baseline",
      figure: percent(r.ratios.unchangedBytesVsBaseline),
      limit: "<= 2 %",
      pass: r.ratios.unchangedBytesVsBaseline <= 0.02,
    },
    {
      name: "1 % changed run: bytes on the wire vs baseline",
      figure: percent(r.ratios.changedBytesVsBaseline),
      limit: "<= 5 %",
      pass: r.ratios.changedBytesVsBaseline <= 0.05,
    },
    { name: "full run time vs bare copy", figure: times(r.ratios.fullVsBare), limit: "<= 1.5x", pass: r.ratios.fullVsBare <= 1.5 },
    {
      name: `full run at ${r.details.latency.latencyMs} ms vs 0 ms`,
      figure: times(r.ratios.latency50VsZeroFull),
      limit: "<= 1.5x",
      pass: r.ratios.latency50VsZeroFull <= 1.5,
    },
    {
      name: `changed run at ${r.details.latency.latencyMs} ms vs 0 ms`,
      figure: times(r.ratios.latency50VsZeroChanged),
      limit: "<= 1.5x",
      pass: r.ratios.latency50VsZeroChanged <= 1.5,
    },
    {
      name: "backup action's peak memory, full size vs 10 %",
      figure: `${times(r.ratios.heapFullVsTenth)} (${bytes(r.details.memory.full.runPeakBytes)} vs ${bytes(r.details.memory.tenth.runPeakBytes)})`,
      limit: `<= 1.3x; peaks under ${bytes(HEAP_FLOOR_BYTES)} count as ${bytes(HEAP_FLOOR_BYTES)}`,
      pass: r.ratios.heapFullVsTenth <= 1.3,
    },
  ];
  if (r.ratios.restoreVsRead === null) {
    list.push({ name: "restore ZIP time vs bare read", figure: "n/a (restore not available)", limit: "<= 2x", pass: false });
  } else {
    list.push({
      name: "restore ZIP time vs bare read",
      figure: times(r.ratios.restoreVsRead),
      limit: "<= 2x",
      pass: r.ratios.restoreVsRead <= 2,
    });
  }
  list.push({
    name: "no Convex limit exceeded (transactionLimits on)",
    figure: "every run completed",
    limit: "no limit error",
    pass: true,
  });
  return list;
}

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
}

export function formatReport(r: BenchResult): string {
  const size = shopSizeFor(r.docs);
  const lines: string[] = [];
  lines.push(
    `Benchmark: ${r.docs} documents (${size.users} users, ${size.products} products, ${size.orders} orders), ` +
      `${cpus().length} cores, ${(r.details.totalMs / 1000).toFixed(0)} s in all. In-process deployments (convex-test):`,
  );
  lines.push("times are the mock's, compare them only as ratios; bytes, requests and writes carry over to Convex.");
  lines.push("");
  const widths = [40, 10, 9, 11, 11, 9, 8, 14];
  lines.push(row(["run", "time", "requests", "bytes up", "bytes down", "versions", "rows", "bytes written"], widths));
  const runRow = (label: string, f: RunFigures, name: keyof BenchResult["runs"]) =>
    row([label, seconds(f.ms), String(f.requests), bytes(r.details.bytesUp[name]), bytes(r.details.bytesDown[name]), String(f.writes), String(f.rowsWritten), bytes(f.bytesWritten)], widths);
  lines.push(runRow("baseline: seed-style upsert of all", r.runs.baseline, "baseline"));
  lines.push(runRow("bare: paginate + POST each page", r.runs.bare, "bare"));
  lines.push(runRow("full: first run", r.runs.full, "full"));
  lines.push(runRow("unchanged: second run", r.runs.unchanged, "unchanged"));
  const c = r.details.change;
  lines.push(runRow(`changed: ${r.details.changedDocs} docs changed`, r.runs.changed, "changed"));
  lines.push(`  (the change: ${c.updated} updated, ${c.inserted} inserted, ${c.deleted} deleted, ${c.sessionRotations} session tokens rotated, which the backup never sees)`);
  const lat = r.details.latency;
  lines.push(row([`full at ${lat.latencyMs} ms per request`, seconds(lat.fullMs), "", "", "", ""], widths));
  lines.push(row([`changed at ${lat.latencyMs} ms per request`, seconds(lat.changedMs), "", "", "", ""], widths));
  const restore = r.details.restore;
  if (restore === null) {
    lines.push("restore: n/a (restore not available)");
  } else {
    lines.push(row([`restore ZIP, latest run (${restore.documents} docs)`, seconds(restore.zipMs), "", "", bytes(restore.zipBytes), ""], widths));
    lines.push(row([`bare read of backup (${restore.readDocuments} rows)`, seconds(restore.readMs), "", "", "", ""], widths));
  }
  lines.push("");
  const memWidths = [28, 12, 12, 12, 12, 14];
  lines.push(row(["memory, changed run", "idle heap", "live peak", "raw peak", "stored", "run's own peak"], memWidths));
  for (const [label, m] of [
    [`${r.details.memory.tenth.docs} docs (10 %)`, r.details.memory.tenth],
    [`${r.details.memory.full.docs} docs (full)`, r.details.memory.full],
  ] as const) {
    lines.push(
      row(
        [
          label,
          bytes(m.baselineBytes),
          m.livePeakBytes === null ? "n/a" : bytes(m.livePeakBytes),
          bytes(m.rawPeakBytes),
          bytes(Math.max(0, m.afterBytes - m.baselineBytes)),
          bytes(m.runPeakBytes),
        ],
        memWidths,
      ),
    );
  }
  if (restore !== null) lines.push(`restore ZIP: run's own peak ${bytes(restore.heap.runPeakBytes)} (raw peak ${bytes(restore.heap.rawPeakBytes)})`);
  lines.push("");
  lines.push("targets");
  for (const t of targets(r)) lines.push(`  [${t.pass ? "pass" : "FAIL"}] ${t.name}: ${t.figure} (target ${t.limit})`);
  return lines.join("\n");
}
