// ZIP64 in the restore ZIP (issue 19, item 7): an app with 70,000 files makes
// a ZIP of more than 65,535 entries, which needs the ZIP64 end records; an
// entry or offset past 4 GiB needs ZIP64 fields. The ZIP is written by the
// restore's own writer in `npx convex export`'s layout and read back whole by
// three readers that share no code with it: the project's export reader
// (fflate), Python's zipfile (with every entry's CRC checked) and Info-ZIP's
// unzip. The 4 GiB case writes 4 GiB to disk: it runs only with ZIP64_LARGE=1.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ZipFileWriter } from "../packages/convex-hourly-backup/src/cli/restore/zipFileWriter";
import { readExportZip } from "./support/exportReader";

const FILES = 70_000;

/**
 * Python's zipfile on the ZIP: entry count, total size, and the last entries'
 * names and contents (read through their local headers, CRC checked): past
 * entry 65,535 when the ZIP has that many. (Every entry's CRC is checked by
 * `unzip -t` below, in a fraction of Python's time.)
 */
function pythonRead(path: string, last = 3): { entries: number; bytes: number; last: [string, string][] } {
  const script = [
    "import json, sys, zipfile",
    "z = zipfile.ZipFile(sys.argv[1])",
    "infos = z.infolist()",
    `tail = [[i.filename, z.read(i).decode()] for i in infos[-${last}:]] if ${last} else []`,
    "print(json.dumps({'entries': len(infos), 'bytes': sum(i.file_size for i in infos), 'last': tail}))",
  ].join("\n");
  return JSON.parse(execFileSync("python3", ["-c", script, path], { encoding: "utf8" })) as never;
}

/** Info-ZIP's `unzip -l` total line ("<bytes> <n> files") and `unzip -t`'s verdict. */
function unzipRead(path: string, check = true): { entries: number; bytes: number; tested: string } {
  const listing = execFileSync("unzip", ["-l", path], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const total = /^\s*(\d+)\s+(\d+) files\s*$/m.exec(listing.trimEnd().split("\n").at(-1)!);
  if (total === null) throw new Error(`unzip -l printed no total: ${listing.slice(-300)}`);
  const tested = check ? execFileSync("unzip", ["-tq", path], { encoding: "utf8" }).trim() : "";
  return { bytes: Number(total[1]), entries: Number(total[2]), tested };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "zip64-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("restore ZIP with more than 65,535 entries", () => {
  test(`${FILES.toLocaleString("en")} files and their listings are read back whole by fflate, Python's zipfile and Info-ZIP's unzip`, async () => {
    const out = join(dir, "many.zip");
    const zip = await ZipFileWriter.open(out);
    await zip.writeEntry("_tables/documents.jsonl", `${JSON.stringify({ name: "notes", id: 10001 })}\n`);
    await zip.writeEntry("notes/documents.jsonl", `${JSON.stringify({ _creationTime: 1.5, _id: "1;notes", text: "a" })}\n`);
    await zip.writeEntry("notes/generated_schema.jsonl", '"uniform"\n');
    // Files as the restore writes them: a deflated listing, then each file stored.
    const id = (i: number) => `kg2${String(i).padStart(29, "0")}`;
    zip.startEntry("_storage/documents.jsonl");
    for (let i = 0; i < FILES; i += 10_000) {
      let lines = "";
      for (let j = i; j < Math.min(FILES, i + 10_000); j++) {
        lines += `{"_creationTime":${j}.0,"_id":"${id(j)}","contentType":"text/plain","sha256":"x","size":${String(j).length}}\n`;
      }
      await zip.write(lines);
    }
    await zip.closeEntry();
    for (let i = 0; i < FILES; i++) {
      zip.startEntry(`_storage/${id(i)}.txt`, { stored: true });
      await zip.write(String(i));
      await zip.closeEntry();
    }
    const entries = FILES + 4;
    expect(zip.entryCount).toBe(entries);
    const size = await zip.commit();
    expect(statSync(out).size).toBe(size);

    // The project's reader (fflate's unzipSync, which follows the ZIP64 locator).
    const read = readExportZip(readFileSync(out));
    expect(read.entries).toHaveLength(entries);
    expect(read.documents.get("notes")).toHaveLength(1);
    expect(read.storage!.rows).toHaveLength(FILES);
    expect(read.storage!.blobs.size).toBe(FILES);
    expect(new TextDecoder().decode(read.storage!.blobs.get(id(FILES - 1)))).toBe(String(FILES - 1));
    const fileBytes = Array.from({ length: FILES }, (_, i) => String(i).length).reduce((a, b) => a + b, 0);

    // Python's zipfile: every entry listed; the last ones read.
    const python = pythonRead(out);
    expect(python.entries).toBe(entries);
    expect(python.last).toEqual([FILES - 3, FILES - 2, FILES - 1].map((i) => [`_storage/${id(i)}.txt`, String(i)]));

    // Info-ZIP: the listing's total, and a test of every entry.
    const unzip = unzipRead(out);
    expect(unzip.entries).toBe(entries);
    expect(unzip.bytes).toBe(python.bytes);
    expect(python.bytes).toBeGreaterThan(fileBytes);
    expect(unzip.tested).toMatch(/^No errors detected/);
  }, 60_000);

  test("a ZIP of a few entries stays classic: no ZIP64 record", async () => {
    const out = join(dir, "small.zip");
    const zip = await ZipFileWriter.open(out);
    await zip.writeEntry("a/documents.jsonl", "{}\n");
    await zip.commit();
    const bytes = readFileSync(out);
    // The ZIP64 end record's signature appears nowhere; the classic end record closes the ZIP.
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(false);
    expect(bytes.readUInt32LE(bytes.length - 22)).toBe(0x06054b50);
    expect(pythonRead(out, 1)).toEqual({ entries: 1, bytes: 3, last: [["a/documents.jsonl", "{}\n"]] });
  });
});

// 4 GiB of zeros on disk and through CRC-32: run by hand (ZIP64_LARGE=1), too slow for CI.
describe.runIf(process.env.ZIP64_LARGE === "1")("restore ZIP past 4 GiB", () => {
  test("an entry larger than 4 GiB and an entry after it at an offset past 4 GiB", async () => {
    const out = join(dir, "large.zip");
    const zip = await ZipFileWriter.open(out);
    const big = 2 ** 32 + 5;
    const chunk = new Uint8Array(8 * 1024 * 1024);
    zip.startEntry("_storage/big.bin", { stored: true });
    for (let left = big; left > 0; left -= chunk.length) await zip.writeBytes(left >= chunk.length ? chunk : chunk.subarray(0, left));
    await zip.closeEntry();
    await zip.writeEntry("after/documents.jsonl", '{"after":1}\n');
    const size = await zip.commit();
    expect(size).toBeGreaterThan(big);

    const python = pythonRead(out, 0);
    expect(python).toMatchObject({ entries: 2, bytes: big + 12 });
    const after = execFileSync("python3", ["-c", "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('after/documents.jsonl').decode(), end='')", out], { encoding: "utf8" });
    expect(after).toBe('{"after":1}\n');
    expect(unzipRead(out, false)).toMatchObject({ entries: 2, bytes: big + 12 });
    expect(execFileSync("unzip", ["-p", out, "after/documents.jsonl"], { encoding: "utf8" })).toBe('{"after":1}\n');
    expect(execFileSync("unzip", ["-tq", out], { encoding: "utf8" }).trim()).toMatch(/^No errors detected/);
  }, 600_000);
});
