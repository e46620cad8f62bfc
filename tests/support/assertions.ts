// Assertions shared by the test files: what "nothing lost" means to a user.
import { expect } from "vitest";
import type { Deployments } from "../../harness/deployments";
import { currentBackup, primaryDocs, readAll, withoutKeys } from "./backupContents";

/** Keys the shop fixtures hold secrets under (users' omitted fields, nested apiKey / cardToken). */
export const SECRET_KEYS = ["passwordHash", "sessionToken", "apiKey", "cardToken"];

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
