// The files of a restore point, in the ZIP as `npx convex export
// --include-file-storage` writes them and `npx convex import` reads them
// (convex-backend: exports/src/export_storage.rs writes, application/src/
// snapshot_import/parse.rs and import_file_storage.rs read):
//
//   _storage/documents.jsonl   one line per file: {"_creationTime": <float>, "_id": <id>,
//                              "contentType": <string or null>, "sha256": <base64>,
//                              "size": <integer>}, keys sorted as the export writes them
//   _storage/<id>[.<ext>]      the file's bytes; the extension is a guess from its
//                              Content-Type, as the export adds one (import ignores it)
//
// Import gives each file its `_id` back, so `v.id("_storage")` fields of the
// restored documents still point at their files. `_storage` is not listed in
// `_tables/documents.jsonl` and has no generated_schema.jsonl, as in an export.
//
// The metadata is read page by page from the backup (restore:readPage of
// table "_storage"); then the pages are read again and each file is
// downloaded from the backup deployment's storage (files:downloadUrls, the
// restore secret) straight into its stored ZIP entry, its SHA-256 and size
// checked on the way: memory holds a page and a chunk, whatever the files.
import { createHash } from "node:crypto";
import { formatFloat } from "./exportJson";
import { RestoreError, type RestoreSource } from "./restoreSource";
import type { ZipFileWriter } from "./zipFileWriter";
import { MAX_FILES_PER_CALL, parseFileMetadata, STORAGE_TABLE, type FileMetadata, type LackingFiles } from "../../shared/files";
import { lackingFilesText } from "../../app/fileLimits";
import type { TableNumbering } from "./documentIds";

export type RestoredFiles = {
  /** Files written (rows of _storage/documents.jsonl, one blob each). */
  files: number;
  /** Bytes of the files (as stored, before the ZIP). */
  bytes: number;
  /** Files of the app the point lacks (too large, or their copy failed): not in the ZIP. */
  lacking?: LackingFiles;
};

/**
 * What importing the ZIP does to file storage. A ZIP with `_storage` replaces
 * the deployment's files with its own (ids kept), with --replace as with
 * --replace-all; without it, import leaves file storage as it is.
 */
export function filesAdvice(files: RestoredFiles | null, filesLeftOut: boolean): string[] {
  if (files !== null) {
    const lacking = files.lacking === undefined ? [] : [
      `  WARNING: this restore point lacks ${lackingFilesText(files.lacking)} ` +
        "They are not in the ZIP: documents that name them will point at no file after import; a newer restore point may hold them.",
    ];
    return [
      `  The ZIP holds ${files.files} file${files.files === 1 ? "" : "s"} (_storage): import replaces the deployment's file storage with them, ids kept, so v.id("_storage") fields still point at their files.`,
      ...lacking,
    ];
  }
  if (filesLeftOut) return ["  The ZIP holds no files (--no-files): import leaves the deployment's file storage as it is."];
  return [];
}

/** Download attempts per file (network errors and 5xx). */
const ATTEMPTS = 3;

/** A file's line of `_storage/documents.jsonl`, as the export writes it. */
export function storageExportLine(file: FileMetadata): string {
  const fields = [
    `"_creationTime":${formatFloat(file._creationTime)}`,
    `"_id":${JSON.stringify(file._id)}`,
    `"contentType":${file.contentType === null ? "null" : JSON.stringify(file.contentType)}`,
    `"sha256":${JSON.stringify(file.sha256)}`,
    // The export's FileStorageZipMetadata.size is an i64: an integer, never 12.0.
    `"size":${String(file.size)}`,
  ];
  return `{${fields.join(",")}}\n`;
}

// What the export's mime2ext gives the common types (the extension is cosmetic).
const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/svg+xml": "svg",
  "image/avif": "avif",
  "application/pdf": "pdf",
  "application/json": "json",
  "application/zip": "zip",
  "text/plain": "txt",
  "text/csv": "csv",
  "text/html": "html",
  "audio/mpeg": "mp3",
  "video/mp4": "mp4",
};

