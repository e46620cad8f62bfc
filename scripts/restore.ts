// npm run restore: writes a completed backup run as a ZIP that
// `npx convex import --replace-all` accepts (see scripts/restore/writeRestoreZip.ts).
//
//   npm run restore -- --run latest --out restore.zip
//   npm run restore -- --run 2025-05-01T12:00:00Z --out restore.zip --tables users,orders
//   npm run restore -- --run latest --dry-run
//
// Exits 1 with a message (never the secret) when the backup is unreachable,
// the secret is wrong or the run does not exist; no partial ZIP is left.
import { parseArgs } from "node:util";
import { loadBackupConnection } from "./restore/config";
import { formatBytes, progressReporter } from "./restore/progressReporter";
import { importCommand, writeRestoreZip, type RestoreResult } from "./restore/writeRestoreZip";

const USAGE = `Usage: npm run restore -- --run <runId | latest | ISO time> --out <file.zip> [options]

Writes the primary's documents as of a completed backup run as a ZIP in the
layout of \`npx convex export\`; restore it with
\`npx convex import --replace-all <file.zip>\`.

  --run <selector>   latest            the newest completed run
                     <ISO time>        the newest completed run that started at or
                                       before it (e.g. 2025-05-01T12:00:00Z; no zone = local)
                     <run id>          that run (must be completed)
  --out <file.zip>   where to write the ZIP (replaced if it exists)
  --tables a,b       only these tables (default: all the run backed up); import
                     such a ZIP with --replace: --replace-all empties the others
  --dry-run          print the run, its tables and document counts; write nothing
  --url <url>        backup deployment URL    (default: BACKUP_URL from the
  --secret <secret>  shared BACKUP_SECRET      environment, .env.local or .env)
  -h, --help         this text`;

class UsageError extends Error {}

function parseOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        run: { type: "string" },
        out: { type: "string" },
        tables: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        url: { type: "string" },
        secret: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.run === undefined) throw new UsageError("--run is required (latest, a run id or an ISO time).");
  const dryRun = values["dry-run"];
  if (!dryRun && values.out === undefined) throw new UsageError("--out is required unless --dry-run.");
  const tables = values.tables?.split(",").map((t) => t.trim()).filter((t) => t !== "");
  if (tables !== undefined && tables.length === 0) throw new UsageError("--tables lists no table.");
  return { run: values.run, out: values.out, tables, dryRun, url: values.url, secret: values.secret };
}

function describe(result: RestoreResult): string {
  const when = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
  const lines = [
    `Run ${result.seq} (${result.runId}): started ${when(result.startedAt)}, finished ${when(result.finishedAt)}`,
  ];
  const width = Math.max(5, ...result.tables.map((t) => t.table.length));
  for (const t of result.tables) {
    const number = t.tableNumber === null ? "" : `  table number ${t.tableNumber}`;
    lines.push(`  ${t.table.padEnd(width)}  ${String(t.documents).padStart(9)} documents${number}`);
  }
  const total = result.tables.reduce((sum, t) => sum + t.documents, 0);
  lines.push(`  ${"total".padEnd(width)}  ${String(total).padStart(9)} documents`);
  if (result.dryRun) {
    lines.push("Dry run: nothing written.");
  } else {
    lines.push(`Wrote ${result.out} (${formatBytes(result.bytes)}). Restore it with: ${importCommand(result.out!, result.partial)}`);
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const options = parseOptions();
  const connection = loadBackupConnection({ url: options.url, secret: options.secret });
  const progress = progressReporter();
  let result: RestoreResult;
  try {
    result = await writeRestoreZip({ ...options, ...connection, onProgress: progress.onProgress });
  } finally {
    progress.finish();
  }
  console.log(describe(result));
  for (const t of result.tables) {
    if (!result.dryRun && t.documents !== t.expected) {
      console.warn(
        `Warning: ${t.table} has ${t.documents} documents in the ZIP but run ${result.seq} recorded ${t.expected}; ` +
          "the backup changed during the restore (retention?). Run the restore again.",
      );
    }
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`restore failed: ${message}`);
  if (error instanceof UsageError) console.error(`\n${USAGE}`);
  process.exit(1);
});
