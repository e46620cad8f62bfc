// Restores from a backup that holds what a real Convex primary sends: real
// document ids, whose table numbers must reach `_tables/documents.jsonl`, and
// documents large and often changed enough that a page of versions holds more
// content than one query should read. The backup's storage is filled the way
// sync.applyRange fills it (lib/versions.ts insertVersion), one run at a time.
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { strFromU8, unzipSync } from "fflate";
import type { Value } from "convex/values";
import { startDeployments, type Deployments } from "../harness/deployments";
import { insertVersion } from "../packages/convex-hourly-backup/src/backup/lib/versions";
import { canonicalJson, documentTag, sha256 } from "../packages/convex-hourly-backup/src/shared/digest";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { convexValueText, readExportZip } from "./support/exportReader";

// ------------------------------------------------------------ real-format ids

const BASE32 = "0123456789abcdefghjkmnpqrstvwxyz";

/** A real-format id (VInt table number, 16 bytes, fletcher16 footer), encoded here independently. */
function convexId(tableNumber: number, seed: number): string {
  const bytes: number[] = [];
  let n = tableNumber;
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  for (let i = 0; i < 16; i++) bytes.push((seed * 151 + i * 29 + 7) & 0xff);
  let c0 = 0;
  let c1 = 0;
  for (const byte of bytes) {
    c0 = (c0 + byte) & 0xff;
    c1 = (c1 + c0) & 0xff;
  }
  bytes.push(c0, c1);
  let bits = "";
  for (const byte of bytes) bits += byte.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i < bits.length; i += 5) out += BASE32[parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)];
  return out;
}

// Checked against a public export's _tables/documents.jsonl (see convex-facts.md).
const USER_PROGRESS_ID = "k17062b81m2wh21nddyq4yc7s57etkxv"; // table 10008
const EXERCISE_ID = "jx78a01hsfsf7ckt7kaargv9ws7edyfv"; // table 10007
const LESSON_ID = "k9725mndz2ce7erp6ydnt2razs7ecgvh"; // table 10010
const TABLE_1017_ID = "z43zp6c3e75gkmz1kfwj6mbbx5sw281h"; // convex-backend id_v6.rs stability test
/** The export line convex-facts.md quotes for USER_PROGRESS_ID. */
const EXPORT_LINE =
  '{"_creationTime":1745781566779.2563,"_id":"k17062b81m2wh21nddyq4yc7s57etkxv","completed":true,"completedAt":1745781566782.0,"exerciseId":"jx78a01hsfsf7ckt7kaargv9ws7edyfv"}';

// ------------------------------------------------------------ writing the backup's storage

type Doc = Record<string, Value> & { _id: string; _creationTime: number };
let d: Deployments;
let dir: string;
const runIds: string[] = [];
/** seq -> table -> _id -> document, what each run's restore must give. */
const expected = new Map<number, Map<string, Map<string, Doc>>>();
const current = new Map<string, Map<string, Doc>>();

/** One backup run: `changes` applied (null deletes), then a completed run record listing `tables`. */
async function storeRun(tables: string[], changes: { table: string; doc: Doc | { _id: string; deleted: true } }[]) {
  const seq = runIds.length + 1;
  for (const { table, doc } of changes) {
    await d.backup.t.run(async (ctx) => {
      const open = (await ctx.db.query("versions").withIndex("by_key", (q) => q.eq("table", table)).collect())
        .filter((version) => version.docId === doc._id && version.toSeq === null);
      for (const version of open) await ctx.db.patch("versions", version._id, { toSeq: seq });
      if ("deleted" in doc) return;
      const json = canonicalJson(doc);
      const hash = await sha256(json);
      const entry = { id: doc._id, creationTime: doc._creationTime, hash, json };
      await insertVersion(ctx.db, table, entry, await documentTag(doc._id, hash), seq);
    });
    const docs = current.get(table) ?? new Map<string, Doc>();
    if ("deleted" in doc) docs.delete(doc._id);
    else docs.set(doc._id, doc);
    current.set(table, docs);
  }
  const snapshot = new Map(tables.map((table) => [table, new Map(current.get(table) ?? [])]));
  expected.set(seq, snapshot);
  const counts = tables.map((table) => ({
    table,
    scanned: snapshot.get(table)!.size,
    changed: 0,
    deleted: 0,
    bytesSent: 0,
    docsWritten: 0,
  }));
  const startedAt = Date.UTC(2025, 4, 1) + seq * 3_600_000;
  runIds.push(
    await d.backup.t.run((ctx) =>
      ctx.db.insert("runs", { seq, startedAt, finishedAt: startedAt + 1000, status: "completed", tables: counts }),
    ),
  );
}

