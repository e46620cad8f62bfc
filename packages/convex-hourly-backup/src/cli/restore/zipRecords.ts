// The ZIP format's records (PKWARE APPNOTE 6.3.x), for a writer that streams
// each entry before it knows the entry's size: every local header says
// "sizes follow in a data descriptor" (flag bit 3), and the central directory
// at the end holds the real sizes and offsets.
//
// ZIP64 where a ZIP needs it, and only there (an ordinary ZIP stays readable
// by every tool): an entry whose size, compressed size or offset is
// 0xFFFFFFFF or more gets a 64-bit data descriptor and a ZIP64 extra field in
// its central record (the fields that overflow, in the APPNOTE's order:
// size, compressed size, offset); a ZIP with 65,535 entries or more, or
// whose central directory starts or ends past 0xFFFFFFFF, gets the ZIP64 end
// of central directory record and its locator before the classic end record,
// whose fields then say 0xFFFF / 0xFFFFFFFF. Go's archive/zip and yazl
// write the same layout.

/** The largest value a classic 32-bit field holds; this value itself means "see ZIP64". */
export const ZIP32_MAX = 0xffff_ffff;
/** The largest classic entry count; this value itself means "see ZIP64". */
export const ZIP16_MAX = 0xffff;

/** What the central directory says of one entry. */
export type CentralEntry = {
  /** UTF-8 name. */
  name: Uint8Array;
  /** 0 stored, 8 deflated. */
  method: 0 | 8;
  flag: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header from the start of the ZIP. */
  offset: number;
  dosTime: number;
};

/** Flag bits: sizes in a data descriptor (3), UTF-8 names (11). */
export const STREAMED_UTF8_FLAG = 0x0008 | 0x0800;
/** Flag bits 1-2 of a deflated entry compressed at level 1 ("super fast"). */
export const SUPER_FAST_FLAG = 0x0006;
const VERSION_CLASSIC = 20;
const VERSION_ZIP64 = 45;
const ZIP64_EXTRA_TAG = 0x0001;

/** The DOS date and time (local time, as ZIP tools show it), date in the high 16 bits. */
export function dosDateTime(date: Date): number {
  const year = Math.min(Math.max(date.getFullYear(), 1980), 2107);
  const day = ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1);
  return ((day << 16) | time) >>> 0;
}

/** An entry's local header: CRC and sizes 0, they follow the data in its descriptor. */
export function localHeader(entry: Pick<CentralEntry, "name" | "method" | "flag" | "dosTime">): Buffer {
  const out = Buffer.alloc(30 + entry.name.length);
  out.writeUInt32LE(0x04034b50, 0);
  out.writeUInt16LE(VERSION_CLASSIC, 4);
  out.writeUInt16LE(entry.flag, 6);
  out.writeUInt16LE(entry.method, 8);
  out.writeUInt32LE(entry.dosTime, 10);
  // CRC-32, compressed size, size (14..25): 0 here, in the data descriptor.
  out.writeUInt16LE(entry.name.length, 26);
  out.writeUInt16LE(0, 28);
  out.set(entry.name, 30);
  return out;
}

/** The data descriptor after an entry's data: 64-bit sizes when either size needs them. */
export function dataDescriptor(entry: Pick<CentralEntry, "crc" | "compressedSize" | "size">): Buffer {
  const wide = entry.size >= ZIP32_MAX || entry.compressedSize >= ZIP32_MAX;
  const out = Buffer.alloc(wide ? 24 : 16);
  out.writeUInt32LE(0x08074b50, 0);
  out.writeUInt32LE(entry.crc, 4);
  if (wide) {
    writeUInt64(out, entry.compressedSize, 8);
    writeUInt64(out, entry.size, 16);
  } else {
    out.writeUInt32LE(entry.compressedSize, 8);
    out.writeUInt32LE(entry.size, 12);
  }
  return out;
}

/** An entry's central directory record, with a ZIP64 extra field for each of its values that overflows. */
export function centralRecord(entry: CentralEntry): Buffer {
  const wide = [entry.size, entry.compressedSize, entry.offset].filter((value) => value >= ZIP32_MAX);
  const extraLength = wide.length === 0 ? 0 : 4 + 8 * wide.length;
  const out = Buffer.alloc(46 + entry.name.length + extraLength);
  const version = wide.length === 0 ? VERSION_CLASSIC : VERSION_ZIP64;
  out.writeUInt32LE(0x02014b50, 0);
  out.writeUInt16LE(VERSION_ZIP64, 4);
  out.writeUInt16LE(version, 6);
  out.writeUInt16LE(entry.flag, 8);
  out.writeUInt16LE(entry.method, 10);
  out.writeUInt32LE(entry.dosTime, 12);
  out.writeUInt32LE(entry.crc, 16);
  out.writeUInt32LE(Math.min(entry.compressedSize, ZIP32_MAX), 20);
  out.writeUInt32LE(Math.min(entry.size, ZIP32_MAX), 24);
  out.writeUInt16LE(entry.name.length, 28);
  out.writeUInt16LE(extraLength, 30);
  // Comment length, disk number, internal and external attributes (32..41): 0.
  out.writeUInt32LE(Math.min(entry.offset, ZIP32_MAX), 42);
  out.set(entry.name, 46);
  if (extraLength > 0) {
    let at = 46 + entry.name.length;
    out.writeUInt16LE(ZIP64_EXTRA_TAG, at);
    out.writeUInt16LE(8 * wide.length, at + 2);
    at += 4;
    for (const value of wide) {
      writeUInt64(out, value, at);
      at += 8;
    }
  }
  return out;
}

/**
 * What ends the ZIP after its central directory (`entries` records, `size`
 * bytes, starting at `offset`): the ZIP64 end record and locator when any of
 * the three overflows its classic field, then the classic end record.
 */
export function endRecords(entries: number, size: number, offset: number): Buffer {
  const zip64 = entries >= ZIP16_MAX || size >= ZIP32_MAX || offset >= ZIP32_MAX;
  const classic = Buffer.alloc(22);
  classic.writeUInt32LE(0x06054b50, 0);
  // Disk numbers (4..7): 0.
  classic.writeUInt16LE(Math.min(entries, ZIP16_MAX), 8);
  classic.writeUInt16LE(Math.min(entries, ZIP16_MAX), 10);
  classic.writeUInt32LE(Math.min(size, ZIP32_MAX), 12);
  classic.writeUInt32LE(Math.min(offset, ZIP32_MAX), 16);
  if (!zip64) return classic;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  writeUInt64(record, 56 - 12, 4);
  record.writeUInt16LE(VERSION_ZIP64, 12);
  record.writeUInt16LE(VERSION_ZIP64, 14);
  // Disk numbers (16..23): 0.
  writeUInt64(record, entries, 24);
  writeUInt64(record, entries, 32);
  writeUInt64(record, size, 40);
  writeUInt64(record, offset, 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  // The disk holding the ZIP64 end record (4..7): 0; where it starts (it follows the central directory).
  writeUInt64(locator, offset + size, 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, classic]);
}

function writeUInt64(out: Buffer, value: number, at: number): void {
  out.writeBigUInt64LE(BigInt(value), at);
}
