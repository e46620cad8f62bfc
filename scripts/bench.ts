// npm run bench [-- --docs 100000] [--second-docs 20000] [--json out.json]
// Measures the backup against a seed-style full copy and a bare copy, side
// by side in one process (see bench/runBenchmark.ts): time, bytes on the
// wire, memory, and each run's database I/O on both deployments in Convex's
// billing units, with a monthly projection. Prints the tables and the targets
// of issues 6 and 10, and writes the figures as JSON when asked.
import "../harness/envScope";
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_DOCS, DEFAULT_SECOND_DOCS, runBenchmark, type BenchOptions, type BenchResult } from "../bench/runBenchmark";
import { formatReport, targets } from "../bench/report";

export { runBenchmark, type BenchOptions, type BenchResult };

/** What --json writes: the figures, the ratios and each target's verdict. */
export function benchJson(result: BenchResult): object {
  return { ...result, targets: targets(result) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      docs: { type: "string", default: String(DEFAULT_DOCS) },
      "second-docs": { type: "string", default: String(DEFAULT_SECOND_DOCS) },
      json: { type: "string" },
    },
  });
  const docs = Number(values.docs);
  const secondDocs = Number(values["second-docs"]);
  if (!Number.isInteger(docs) || docs < 100) throw new Error("--docs must be a whole number, at least 100.");
  if (!Number.isInteger(secondDocs) || (secondDocs !== 0 && secondDocs < 100)) {
    throw new Error("--second-docs must be a whole number, at least 100 (0 skips the second size).");
  }
  console.log(`Benchmark at ${docs} documents${secondDocs > 0 && secondDocs !== docs ? ` (and ${secondDocs} for the size comparison)` : ""}; steps:`);
  const result = await runBenchmark({ docs, secondDocs, log: (line) => console.log(line) });
  console.log("");
  console.log(formatReport(result));
  if (values.json !== undefined) {
    writeFileSync(values.json, `${JSON.stringify(benchJson(result), null, 2)}\n`);
    console.log(`\nFigures written to ${values.json}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // The backup action logs a line per table; the benchmark prints its own table.
  console.log = ((log) => (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("[backup")) return;
    log(...args);
  })(console.log.bind(console));
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
