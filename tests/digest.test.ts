// Document hashes: every stored version is filed under sha256(canonical
// JSON), so the synchronous SHA-256 must give exactly what crypto.subtle
// gives (the digest backups were made with), and utf8Length exactly what
// TextEncoder writes, for any text: block edges, multi-byte characters,
// surrogate pairs and lone surrogates, texts longer than the reused buffers.
import { describe, expect, test } from "vitest";
import { EMPTY_RANGE_DIGEST, rangeDigest, sha256, sha256Bytes, sha256Sync, utf8Length, xorDigests } from "../packages/convex-hourly-backup/src/shared/digest";

async function subtleSha256(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const PIECES = ["a", "Z", " ", '"', "\\", "\n", "\u0001", "é", "€", "\u07ff", "\u0800", "\uffff", "😀", "\ud800", "\udfff", "\u2028"];

/** Deterministic texts of every length class: around each 64-byte block edge, multi-byte, long. */
function texts(): string[] {
  const out = ["", "abc"];
  for (let n = 0; n < 200; n++) out.push("x".repeat(n));
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 300; i++) {
    let text = "";
    const length = Math.floor(next() * (i % 10 === 0 ? 5000 : 300));
    while (text.length < length) text += PIECES[Math.floor(next() * PIECES.length)]!;
    out.push(text);
  }
  // Longer than the reused encoding buffers (16 Ki and 16 Ki UTF-16 units).
  out.push("y".repeat(70_000), "€😀\ud800".repeat(20_000));
  return out;
}

describe("document hashes", () => {
  test("a known SHA-256 value", () => {
    expect(sha256Sync("abc")).toBe("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    expect(sha256Sync("")).toBe("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  });

  test("sha256, sha256Sync and sha256Bytes equal crypto.subtle's digest of the UTF-8 bytes", async () => {
    for (const text of texts()) {
      const expected = await subtleSha256(text);
      expect(sha256Sync(text)).toBe(expected);
      expect(await sha256(text)).toBe(expected);
      const bytes = await sha256Bytes(text);
      expect(btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")).toBe(expected);
    }
  });

  test("utf8Length equals the length TextEncoder writes", () => {
    for (const text of texts()) expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
  });

  test("range digests: XOR of the hashes, each added and removed alike", async () => {
    const hashes = ["a", "b", "c"].map(sha256Sync);
    const all = await rangeDigest(hashes);
    expect(all).not.toBe(EMPTY_RANGE_DIGEST);
    expect(xorDigests(all, hashes)).toBe(EMPTY_RANGE_DIGEST);
    expect(xorDigests(await rangeDigest(hashes.slice(0, 2)), [hashes[2]!])).toBe(all);
    expect(EMPTY_RANGE_DIGEST).toBe("A".repeat(43));
  });
});