/** Where the export puts a file's bytes: `_storage/<id>` and an extension guessed from its type. */
export function storageEntryName(file: FileMetadata): string {
  const type = file.contentType?.split(";")[0]!.trim().toLowerCase();
  const extension = type === undefined ? undefined : EXTENSIONS[type];
  return `${STORAGE_TABLE}/${file._id}${extension === undefined ? "" : `.${extension}`}`;
}

/** Writes the point's files: metadata first, then each file's bytes, checked. */
export async function writeStorage(
  source: RestoreSource,
  zip: ZipFileWriter,
  pages: () => AsyncGenerator<string[]>,
  numbering: TableNumbering,
  report: (files: number, done: boolean) => void,
): Promise<RestoredFiles> {
  // Pass 1: the metadata, as one entry.
  zip.startEntry(`${STORAGE_TABLE}/documents.jsonl`);
  let listed = 0;
  for await (const texts of pages()) {
    const files = texts.map(readMetadata);
    for (const file of files) numbering.observe(STORAGE_TABLE, file._id);
    await zip.write(files.map(storageExportLine).join(""));
    listed += files.length;
  }
  await zip.closeEntry();

  // Pass 2: the bytes, one stored entry per file (an entry is written whole before the next starts).
  const written: RestoredFiles = { files: 0, bytes: 0 };
  for await (const texts of pages()) {
    const files = texts.map(readMetadata);
    for (let i = 0; i < files.length; i += MAX_FILES_PER_CALL) {
      const part = files.slice(i, i + MAX_FILES_PER_CALL);
      const urls = await source.fileDownloadUrls([...new Set(part.map((file) => file.sha256))]);
      const urlOf = new Map(urls.map(({ sha256, url }) => [sha256, url]));
      for (const file of part) {
        const url = urlOf.get(file.sha256) ?? null;
        if (url === null) {
          throw new RestoreError(
            `The backup holds no file for ${file._id} (its content was deleted, or never copied): the backup is damaged or being pruned.`,
          );
        }
        written.bytes += await writeFile(zip, file, url);
        written.files += 1;
        report(written.files, false);
      }
    }
  }
  if (written.files !== listed) {
    throw new RestoreError(`The restore point's files changed while they were restored (${listed} listed, ${written.files} written).`);
  }
  report(written.files, true);
  return written;
}

function readMetadata(text: string): FileMetadata {
  const file = parseFileMetadata(text);
  if (typeof file === "string") throw new RestoreError(`A stored _storage row is not one (${file}): the backup is damaged.`);
  return file;
}

/** Streams one file from the backup's storage into its ZIP entry; checks its size and SHA-256. Returns its size. */
async function writeFile(zip: ZipFileWriter, file: FileMetadata, url: string): Promise<number> {
  const response = await download(url, file._id);
  zip.startEntry(storageEntryName(file), { stored: true });
  const hash = createHash("sha256");
  let size = 0;
  const reader = response.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      size += value.byteLength;
      await zip.writeBytes(value);
    }
  } catch (error) {
    throw new RestoreError(`Downloading file ${file._id} from the backup deployment failed midway: ${describe(error)}`);
  }
  await zip.closeEntry();
  if (size !== file.size || !sameSha256(hash.digest("base64"), file.sha256)) {
    throw new RestoreError(`File ${file._id} from the backup does not have the size and SHA-256 it was backed up with: the backup is damaged.`);
  }
  return size;
}

async function download(url: string, id: string): Promise<Response> {
  let last = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const response = await fetch(url);
      if (response.ok && response.body !== null) return response;
      await response.body?.cancel();
      last = `HTTP ${response.status}`;
      if (response.status < 500) break;
    } catch (error) {
      last = describe(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
  throw new RestoreError(`Downloading file ${id} from the backup deployment failed: ${last}.`);
}

/** Base64 SHA-256s compared whatever their alphabet and padding. */
function sameSha256(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  return norm(a) === norm(b);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  if (typeof cause === "string") return cause;
  return error instanceof Error ? error.message : String(error);
}
