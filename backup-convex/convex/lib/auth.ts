// Every public function of the backup deployment starts with requireSecret.
// The comparison is constant-time (SHA-256 both, then compare all 32 bytes)
// and no rejection ever echoes what was sent.
import { ConvexError } from "convex/values";
import { ERROR_CODES } from "../../../shared/protocol";
import { env } from "../_generated/server";

export const MIN_SECRET_LENGTH = 32;
const encoder = new TextEncoder();

async function sha256Bytes(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

export async function requireSecret(presented: string): Promise<void> {
  const expected = env.BACKUP_SECRET;
  if (expected === undefined || expected.length < MIN_SECRET_LENGTH) {
    throw new ConvexError({
      code: ERROR_CODES.notConfigured,
      message: `The backup deployment refuses every request until BACKUP_SECRET is set to at least ${MIN_SECRET_LENGTH} characters (npx convex env set BACKUP_SECRET ...).`,
    });
  }
  const [a, b] = await Promise.all([sha256Bytes(presented), sha256Bytes(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  if (difference !== 0) {
    throw new ConvexError({
      code: ERROR_CODES.unauthorized,
      message: "Wrong backup secret: BACKUP_SECRET differs between the primary and the backup deployment.",
    });
  }
}
