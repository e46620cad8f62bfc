// npm run demo: the whole backup on one machine, with real figures.
// Starts both deployments in-process (the backup served over loopback HTTP),
// seeds the example shop (with product pictures in file storage), backs it
// up, changes about 1% of it and replaces a few pictures, backs it up again,
// then checks that the backup equals the primary and holds no secret.
//
//   npm run demo
//   npm run demo -- --users 200 --products 500 --orders 1000 --fraction 0.05 --seed 7
//
// Exits 1 when a secret is found in the backup or a figure is inconsistent.
import "../harness/envScope";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { importAdvice } from "../packages/convex-hourly-backup/src/cli/restore/importAdvice";
import { filesAdvice } from "../packages/convex-hourly-backup/src/cli/restore/restoreFiles";
import { formatBytes, sumCounts } from "convex-hourly-backup";
import { backupSettings } from "../packages/convex-hourly-backup/src/app/settings";
import schema from "../convex/schema";
import { EXCLUDED_TABLES } from "../convex/backupConfig";
import { startDeployments } from "../harness/deployments";
import { changeShop, seedShop, type ChangeReport } from "../harness/shopData";
import { parseOptions, USAGE, UsageError } from "./demo/options";
import { n, percent, printRun, printTable, seconds } from "./demo/output";
import { runBackup } from "./demo/backupRun";
import { compareSnapshots, countOf, snapshotPrimary } from "./demo/primarySnapshot";
import { collectSecrets, scanBackup, SecretFinder } from "./demo/redactionCheck";
import { checkBackupState, checkFiles, checkRuns, Checks } from "./demo/checks";
import { showRestorePointTools } from "./demo/restorePointTools";
import { primaryFiles } from "./demo/primarySnapshot";

