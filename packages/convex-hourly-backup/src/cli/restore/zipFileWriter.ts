// A ZIP written as it is produced, into a file stream: each entry deflated
// by Node's zlib or stored (for files that are compressed already), its
// local header, data and data descriptor written as they come, waiting for
// the compressor and the stream to drain so memory stays flat however large
// the restore; the central directory (ZIP64 where the ZIP needs it:
// zipRecords.ts) is written at the end. The ZIP goes to a temporary file next
// to the target and is renamed over it only once complete; abort() removes it.
//
// zlib compresses on libuv's thread pool: a restore's deflate runs beside the
// main thread (which reads pages and builds lines) instead of on it, where
// fflate's JavaScript deflate was a sixth of the restore's time.
//
// Why not a library: fflate's Zip writes no ZIP64 records (more than 65,535
// entries wrap its count; an entry or offset past 4 GiB cannot be written);
// yazl writes them but computes every CRC-32 in JavaScript through five piped
// streams per entry and fixes zlib's chunk size, where this writer uses
// zlib's native crc32 and 256 KiB chunks. The container is the few records of
// zipRecords.ts, read back in the tests by fflate, Python's zipfile and
// Info-ZIP's unzip.
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import { createDeflateRaw, crc32, type DeflateRaw } from "node:zlib";
import {
  centralRecord,
  dataDescriptor,
  dosDateTime,
  endRecords,
  localHeader,
  STREAMED_UTF8_FLAG,
  SUPER_FAST_FLAG,
  type CentralEntry,
} from "./zipRecords";

/** Deflate level 1: the fastest; a restore's JSON lines still shrink about tenfold. */
const DEFLATE_LEVEL = 1;
/** zlib's output chunk: larger than its 16 KiB default, fewer hops back to the main thread. */
const DEFLATE_CHUNK = 256 * 1024;
/** A name's length field has 16 bits. */
const MAX_NAME_BYTES = 0xffff;

/** The entry being written: what its central record will say, and its compressor (none: stored). */
type OpenEntry = { record: CentralEntry; deflate: DeflateRaw | null; nameText: string };

/**
 * Refuses a target that can never be written (a directory, a missing
 * folder) before anything is read or written, with a message naming it
 * rather than the temporary file.
 */
export async function checkZipTarget(target: string): Promise<void> {
  const absolute = resolve(target);
  const existing = await stat(absolute).catch(() => null);
  if (existing?.isDirectory()) {
    throw new Error(`--out ${target} is a directory: give the path of the ZIP file to write, e.g. ${join(target, "restore.zip")}.`);
  }
  const folder = await stat(dirname(absolute)).catch(() => null);
  if (folder === null || !folder.isDirectory()) {
    throw new Error(`--out ${target}: the folder ${dirname(absolute)} does not exist.`);
  }
}

export class ZipFileWriter {
  private failure: Error | null = null;
  private entry: OpenEntry | null = null;
  /** Central records of the entries closed so far. */
  private readonly entries: CentralEntry[] = [];
  /** Bytes handed to the file stream so far: the next record's offset. */
  private offset = 0;
  private ended = false;
  private readonly dosTime = dosDateTime(new Date());

  private constructor(
    readonly target: string,
    readonly tempPath: string,
    private readonly stream: WriteStream,
  ) {}

  /** Opens a temporary file beside `target` (which is not touched until commit). */
  static async open(target: string): Promise<ZipFileWriter> {
    const absolute = resolve(target);
    const random = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
    const tempPath = join(dirname(absolute), `.${basename(absolute)}.${process.pid}-${random}.partial`);
    const stream = createWriteStream(tempPath, { flags: "wx" });
    try {
      await once(stream, "open");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new Error(`Cannot write the ZIP in ${dirname(absolute)}: ${reason}.`);
    }
    const writer = new ZipFileWriter(absolute, tempPath, stream);
    stream.on("error", (error) => writer.fail(error));
    return writer;
  }

  /** Bytes of ZIP written to disk so far (or queued for it). */
  get bytesWritten(): number {
    return this.offset;
  }

  /** Entries in the ZIP so far (the open one included). */
  get entryCount(): number {
    return this.entries.length + (this.entry === null ? 0 : 1);
  }

