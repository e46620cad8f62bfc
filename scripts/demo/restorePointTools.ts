// Step 7 of the demo: what users do with restore points, through the
// product's own code paths: pin and label run 1, list one changed document's
// history, put it back as run 1 held it (revert), show that the primary's
// BACKUP_SECRET cannot read the backup, and run the backup deployment's
// stale-backup check.
import { internal } from "../../convex/_generated/api";
import { internal as backupInternal } from "../../packages/convex-hourly-backup/src/backup/_generated/api";
import { historyLines, readHistory } from "../../packages/convex-hourly-backup/src/cli/commands/history";
import { revertLines } from "../../packages/convex-hourly-backup/src/cli/commands/revert";
import { RestoreError, RestoreSource } from "../../packages/convex-hourly-backup/src/cli/restore/restoreSource";
import type { Deployments } from "../../harness/deployments";
import type { Checks } from "./checks";
import type { Snapshot } from "./primarySnapshot";

const LABEL = "before-changes";

export async function showRestorePointTools(d: Deployments, checks: Checks, seeded: Snapshot, changed: Snapshot): Promise<void> {
  const source = new RestoreSource({ url: d.backup.server.url, secret: d.restoreSecret });

  // Pin run 1 under a label: retention keeps it until it is unpinned.
  const pinned = await source.pin({ kind: "seq", seq: 1 }, LABEL);
  console.log(`\nRestore points (the CLI's pin, history and revert, with BACKUP_RESTORE_SECRET):`);
  console.log(`  pin 1 --label ${LABEL}: run ${pinned.seq} pinned ("${pinned.label}"); retention keeps it until unpinned`);
  checks.expect(pinned.pinned && pinned.label === LABEL, "run 1 was not pinned with its label");

  // A product the second run changed: its history, then put back as run 1 held it.
  const before = seeded.get("products") ?? new Map<string, string>();
  const productId = [...(changed.get("products") ?? new Map<string, string>())].find(([id, hash]) => before.has(id) && before.get(id) !== hash)?.[0];
  checks.expect(productId !== undefined, "no product changed between the runs");
  if (productId === undefined) return;
  const entries = await readHistory(source, "products", productId);
  for (const line of historyLines("products", productId, entries)) console.log(`  ${line}`);
  checks.expect(entries.length >= 2, `the history of a changed product lists ${entries.length} versions`);

  const read = await source.readDocuments({ seq: 1, table: "products", ids: [productId] });
  // What `convex-hourly-backup revert --label before-changes` runs through `npx convex run`.
  const report = await d.primary.t.mutation(internal.backup.revertDocuments, { table: "products", documents: read.documents });
  for (const line of revertLines("products", `run 1 "${LABEL}"`, report)) console.log(`  ${line}`);
  checks.expect(report.reverted.length === 1 && report.reverted[0]!.id === productId, "revert did not put the product back");

  // Least privilege: the primary's secret appends runs, it cannot read them back.
  const fromPrimary = new RestoreSource({ url: d.backup.server.url, secret: d.secret });
  const refused = await fromPrimary.getRestorePoint({ kind: "latest" }).then(
    () => null,
    (error: unknown) => (error instanceof RestoreError ? error : null),
  );
  console.log(`  a restore with the primary's BACKUP_SECRET: ${refused === null ? "ALLOWED" : `refused (${refused.message.replace(/^.*UNAUTHORIZED: /, "")})`}`);
  checks.expect(refused !== null, "the primary's BACKUP_SECRET read a restore point");

  // The backup deployment's own check (a cron every 15 minutes): fresh backups, no alert.
  const alert = await d.backup.t.action(backupInternal.alerts.check, {});
  console.log(`  alerts:check on the backup deployment: ${alert.stale ? "STALE: an alert was raised" : "the newest restore point is fresh, no alert"}`);
  checks.expect(!alert.stale, "the alert check found fresh backups stale");
}
