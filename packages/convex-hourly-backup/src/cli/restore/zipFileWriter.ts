// A ZIP written as it is produced: fflate's streaming Zip into a file
// stream, each entry deflated by Node's zlib (ZlibDeflateEntry) or stored
// (fflate's ZipPassThrough, for files that are compressed already), waiting
// for the compressor and the stream to drain so memory stays flat however
// large the restore. The ZIP goes to a temporary file next to the target and
// is renamed over it only once complete; abort() removes it.
//
// zlib compresses on libuv's thread pool: a restore's deflate runs beside the
// main thread (which reads pages and builds lines) instead of on it, where
// fflate's JavaScript deflate was a sixth of the restore's time.
//
// fflate writes no ZIP64 records, so an entry or the whole ZIP must stay
// under 4 GiB: past that the writer fails rather than produce a broken file.
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import { createDeflateRaw, crc32, type DeflateRaw } from "node:zlib";
import { Zip, ZipPassThrough, type AsyncFlateStreamHandler, type FlateError, type ZipInputFile } from "fflate";

export const ZIP32_LIMIT = 0xffff_ffff;
/** Deflate level 1: the fastest; a restore's JSON lines still shrink about tenfold. */
const DEFLATE_LEVEL = 1;
/** The ZIP's general-purpose flag bits 1-2 for level 1 ("super fast"), as fflate writes them. */
const SUPER_FAST_FLAG = 3;
/** zlib's output chunk: larger than its 16 KiB default, fewer hops back to the main thread. */
const DEFLATE_CHUNK = 256 * 1024;

/**
 * A deflated ZIP entry fed to fflate's Zip (which writes the headers and the
 * data descriptor from `crc` and `size`), compressed by a zlib raw-deflate
 * stream on the thread pool.
 */
class ZlibDeflateEntry implements ZipInputFile {
  readonly compression = 8;
  readonly flag = SUPER_FAST_FLAG;
  size = 0;
  crc = 0;
  ondata?: AsyncFlateStreamHandler;
  readonly deflate: DeflateRaw;

  constructor(readonly filename: string) {
    this.deflate = createDeflateRaw({ level: DEFLATE_LEVEL, chunkSize: DEFLATE_CHUNK });
    this.deflate.on("data", (chunk: Uint8Array<ArrayBuffer>) => this.ondata!(null, chunk, false));
    // crc and size are final before the last chunk: Zip writes them into the data descriptor then.
    this.deflate.on("end", () => this.ondata!(null, new Uint8Array(0), true));
    // Zip passes an error on to the writer's onZipData (which only keeps it) and terminates.
    this.deflate.on("error", (error) => this.ondata!(error as FlateError, new Uint8Array(0), true));
  }

  push(bytes: Uint8Array, final = false): void {
    this.crc = crc32(bytes, this.crc);
    this.size += bytes.length;
    if (bytes.length > 0) this.deflate.write(bytes);
    if (final) this.deflate.end();
  }

  terminate = (): void => {
    this.deflate.destroy();
  };
}

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
  private entry: { name: string; file: ZlibDeflateEntry | ZipPassThrough; bytes: number } | null = null;
  private ended = false;

  private constructor(
    readonly target: string,
    readonly tempPath: string,
    private readonly stream: WriteStream,
    private readonly zip: Zip,
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
    let writer: ZipFileWriter | undefined = undefined;
    const zip = new Zip((error, chunk, final) => writer!.onZipData(error, chunk, final));
    writer = new ZipFileWriter(absolute, tempPath, stream, zip);
    stream.on("error", (error) => writer.fail(error));
    return writer;
  }

  /** Bytes of ZIP written to disk so far. */
  get bytesWritten(): number {
    return this.stream.bytesWritten + this.stream.writableLength;
  }

  /**
   * Starts the next entry, deflated (`stored`: kept as it is, for files such
   * as images that are compressed already); the previous one must be closed.
   */
  startEntry(name: string, options: { stored?: boolean } = {}): void {
    this.check();
    if (this.ended) throw new Error("The ZIP is already finished.");
    if (this.entry !== null) throw new Error(`ZIP entry ${this.entry.name} is still open.`);
    const file = options.stored === true ? new ZipPassThrough(name) : new ZlibDeflateEntry(name);
    this.zip.add(file);
    this.entry = { name, file, bytes: 0 };
  }

  /** Appends text to the open entry, then waits while the compressor or the file stream is full. */
  async write(text: string): Promise<void> {
    await this.writeBytes(Buffer.from(text, "utf8"));
  }

  /** Appends bytes to the open entry, then waits while the compressor or the file stream is full. */
  async writeBytes(bytes: Uint8Array): Promise<void> {
    const entry = this.openEntry();
    entry.bytes += bytes.length;
    if (entry.bytes > ZIP32_LIMIT) {
      throw new Error(`ZIP entry ${entry.name} would exceed 4 GiB, which this ZIP writer (no ZIP64) cannot store.`);
    }
    entry.file.push(bytes);
    await this.drain(entry.file);
  }

  async closeEntry(): Promise<void> {
    const entry = this.openEntry();
    entry.file.push(new Uint8Array(0), true);
    this.entry = null;
    // The whole entry compressed (its data descriptor written) before the next one starts.
    if (entry.file instanceof ZlibDeflateEntry) await finished(entry.file.deflate).catch((error: Error) => this.fail(error));
    await this.drain(null);
  }

  /** Writes a whole small entry. */
  async writeEntry(name: string, text: string): Promise<void> {
    this.startEntry(name);
    await this.write(text);
    await this.closeEntry();
  }

  /** Finishes the ZIP and renames it to the target. Returns its size in bytes. */
  async commit(): Promise<number> {
    if (this.entry !== null) await this.closeEntry();
    this.check();
    this.ended = true;
    this.zip.end();
    await finished(this.stream);
    this.check();
    const size = this.stream.bytesWritten;
    if (size > ZIP32_LIMIT) throw new Error("The ZIP would exceed 4 GiB, which this ZIP writer (no ZIP64) cannot store.");
    await rename(this.tempPath, this.target);
    return size;
  }

  /** Stops writing and removes the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    this.zip.terminate();
    if (!this.stream.destroyed) {
      this.stream.destroy();
      await once(this.stream, "close").catch(() => undefined);
    }
    await unlink(this.tempPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }

  private onZipData(error: Error | null, chunk: Uint8Array, final: boolean): void {
    if (error !== null) return this.fail(error);
    if (this.failure !== null || this.stream.destroyed) return;
    this.stream.write(chunk);
    if (final) this.stream.end();
  }

  private fail(error: Error): void {
    this.failure ??= error;
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }

  private openEntry() {
    this.check();
    if (this.ended) throw new Error("The ZIP is already finished.");
    if (this.entry === null) throw new Error("No ZIP entry is open.");
    return this.entry;
  }

  /** Waits until the compressor has taken in what was written (so at most one write is held), then for the file stream. */
  private async drain(file: ZlibDeflateEntry | ZipPassThrough | null): Promise<void> {
    if (file instanceof ZlibDeflateEntry && file.deflate.writableNeedDrain) {
      await once(file.deflate, "drain").catch((error: Error) => this.fail(error));
    }
    if (this.stream.writableNeedDrain) await once(this.stream, "drain");
    this.check();
  }
}
