// Product pictures for the example shop's file storage: small real PNGs,
// generated (never committed). A product picture is its own content; a
// category placeholder is the same content for every product of the
// category, stored under an id of its own each time, as apps often do.
import { crc32, deflateSync } from "node:zlib";
import { randomSource } from "./shopData";

const SIDE = 48;
const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A 48x48 RGB PNG: a gradient between two colours, with some grain (a few KiB deflated). */
function png(seed: number, grain: number): Uint8Array<ArrayBuffer> {
  const rand = randomSource(seed);
  const from = [rand(), rand(), rand()].map((c) => Math.floor(c * 256));
  const to = [rand(), rand(), rand()].map((c) => Math.floor(c * 256));
  const rows = Buffer.alloc(SIDE * (1 + SIDE * 3));
  for (let y = 0; y < SIDE; y++) {
    const row = y * (1 + SIDE * 3);
    rows[row] = 0; // filter: none
    for (let x = 0; x < SIDE; x++) {
      const t = (x + y) / (2 * SIDE);
      for (let c = 0; c < 3; c++) {
        const noise = (rand() - 0.5) * grain;
        rows[row + 1 + x * 3 + c] = Math.max(0, Math.min(255, Math.round(from[c]! + (to[c]! - from[c]!) * t + noise)));
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIDE, 0);
  header.writeUInt32BE(SIDE, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const file = Buffer.concat([SIGNATURE, chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", new Uint8Array(0))]);
  return new Uint8Array(file.buffer.slice(file.byteOffset, file.byteOffset + file.length) as ArrayBuffer);
}

/** Product `i`'s own picture (`version` > 0: a replacement). */
export function productPicture(seed: number, i: number, version = 0): Uint8Array<ArrayBuffer> {
  return png(seed * 1_000_003 + i * 7 + version * 65_537, 48);
}

/** The picture every product of `category` without its own shows: one content per category. */
export function categoryPlaceholder(category: string): Uint8Array<ArrayBuffer> {
  let seed = 17;
  for (const ch of category) seed = (seed * 31 + ch.charCodeAt(0)) >>> 0;
  return png(seed, 0);
}

export const PICTURE_TYPE = "image/png";
