// The benchmark runs in CI at a small size: every figure of the --json
// output is there and is a finite number. Timings are the machine's and are
// never asserted.
import { expect, test } from "vitest";
import { benchJson, runBenchmark } from "../scripts/bench";

const RUNS = ["baseline", "full", "unchanged", "changed", "bare"] as const;
const RUN_FIGURES = ["ms", "bytes", "requests", "writes", "rowsWritten", "bytesWritten"] as const;
const RATIOS = [
  "unchangedBytesVsBaseline",
  "changedBytesVsBaseline",
  "changedWritesPerChangedDoc",
  "fullVsBare",
  "latency50VsZero",
  "heapFullVsTenth",
  "restoreVsRead",
] as const;

test("npm run bench -- --docs 5000 --json reports every run and ratio as a finite number", async () => {
  const json = JSON.parse(JSON.stringify(benchJson(await runBenchmark({ docs: 5000 })))) as {
    docs: unknown;
    runs: Record<string, Record<string, unknown>>;
    ratios: Record<string, unknown>;
    targets: { name: string; pass: boolean }[];
  };

  expect(json.docs).toBe(5000);
  for (const run of RUNS) {
    for (const figure of RUN_FIGURES) {
      const value = json.runs[run]?.[figure];
      expect(typeof value === "number" && Number.isFinite(value), `runs.${run}.${figure} = ${String(value)}`).toBe(true);
    }
  }
  for (const ratio of RATIOS) {
    const value = json.ratios[ratio];
    expect(typeof value === "number" && Number.isFinite(value), `ratios.${ratio} = ${String(value)}`).toBe(true);
  }
  // What carries over to a real deployment, independent of the machine:
  // every document reached the backup, and an unchanged run rewrote nothing.
  expect(json.runs.full!.writes).toBe(5000);
  expect(json.runs.unchanged!.writes).toBe(0);
  expect(json.runs.baseline!.writes).toBe(5000);
  expect(json.runs.unchanged!.bytes).toBeLessThan(json.runs.baseline!.bytes as number);
  expect(json.targets.length).toBeGreaterThan(0);
}, 120_000);