  /**
   * Starts the next entry, deflated (`stored`: kept as it is, for files such
   * as images that are compressed already); the previous one must be closed.
   */
  startEntry(name: string, options: { stored?: boolean } = {}): void {
    this.check();
    if (this.ended) throw new Error("The ZIP is already finished.");
    if (this.entry !== null) throw new Error(`ZIP entry ${this.entry.nameText} is still open.`);
    const nameBytes = Buffer.from(name, "utf8");
    if (nameBytes.length > MAX_NAME_BYTES) throw new Error(`ZIP entry name ${name.slice(0, 80)}... is longer than 65,535 bytes.`);
    const stored = options.stored === true;
    const record: CentralEntry = {
      name: nameBytes,
      method: stored ? 0 : 8,
      flag: STREAMED_UTF8_FLAG | (stored ? 0 : SUPER_FAST_FLAG),
      crc: 0,
      compressedSize: 0,
      size: 0,
      offset: this.offset,
      dosTime: this.dosTime,
    };
    this.emit(localHeader(record));
    let deflate: DeflateRaw | null = null;
    if (!stored) {
      deflate = createDeflateRaw({ level: DEFLATE_LEVEL, chunkSize: DEFLATE_CHUNK });
      deflate.on("data", (chunk: Buffer) => {
        record.compressedSize += chunk.length;
        this.emit(chunk);
      });
      deflate.on("error", (error) => this.fail(error));
    }
    this.entry = { record, deflate, nameText: name };
  }

  /** Appends text to the open entry, then waits while the compressor or the file stream is full. */
  async write(text: string): Promise<void> {
    await this.writeBytes(Buffer.from(text, "utf8"));
  }

  /** Appends bytes to the open entry, then waits while the compressor or the file stream is full. */
  async writeBytes(bytes: Uint8Array): Promise<void> {
    const { record, deflate } = this.openEntry();
    if (bytes.length === 0) return;
    record.crc = crc32(bytes, record.crc);
    record.size += bytes.length;
    if (deflate === null) {
      record.compressedSize += bytes.length;
      this.emit(bytes);
    } else {
      deflate.write(bytes);
      // At most one write held by the compressor.
      if (deflate.writableNeedDrain) await once(deflate, "drain").catch((error: Error) => this.fail(error));
    }
    await this.drain();
  }

  async closeEntry(): Promise<void> {
    const { record, deflate } = this.openEntry();
    this.entry = null;
    if (deflate !== null) {
      // The whole entry compressed (every chunk emitted) before its descriptor.
      deflate.end();
      await finished(deflate).catch((error: Error) => this.fail(error));
      this.check();
    }
    this.emit(dataDescriptor(record));
    this.entries.push(record);
    await this.drain();
  }

  /** Writes a whole small entry. */
  async writeEntry(name: string, text: string): Promise<void> {
    this.startEntry(name);
    await this.write(text);
    await this.closeEntry();
  }

  /** Writes the central directory, finishes the ZIP and renames it to the target. Returns its size in bytes. */
  async commit(): Promise<number> {
    if (this.entry !== null) await this.closeEntry();
    this.check();
    this.ended = true;
    const start = this.offset;
    for (const record of this.entries) {
      this.emit(centralRecord(record));
      if (this.stream.writableNeedDrain) await this.drain();
    }
    this.emit(endRecords(this.entries.length, this.offset - start, start));
    this.stream.end();
    await finished(this.stream).catch((error: Error) => this.fail(error));
    this.check();
    await rename(this.tempPath, this.target);
    return this.offset;
  }

  /** Stops writing and removes the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    this.entry?.deflate?.destroy();
    this.entry = null;
    if (!this.stream.destroyed) {
      this.stream.destroy();
      await once(this.stream, "close").catch(() => undefined);
    }
    await unlink(this.tempPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }

  /** Hands bytes to the file stream, in order, counting them. */
  private emit(bytes: Uint8Array): void {
    if (this.failure !== null || this.stream.destroyed) return;
    this.stream.write(bytes);
    this.offset += bytes.length;
  }

  private fail(error: Error): void {
    this.failure ??= error;
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }

  private openEntry(): OpenEntry {
    this.check();
    if (this.ended) throw new Error("The ZIP is already finished.");
    if (this.entry === null) throw new Error("No ZIP entry is open.");
    return this.entry;
  }

  /** Waits while the file stream's buffer is full. */
  private async drain(): Promise<void> {
    // (once() rejects if the stream fails meanwhile; its "error" listener has kept the error.)
    if (this.stream.writableNeedDrain && !this.stream.destroyed) await once(this.stream, "drain").catch(() => undefined);
    this.check();
  }
}
