// Assertions shared by the test files: what "nothing lost" means to a user.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { Value } from "convex/values";
import { RESTORE_PLACEHOLDERS } from "../../convex/backupConfig";
import { writeRestoreZip } from "../../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { readExportZip } from "./exportReader";
import type { Deployments } from "../../harness/deployments";
import { currentBackup, primaryDocs, readAll, withoutKeys } from "./backupContents";

/** Keys the shop fixtures hold secrets under (users' omitted fields, nested apiKey / cardToken). */
export const SECRET_KEYS = ["passwordHash", "sessionToken", "apiKey", "cardToken"];

/**
 * A primary document as a restore gives it back: the secrets removed, then
 * the required fields the backup never holds given their RESTORE_PLACEHOLDERS
 * value (users.passwordHash in the shop), as the restore writes them.
 */
export function asRestored(table: string, doc: Value): Value {
  const kept = withoutKeys(doc, SECRET_KEYS) as Record<string, Value>;
  for (const [field, value] of Object.entries(RESTORE_PLACEHOLDERS[table] ?? {})) {
    if (kept[field] === undefined) kept[field] = value;
  }
  return kept;
}

/** The backup's current state is exactly the primary's, minus redacted fields. */
export async function expectBackupEqualsPrimary(d: Deployments): Promise<void> {
  const backup = await currentBackup(d);
  for (const table of ["users", "products", "orders"] as const) {
    const expected = new Map(
      (await primaryDocs(d, table)).map((doc) => [doc._id as string, withoutKeys(doc, SECRET_KEYS)]),
    );
    expect(new Map(backup.get(table) ?? []), `table ${table}`).toEqual(expected);
  }
  // One open version per document: nothing was applied twice.
  const open = (await readAll(d, "versions")).filter((v) => v.toSeq === null).map((v) => `${v.table}/${v.docId}`);
  expect(new Set(open).size).toBe(open.length);
}

/**
 * A restore of `run` (default the latest whole point), read back as `npx convex import` would,
 * equals the primary minus redacted fields, plus placeholders.
 */
export async function expectRestoreEqualsPrimary(d: Deployments, run = "latest"): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "restore-check-"));
  try {
    const out = join(dir, "latest.zip");
    await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run, out });
    const zip = readExportZip(readFileSync(out));
    for (const table of ["users", "products", "orders"] as const) {
      const expected = new Map((await primaryDocs(d, table)).map((doc) => [doc._id as string, asRestored(table, doc)]));
      const restored = new Map((zip.documents.get(table) ?? []).map((doc) => [doc._id as string, doc as Value]));
      expect(restored, `restored ${table}`).toEqual(expected);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Nothing lost: the backup's current state and the restore point `run` (default the latest whole one) both equal the primary. */
export async function expectNothingLost(d: Deployments, run = "latest"): Promise<void> {
  await expectBackupEqualsPrimary(d);
  await expectRestoreEqualsPrimary(d, run);
}
