// A ZIP written as it is produced: fflate's streaming Zip + ZipDeflate (or
// ZipPassThrough, stored, for files that are compressed already) into a file
// stream, waiting for the stream to drain so memory stays flat however
// large the restore. The ZIP goes to a temporary file next to the target and
// is renamed over it only once complete; abort() removes it.
//
// fflate writes no ZIP64 records, so an entry or the whole ZIP must stay
// under 4 GiB: past that the writer fails rather than produce a broken file.
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import { Zip, ZipDeflate, ZipPassThrough } from "fflate";

export const ZIP32_LIMIT = 0xffff_ffff;
const encoder = new TextEncoder();

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
  private entry: { name: string; file: ZipDeflate | ZipPassThrough; bytes: number } | null = null;
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
    // Level 1: at level 6 compression was the largest cost of a restore.
    const file = options.stored === true ? new ZipPassThrough(name) : new ZipDeflate(name, { level: 1 });
    this.zip.add(file);
    this.entry = { name, file, bytes: 0 };
  }

  /** Appends text to the open entry, then waits while the file stream is full. */
  async write(text: string): Promise<void> {
    await this.writeBytes(encoder.encode(text));
  }

  /** Appends bytes to the open entry, then waits while the file stream is full. */
  async writeBytes(bytes: Uint8Array): Promise<void> {
    const entry = this.openEntry();
    entry.bytes += bytes.length;
    if (entry.bytes > ZIP32_LIMIT) {
      throw new Error(`ZIP entry ${entry.name} would exceed 4 GiB, which this ZIP writer (no ZIP64) cannot store.`);
    }
    entry.file.push(bytes);
    await this.drain();
  }

  async closeEntry(): Promise<void> {
    const entry = this.openEntry();
    entry.file.push(new Uint8Array(0), true);
    this.entry = null;
    await this.drain();
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

  private async drain(): Promise<void> {
    if (this.stream.writableNeedDrain) await once(this.stream, "drain");
    this.check();
  }
}
