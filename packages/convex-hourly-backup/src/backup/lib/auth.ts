// Every public function of the backup deployment starts with one of these
// checks. Two credentials, two powers:
// - BACKUP_SECRET, which the primary holds, only appends: it starts, checks
//   and completes runs and sends documents' hashes and contents in. It reads
//   no document contents back and prunes, pins or unpins nothing.
// - BACKUP_RESTORE_SECRET, which the primary never holds, reads restore
//   points (documents, schemas, history) and pins or unpins them.
// Status (run records, counts, times) accepts either.
// Comparisons are constant-time (SHA-256 both, then compare all 32 bytes,
// always against every accepted slot) and no rejection ever echoes what was
// sent. During a rotation the *_PREVIOUS value is accepted too.
import { ConvexError } from "convex/values";
import { ERROR_CODES, MIN_SECRET_LENGTH } from "../../shared/protocol";
import { sha256Bytes } from "../../shared/digest";
import { env } from "../_generated/server";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

function usable(secret: string | undefined): secret is string {
  return secret !== undefined && secret.length >= MIN_SECRET_LENGTH;
}

type Credential = { name: string; current: string | undefined; previous: string | undefined };

const appendCredential = (): Credential => ({ name: "BACKUP_SECRET", current: env.BACKUP_SECRET, previous: env.BACKUP_SECRET_PREVIOUS });
const restoreCredential = (): Credential => ({
  name: "BACKUP_RESTORE_SECRET",
  current: env.BACKUP_RESTORE_SECRET,
  previous: env.BACKUP_RESTORE_SECRET_PREVIOUS,
});

/** Which of the credentials `presented` matches (each compared in full, whatever matched). */
async function matches(presented: string, credentials: Credential[]): Promise<boolean[]> {
  const given = await sha256Bytes(presented);
  return Promise.all(
    credentials.map(async ({ current, previous }) => {
      if (!usable(current)) return false;
      // Compare against both slots every time so timing says nothing about which matched.
      const [a, b] = await Promise.all([sha256Bytes(current), sha256Bytes(usable(previous) ? previous : current)]);
      const matchesCurrent = sameBytes(given, a);
      const matchesPrevious = sameBytes(given, b);
      return matchesCurrent || matchesPrevious;
    }),
  );
}

function requireConfigured(): void {
  if (!usable(env.BACKUP_SECRET)) {
    throw new ConvexError({
      code: ERROR_CODES.notConfigured,
      message: `The backup deployment refuses every request until BACKUP_SECRET is set to at least ${MIN_SECRET_LENGTH} characters (npx convex env set BACKUP_SECRET ...).`,
    });
  }
}

/** The primary's credential: starting, checkpointing and completing runs, sending documents. */
export async function requireSecret(presented: string): Promise<void> {
  requireConfigured();
  const [ok] = await matches(presented, [appendCredential()]);
  if (!ok) {
    throw new ConvexError({
      code: ERROR_CODES.unauthorized,
      message: "Wrong backup secret: BACKUP_SECRET differs between the primary and the backup deployment.",
    });
  }
}

/**
 * The restore credential: reading documents, schemas and history of restore
 * points, pinning and unpinning. The primary's BACKUP_SECRET is refused here.
 */
export async function requireRestoreAccess(presented: string): Promise<void> {
  requireConfigured();
  const restore = restoreCredential();
  if (!usable(restore.current)) {
    throw new ConvexError({
      code: ERROR_CODES.restoreNotConfigured,
      message: `Restores are refused until BACKUP_RESTORE_SECRET is set on the backup deployment to at least ${MIN_SECRET_LENGTH} characters (npx convex-hourly-backup setup prints the command). Never set it on the primary.`,
    });
  }
  const [isRestore, isAppend] = await matches(presented, [restore, appendCredential()]);
  if (isRestore && isAppend) {
    throw new ConvexError({
      code: ERROR_CODES.restoreNotConfigured,
      message: "BACKUP_RESTORE_SECRET equals BACKUP_SECRET, which the primary holds: set a different BACKUP_RESTORE_SECRET on the backup deployment (npx convex-hourly-backup setup).",
    });
  }
  if (!isRestore) {
    throw new ConvexError({
      code: ERROR_CODES.unauthorized,
      message: isAppend
        ? "The primary's BACKUP_SECRET can only append runs: reading or pinning restore points needs BACKUP_RESTORE_SECRET."
        : "Wrong restore secret: it is not the backup deployment's BACKUP_RESTORE_SECRET.",
    });
  }
}

/** Run records and counts, never document contents: either credential. */
export async function requireStatusAccess(presented: string): Promise<void> {
  requireConfigured();
  const found = await matches(presented, [appendCredential(), restoreCredential()]);
  if (!found.some(Boolean)) {
    throw new ConvexError({
      code: ERROR_CODES.unauthorized,
      message: "Wrong secret: it is neither the backup deployment's BACKUP_SECRET nor its BACKUP_RESTORE_SECRET.",
    });
  }
}
