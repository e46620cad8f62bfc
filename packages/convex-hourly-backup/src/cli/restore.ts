// npm run restore: writes a completed backup run as a ZIP that
// `npx convex import` accepts (see scripts/restore/writeRestoreZip.ts).
//
//   npm run restore -- --run latest --out restore.zip
//   npm run restore -- --run 2025-05-01T12:00:00Z --out restore.zip --tables users,orders
//   npm run restore -- --run 42 --dry-run
//
// Exits 0 only with a whole ZIP written (or a dry run). Exits 1 with a message
// (never the secret) when the backup is unreachable, the secret is wrong, the
// run does not exist or is no restore point, --out cannot be written, the
// restore could not be whole (retention started pruning the run meanwhile),
// or a document would not import into the app's schema as the run stored it
// (a required field redaction removed with no RESTORE_PLACEHOLDERS value in
// convex/backupConfig.ts, or any other mismatch); no file is left then.
import { parseArgs } from "node:util";
import { loadBackupConnection } from "./restore/config";
import { formatBytes, progressReporter } from "./restore/progressReporter";
import { importAdvice, writeRestoreZip, type RestoreResult } from "./restore/writeRestoreZip";

const USAGE = `Usage: npm run restore -- --run <latest | run number | ISO time | run id> --out <file.zip> [options]

Writes the primary's documents as of a completed backup run as a ZIP in the
layout of \`npx convex export\`, then prints the command that imports it.

  --run <selector>   latest            the newest completed run
                     <run number>      the run with that sequence number, digits
                                       only (e.g. 42; backup:status lists them)
                     <ISO time>        the newest completed run that started at or
                                       before it: 2025-05-01T12:00:00Z, or without
                                       a zone in local time (2025-05-01 is local
                                       midnight, 2025-05-01T12:00 local noon)
                     <run id>          that run (a Convex id: 31+ letters and
                                       digits, never digits only)
                     The run must be completed: a run still running, failed, or
                     being deleted by retention (pruning) is no restore point.
  --out <file.zip>   where to write the ZIP (replaced if it exists; not a folder)
  --tables a,b       only these tables (default: all the run backed up)
  --dry-run          print the run, its tables and document counts; write nothing
  --url <url>        backup deployment URL    (default: BACKUP_URL from the
  --secret <secret>  shared BACKUP_SECRET      environment, .env.local or .env)
  -h, --help         this text

Every document is checked against the app's schema as the run stored it. A
required field the backup never holds (redacted) gets the value
RESTORE_PLACEHOLDERS in convex/backupConfig.ts names for it; without one, or
for any other mismatch, the restore stops and writes nothing, naming the
table, the field and the setting to add.

Importing: \`npx convex import --replace-all <zip>\` empties every table not in
the ZIP, the tables of every component included; \`--replace\` replaces only the
ZIP's tables. A partial ZIP (--tables, or tables the run never backed up) is
always imported with --replace: the restore prints which.

Exit code 0: the ZIP is whole (or a dry run). 1: nothing written, with the
reason (backup unreachable, wrong secret, no such restore point, --out not
writable, the run stopped being a restore point during the restore, or a
document that would not import into the stored schema).`;

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
  if (values.run === undefined) throw new UsageError("--run is required (latest, a run number, an ISO time or a run id).");
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
  const absent = { missing: result.missingTables, leftOut: result.leftOutTables };
  lines.push(
    result.schemaChecked
      ? `Documents ${result.dryRun ? "will be" : "were"} checked against the app's schema as run ${result.seq} stored it.`
      : `Run ${result.seq} stored no schema the app enforces (older than stored schemas, or schemaValidation off): documents are not checked.`,
  );
  for (const p of result.placeholders) {
    const count = result.dryRun ? "" : ` (${p.documents} documents)`;
    lines.push(`  ${p.table}.${p.path} ${result.dryRun ? "will get" : "got"} its RESTORE_PLACEHOLDERS value${count}: the backup never holds it.`);
  }
  if (result.dryRun) {
    if (result.missingTables.length > 0) {
      lines.push(`Run ${result.seq} holds no data for ${result.missingTables.join(", ")}: its ZIP would be partial (import with --replace).`);
    }
    lines.push("Dry run: nothing written.");
  } else {
    lines.push(`Wrote ${result.out} (${formatBytes(result.bytes)}).`, ...importAdvice(result.out!, result.seq, absent));
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
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`restore failed: ${message}`);
  if (error instanceof UsageError) console.error(`\n${USAGE}`);
  process.exit(1);
});