async function main(): Promise<number> {
  const options = parseOptions();
  const demoStarted = performance.now();
  const checks = new Checks();
  const tables = backupSettings({ schema, excludedTables: EXCLUDED_TABLES }).backedUpTables();
  const d = await startDeployments();
  try {
    console.log("Convex hourly backup: demo");
    console.log(`  primary: in-process deployment (convex-test, Convex's transaction limits on)`);
    console.log(`  backup:  in-process deployment served at ${d.backup.server.url}, reached over HTTP by ConvexHttpClient`);

    // Step 1: the shop, and what the backup must find and must never hold.
    let started = performance.now();
    const ids = await seedShop(d.primary, options, options.seed, { pictures: true });
    const seededFiles = await primaryFiles(d.primary);
    console.log(
      `\nSeeded the shop: ${n(options.users)} users, ${n(options.products)} products, ${n(options.orders)} orders ` +
        `(seed ${options.seed}) in ${seconds(performance.now() - started)}`,
    );
    console.log(
      `  file storage: ${n(seededFiles.files)} product pictures (PNG), ${n(seededFiles.contents)} distinct contents ` +
        `(${formatBytes(seededFiles.contentBytes)}; category placeholders share one content under many ids)`,
    );
    const seeded = await snapshotPrimary(d.primary, tables);
    const secrets = new Set<string>();
    const selfCheck = await collectSecrets(d.primary, tables, secrets);

    // Step 2: the first run copies everything.
    const first = await runBackup(d.primary, d.backup);
    printRun("Run 1: first backup, everything is new", first);

    // Step 3: an hour of shop activity; the snapshots say what run 2 must find.
    started = performance.now();
    const report: ChangeReport = await changeShop(d.primary, ids, {
      fraction: options.fraction,
      deletes: options.deletes,
      inserts: options.inserts,
      seed: options.seed + 1,
      pictures: options.pictures,
    });
    const changed = await snapshotPrimary(d.primary, tables);
    await collectSecrets(d.primary, tables, secrets);
    const expected = compareSnapshots(seeded, changed);
    console.log(`\nBetween the runs, on the primary (${seconds(performance.now() - started)}):`);
    console.log(
      `  ${n(report.updated)} documents edited (${Number((options.fraction * 100).toFixed(2))}% of each table), ${n(report.deleted)} orders deleted, ` +
        `${n(report.inserted)} orders placed, ${n(report.sessionRotations)} session tokens rotated, ` +
        `${n(report.picturesReplaced)} product pictures replaced (${formatBytes(report.pictureBytes)} of new files; the old ones deleted)`,
    );
    printTable(
      ["table", "documents", "updated", "inserted", "deleted"],
      expected.map((e) => [e.table, n(countOf(changed, e.table)), n(e.updated), n(e.inserted), n(e.deleted)]),
    );
    console.log("  (updated = the sanitized document differs; a rotated session token alone changes nothing, it is never backed up)");

    // Step 4: the second run sends only what changed.
    const second = await runBackup(d.primary, d.backup);
    printRun("Run 2: incremental backup", second);
    const t1 = sumCounts(first.summary.tables);
    const t2 = sumCounts(second.summary.tables);
    console.log(
      `\nRun 2 vs run 1: ${percent(t2.bytesSent, t1.bytesSent)} of the bytes sent, ` +
        `${percent(second.stats.requests, first.stats.requests)} of the requests, ` +
        `${percent(t2.docsWritten, t1.docsWritten)} of the documents written`,
    );
    checkRuns(checks, tables, seeded, changed, expected, first.summary, second.summary);
    checkFiles(checks, seededFiles, report, first, second);

    // Step 5: read back everything the backup stores: equal to the primary, no secret.
    started = performance.now();
    // The shared BACKUP_SECRET must not be stored or logged either.
    secrets.add(d.secret);
    const finder = new SecretFinder(secrets);
    const secretsInLogs = finder.count([...first.logLines, ...second.logLines].join("\n"));
    const scan = await scanBackup(d.backup, finder);
    const matching = checkBackupState(checks, tables, changed, scan, [first.summary, second.summary]);
    const secretKeyCount = [...scan.secretKeys.values()].reduce((a, b) => a + b, 0);
    console.log(`\nWhat the backup deployment stores (read back in ${seconds(performance.now() - started)}):`);
    console.log(`  rows: ${[...scan.rows].map(([table, count]) => `${table} ${n(count)}`).join(", ")}`);
    console.log(`  current state equals the primary's: ${n(matching)} of ${n(tables.reduce((s, t) => s + countOf(changed, t), 0))} documents (same ids, same hashes)`);

    console.log("\nRedaction check (every row of every table of the backup deployment):");
    console.log(
      `  detector self-check: in one unsanitized document of ${selfCheck.tables.join(", ")} it flags ` +
        `${selfCheck.keys} secret fields and ${selfCheck.values} secret values`,
    );
    console.log(
      `  secret values checked: ${n(finder.size)} (every string the primary keeps under a secret key or an omitted field, ` +
        "and BACKUP_SECRET)",
    );
    console.log(`  secret fields found in the backup: ${n(secretKeyCount)}`);
    for (const [key, count] of scan.secretKeys) console.log(`    ${key}: ${n(count)}`);
    console.log(`  secret values found in the backup: ${n(scan.secretValues)}`);
    console.log(`  secret values found in the log lines: ${n(secretsInLogs)}`);
    checks.expect(
      selfCheck.sampled > 0 && selfCheck.tables.length === selfCheck.sampled,
      "the detectors missed secrets in an unsanitized primary document",
    );
    checks.expect(finder.size > 0, "no secret values to check");
    checks.expect(secretKeyCount === 0, `${secretKeyCount} secret fields found in the backup`);
    checks.expect(scan.secretValues === 0, `${scan.secretValues} secret values found in the backup`);
    checks.expect(secretsInLogs === 0, `${secretsInLogs} secret values found in the log lines`);

    // Step 6: the first run is still a restore point: rebuild it as an import ZIP.
    started = performance.now();
    const dir = mkdtempSync(join(tmpdir(), "convex-backup-demo-"));
    try {
      const out = join(dir, "restore-run1.zip");
      const restored = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: first.summary.runId!, out });
      console.log(`\nRestore of run 1 (the state before the changes) in ${seconds(performance.now() - started)}:`);
      printTable(
        ["table", "documents", "in run 1", "table number"],
        restored.tables.map((t) => [t.table, n(t.documents), n(countOf(seeded, t.table)), String(t.tableNumber)]),
      );
      const files = restored.files ?? { files: 0, bytes: 0 };
      console.log(
        `  _storage: ${n(files.files)} files (${formatBytes(files.bytes)}), each checked against its SHA-256; ` +
          `run 1 had ${n(seededFiles.files)} (${formatBytes(seededFiles.bytes)})`,
      );
      checks.expect(files.files === seededFiles.files && files.bytes === seededFiles.bytes, `restore of run 1 has ${files.files} files, run 1 had ${seededFiles.files}`);
      console.log(`  ${formatBytes(restored.bytes)} ZIP in the layout of \`npx convex export\`; on a real deployment, what the restore advises:`);
      const absent = { missing: restored.missingTables, leftOut: restored.leftOutTables };
      for (const line of importAdvice("restore-run1.zip", restored.seq, absent)) console.log(`  ${line}`);
      for (const line of filesAdvice(restored.files, restored.filesLeftOut)) console.log(`  ${line}`);
      for (const t of restored.tables) {
        checks.expect(t.documents === countOf(seeded, t.table), `restore of run 1 has ${t.documents} ${t.table}, run 1 had ${countOf(seeded, t.table)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // Step 7: pin, history, revert; the primary's secret refused; the alert check.
    await showRestorePointTools(d, checks, seeded, changed);

    console.log(`\nDemo finished in ${seconds(performance.now() - demoStarted)}.`);
    if (checks.failures.length > 0) {
      console.log(`FAILED: ${checks.failures.length} check(s):`);
      for (const failure of checks.failures) console.log(`  - ${failure}`);
      return 1;
    }
    console.log("All checks passed: both runs add up (documents and files), the backup equals the primary, holds no secret, run 1 restores with its files, and pin, history, revert and the access checks work.");
    return 0;
  } finally {
    await d.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error("Demo failed:", error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
