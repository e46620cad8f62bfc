// Hashing shared by both deployments. The primary hashes each sanitized
// document; both sides digest a key range the same way, so comparing two
// 43-character strings tells whether a whole range is already backed up.
// A range's digest is the XOR of its documents' hashes: order-free and
// updatable in place, so the backup keeps the digests of ranges it has seen
// current as single documents change (a hash covers the document's _id, so
// two documents never cancel out).
// Runs in Convex's default runtime: TextEncoder and @noble/hashes (plain JS).
// SHA-256 is synchronous: crypto.subtle's digest is one async job and promise
// per call, which cost more than hashing a document of a few hundred bytes.
import { convexToJson, type Value } from "convex/values";
import { sha256 as sha256Digest } from "@noble/hashes/sha2.js";

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE64URL_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64URL.length; i++) BASE64URL_INDEX[BASE64URL.charCodeAt(i)] = i;

/** JSON of a Convex value with object keys sorted, so equal values hash equally. */
export function canonicalJson(value: Value): string {
  return JSON.stringify(sortKeys(convexToJson(value)));
}

function sortKeys(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(sortKeys);
  if (json !== null && typeof json === "object") {
    const record = json as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(record).sort()) sorted[key] = sortKeys(record[key]);
    return sorted;
  }
  return json;
}

const encoder = new TextEncoder();
// Texts up to a third of this are measured by encoding into it, not into a new array.
const scratch = new Uint8Array(48 * 1024);

export function utf8Length(text: string): number {
  return text.length * 3 <= scratch.length ? encoder.encodeInto(text, scratch).written : encoder.encode(text).length;
}

/** SHA-256 of the text's UTF-8 bytes (lone surrogates as U+FFFD, as TextEncoder writes them). */
function sha256Utf8(text: string): Uint8Array {
  return sha256Digest(encoder.encode(text));
}

/** SHA-256 of the text's UTF-8 bytes. */
export function sha256Bytes(text: string): Promise<Uint8Array> {
  return Promise.resolve(sha256Utf8(text));
}

/** SHA-256 of the text's UTF-8 bytes, base64url without padding (43 chars). */
export function sha256(text: string): Promise<string> {
  return Promise.resolve(sha256Sync(text));
}

/** sha256, without a promise: for hashing many documents in a loop. */
export function sha256Sync(text: string): string {
  return toBase64Url(sha256Utf8(text));
}

/** Digest of a key range: the XOR of its documents' hashes (an empty range is all zeros). */
export function rangeDigest(hashes: readonly string[]): Promise<string> {
  return Promise.resolve(xorDigests(EMPTY_RANGE_DIGEST, hashes));
}

const DIGEST_BYTES = 32;
export const EMPTY_RANGE_DIGEST = toBase64Url(new Uint8Array(DIGEST_BYTES));

/** `digest` with each of `hashes` XORed in (adding and removing a document are the same step). */
export function xorDigests(digest: string, hashes: readonly string[]): string {
  const acc = fromBase64Url(digest);
  for (const hash of hashes) {
    const bytes = fromBase64Url(hash);
    for (let i = 0; i < DIGEST_BYTES; i++) acc[i]! ^= bytes[i]!;
  }
  return toBase64Url(acc);
}

function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64URL[n >>> 18]! + BASE64URL[(n >>> 12) & 63]! + BASE64URL[(n >>> 6) & 63]! + BASE64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out += BASE64URL[n >>> 18]! + BASE64URL[(n >>> 12) & 63]! + (rest === 2 ? BASE64URL[(n >>> 6) & 63]! : "");
  }
  return out;
}

/** 32 bytes of a 43-character base64url digest; anything else reads as zeros past its end. */
function fromBase64Url(text: string): Uint8Array {
  const out = new Uint8Array(DIGEST_BYTES);
  let bits = 0;
  let value = 0;
  let at = 0;
  for (let i = 0; i < text.length && at < DIGEST_BYTES; i++) {
    const code = text.charCodeAt(i);
    const index = code < 128 ? BASE64URL_INDEX[code]! : -1;
    if (index < 0) continue;
    value = ((value << 6) | index) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

// A document's tag: ID_TAG_LENGTH chars naming the document, then
// CONTENT_TAG_LENGTH chars of its hash. A changed range costs 11 bytes per
// document to diff instead of its content; a tag collision is caught by the
// range digest check and falls back to sending the whole range.
export const ID_TAG_LENGTH = 6;
export const CONTENT_TAG_LENGTH = 5;
export const TAG_LENGTH = ID_TAG_LENGTH + CONTENT_TAG_LENGTH;

/**
 * 36 bits naming a document id: two FNV-1a hashes, synchronous and cheap.
 * Not a security boundary: a collision only makes the range digest check
 * fail and the whole range be resent.
 */
export function idTag(id: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  const bits = [a >>> 26, (a >>> 20) & 63, (a >>> 14) & 63, (a >>> 8) & 63, (a >>> 2) & 63, ((a & 3) << 4) | (b >>> 28)];
  return bits.map((n) => BASE64URL[n]).join("");
}

export function documentTag(id: string, hash: string): string {
  return idTag(id) + hash.slice(0, CONTENT_TAG_LENGTH);
}

export function splitTags(tags: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < tags.length; i += TAG_LENGTH) out.push(tags.slice(i, i + TAG_LENGTH));
  return out;
}