const ID_TABLES = ["userProgress", "exercises", "lessons", "archived", "notes", "events", "logs"];
const BIG = 280_000;

function big(label: string): string {
  return `${label}:`.padEnd(BIG, label.slice(-1));
}

beforeAll(async () => {
  d = await startDeployments();
  dir = mkdtempSync(join(tmpdir(), "restore-ids-"));
  const progress: Doc = {
    _id: USER_PROGRESS_ID,
    _creationTime: 1745781566779.2563,
    completed: true,
    completedAt: 1745781566782,
    exerciseId: EXERCISE_ID,
  };
  // Run 1: real ids in four tables, convex-test ids in one, a table never written.
  await storeRun(ID_TABLES, [
    { table: "userProgress", doc: progress },
    { table: "userProgress", doc: { _id: convexId(10008, 1), _creationTime: 1745781566800.5, completed: false, exerciseId: EXERCISE_ID } },
    { table: "exercises", doc: { _id: EXERCISE_ID, _creationTime: 1745781500000.25, title: "Squats", reps: 12n, weight: 3 } },
    { table: "lessons", doc: { _id: LESSON_ID, _creationTime: 1745781400000.5, exercises: [EXERCISE_ID], blob: new ArrayBuffer(4) } },
    { table: "archived", doc: { _id: TABLE_1017_ID, _creationTime: 1745781300000.125, gone: "soon" } },
    { table: "notes", doc: { _id: convexId(10001, 2), _creationTime: 1745781200000.75, text: "n" } },
    { table: "events", doc: { _id: "0000000000000000000000001events", _creationTime: 1745781100000, kind: "a" } },
    { table: "events", doc: { _id: "0000000000000000000000002events", _creationTime: 1745781100000.001, kind: "b" } },
  ]);
  // Run 2: archived loses its only document, userProgress changes.
  await storeRun(ID_TABLES, [
    { table: "archived", doc: { _id: TABLE_1017_ID, deleted: true } },
    { table: "userProgress", doc: { ...progress, completed: false } },
  ]);
  // Run 3: a table whose id was corrupted on the way (last character changed).
  await storeRun([...ID_TABLES, "broken"], [
    { table: "broken", doc: { _id: "k17062b81m2wh21nddyq4yc7s57etkxw", _creationTime: 1745781000000.5 } },
  ]);
  // Runs 4..27: "blobs", 14 documents of ~280 KB written once and one of the same size rewritten every run.
  const light = (i: number): Doc => ({ _id: convexId(10020, 100 + i), _creationTime: 1745790000000 + i + (i >= 5 ? 1 : 0), body: big(`light${i}`) });
  const heavy = (n: number): Doc => ({ _id: convexId(10020, 99), _creationTime: 1745790000005.5, body: big(`heavy${n}`), n: BigInt(n) });
  await storeRun(["blobs"], [...Array.from({ length: 14 }, (_, i) => ({ table: "blobs", doc: light(i) })), { table: "blobs", doc: heavy(0) }]);
  for (let n = 1; n < 24; n++) await storeRun(["blobs"], [{ table: "blobs", doc: heavy(n) }]);
}, 120_000);

afterAll(async () => {
  await d.close();
});

async function restoreRun(seq: number, name: string) {
  const out = join(dir, name);
  const result = await writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: runIds[seq - 1]!, out });
  const bytes = new Uint8Array(readFileSync(out));
  return { result, zip: readExportZip(bytes), files: unzipSync(bytes) };
}

