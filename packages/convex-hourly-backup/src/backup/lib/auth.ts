// Every public function of the backup deployment starts with requireSecret.
// The comparison is constant-time (SHA-256 both, then compare all 32 bytes,
// always against both accepted secrets) and no rejection ever echoes what
// was sent. During a rotation BACKUP_SECRET_PREVIOUS is accepted too.
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

export async function requireSecret(presented: string): Promise<void> {
  const current = env.BACKUP_SECRET;
  if (!usable(current)) {
    throw new ConvexError({
      code: ERROR_CODES.notConfigured,
      message: `The backup deployment refuses every request until BACKUP_SECRET is set to at least ${MIN_SECRET_LENGTH} characters (npx convex env set BACKUP_SECRET ...).`,
    });
  }
  const previous = env.BACKUP_SECRET_PREVIOUS;
  // Compare against both slots every time so timing says nothing about which matched.
  const [given, a, b] = await Promise.all([
    sha256Bytes(presented),
    sha256Bytes(current),
    sha256Bytes(usable(previous) ? previous : current),
  ]);
  const matchesCurrent = sameBytes(given, a);
  const matchesPrevious = sameBytes(given, b);
  if (!(matchesCurrent || matchesPrevious)) {
    throw new ConvexError({
      code: ERROR_CODES.unauthorized,
      message: "Wrong backup secret: BACKUP_SECRET differs between the primary and the backup deployment.",
    });
  }
}
