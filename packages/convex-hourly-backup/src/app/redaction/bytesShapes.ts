// Bytes fields are data, not text: they are only checked for a PEM private
// key ("-----BEGIN ... PRIVATE KEY-----" stored as an ArrayBuffer, as an app
// that keeps a key file in v.bytes() does). A text key is masked like a
// string; bytes that are not UTF-8 text around such a block are removed.
import { maskSecretText, type SecretName } from "./valueShapes";

/** "-----BEGIN" */
const BEGIN = [45, 45, 45, 45, 45, 66, 69, 71, 73, 78];

/** Whether the bytes hold "-----BEGIN" (one pass, no copy). */
function holdsPemBegin(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(45); i >= 0 && i + BEGIN.length <= bytes.length; i = bytes.indexOf(45, i + 1)) {
    let j = 1;
    while (j < BEGIN.length && bytes[i + j] === BEGIN[j]) j++;
    if (j === BEGIN.length) return true;
  }
  return false;
}

/** The bytes unchanged, their text with the private key masked, or null: binary holding a key, to remove. */
export function maskSecretBytes(buffer: ArrayBuffer, isSecretName: SecretName): ArrayBuffer | null {
  const bytes = new Uint8Array(buffer);
  if (!holdsPemBegin(bytes)) return buffer;
  const text = new TextDecoder().decode(bytes);
  if (!text.includes("PRIVATE KEY")) return buffer;
  // Not UTF-8 text (a replacement character): the key cannot be cut out in place.
  if (text.includes("\uFFFD")) return null;
  const masked = maskSecretText(text, isSecretName);
  if (masked === text) return buffer;
  const out = new TextEncoder().encode(masked);
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
}