function expectDocuments(zip: ReturnType<typeof readExportZip>, seq: number) {
  const want = expected.get(seq)!;
  for (const [table, docs] of want) {
    const got = new Map((zip.documents.get(table) ?? []).map((doc) => [doc._id as string, convexValueText(doc)]));
    expect(got, `run ${seq}, table ${table}`).toEqual(new Map([...docs].map(([id, doc]) => [id, convexValueText(doc)])));
  }
}

describe("restore with real Convex ids", () => {
  test("each table gets the number its ids carry; tables without one get free numbers", async () => {
    const { result, zip, files } = await restoreRun(2, "ids.zip");
    expect(Object.fromEntries(zip.tables.map((t) => [t.name, t.id]))).toEqual({
      userProgress: 10008,
      exercises: 10007,
      lessons: 10010,
      archived: 1017, // no live document at run 2: the number of an id the table once held
      notes: 10001,
      events: 10002, // convex-test ids carry no number: the first free one from 10001
      logs: 10003, // never held a document
    });
    expect(result.tables.map((t) => [t.table, t.documents, t.tableNumber])).toEqual([
      ["userProgress", 2, 10008],
      ["exercises", 1, 10007],
      ["lessons", 1, 10010],
      ["archived", 0, 1017],
      ["notes", 1, 10001],
      ["events", 2, 10002],
      ["logs", 0, 10003],
    ]);
    expectDocuments(zip, 2);
    expect(strFromU8(files["archived/documents.jsonl"]!)).toBe("");
    expect(strFromU8(files["logs/generated_schema.jsonl"]!)).toBe('"uniform"\n');
  });

  test("a document is written exactly as Convex's export writes it", async () => {
    const { files } = await restoreRun(1, "line.zip");
    const lines = strFromU8(files["userProgress/documents.jsonl"]!).split("\n");
    expect(lines[0]).toBe(EXPORT_LINE);
    expect(strFromU8(files["exercises/documents.jsonl"]!)).toBe(
      '{"_creationTime":1745781500000.25,"_id":"jx78a01hsfsf7ckt7kaargv9ws7edyfv","reps":12,"title":"Squats","weight":3.0}\n',
    );
    expect(strFromU8(files["lessons/documents.jsonl"]!)).toBe(
      '{"_creationTime":1745781400000.5,"_id":"k9725mndz2ce7erp6ydnt2razs7ecgvh","blob":{"$bytes":"AAAAAA=="},"exercises":["jx78a01hsfsf7ckt7kaargv9ws7edyfv"]}\n',
    );
  });

  test("a corrupted id fails the restore with a clear error and leaves no file", async () => {
    const out = join(dir, "broken.zip");
    await expect(
      writeRestoreZip({ url: d.backup.server.url, secret: d.restoreSecret, run: runIds[2]!, out }),
    ).rejects.toThrow(/"k17062b81m2wh21nddyq4yc7s57etkxw" is not a valid Convex document id: its checksum does not match/);
    expect(readdirSync(dir).filter((name) => name.includes("broken"))).toEqual([]);
  });
});

describe("restore of large, often rewritten documents", () => {
  test("the latest run restores every document, however much history sits between them", async () => {
    const requestsBefore = d.backup.server.stats.byPath["restore:readPage"] ?? 0;
    const { result, zip } = await restoreRun(27, "blobs-latest.zip");
    expect(result.tables).toEqual([{ table: "blobs", documents: 15, expected: 15, tableNumber: 10020 }]);
    expectDocuments(zip, 27);
    // More than one request: the content did not fit one query and was split.
    expect((d.backup.server.stats.byPath["restore:readPage"] ?? 0) - requestsBefore).toBeGreaterThan(2);
  });

  test("a past run restores the version that was live then", async () => {
    const { zip } = await restoreRun(12, "blobs-12.zip");
    expectDocuments(zip, 12);
    const heavy = zip.documents.get("blobs")!.find((doc) => (doc.body as string).startsWith("heavy"))!;
    expect(heavy.n).toBe(8n);
  });
});
