// Issue 9, bounded reads on the restore side: finding a restore point reads a
// bounded amount however many runs the backup holds and however large their
// records are (Convex: 16 MiB and 32,000 documents read, 4,096 index ranges per
// query). A time selector used to walk every completed run newer than the
// time; it now binary-searches the runs by seq.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { api } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import type { Doc } from "../packages/convex-hourly-backup/src/backup/_generated/dataModel";
import { MAX_SAMPLE_LOOKUPS } from "../packages/convex-hourly-backup/src/backup/lib/restorePoint";
import type { RunSelector } from "../packages/convex-hourly-backup/src/backup/lib/restoreProtocol";
import { startDeployments, type Deployments } from "../harness/deployments";
import { changeShop, seedShop } from "../harness/shopData";
import { expectRestoreEquals, primarySnapshot, type PrimarySnapshot } from "./support/restorePoints";

const HOUR = 60 * 60 * 1000;
const START = Date.UTC(2025, 0, 6);
/** Old run records: with 7,000 tables each about 0.5 MiB; 40 of them are 20 MiB, more than a query may read. */
const FAT_RUNS = 40;
const FAT_TABLES = 7_000;
/** Then small records, some failed or pruning, with gaps in seq (retention deleted those). */
const SMALL_RUNS = 60;

type RunFields = Omit<Doc<"runs">, "_id" | "_creationTime">;
let d: Deployments;
const records: RunFields[] = [];
const states: PrimarySnapshot[] = [];

function fatTables() {
  return Array.from({ length: FAT_TABLES }, (_, i) => ({
    table: `table_${i}`, scanned: 0, changed: 0, deleted: 0, bytesSent: 0, docsWritten: 0,
  }));
}

const getPoint = (selector: RunSelector) => d.backup.t.query(api.restore.getRestorePoint, { secret: d.restoreSecret, selector });

/** The answer by definition: the newest completed record that started at or before `time`. */
function expectedAt(time: number): number | null {
  const completed = records.filter((r) => r.status === "completed" && r.startedAt <= time);
  return completed.length === 0 ? null : Math.max(...completed.map((r) => r.seq));
}

beforeAll(async () => {
  vi.useFakeTimers();
  d = await startDeployments();
  let seq = 0;
  for (let i = 0; i < FAT_RUNS; i++) {
    seq += 1;
    records.push({ seq, startedAt: START + seq * HOUR, finishedAt: START + seq * HOUR + 1, status: "completed", tables: fatTables() });
  }
  for (let i = 0; i < SMALL_RUNS; i++) {
    seq += 1 + (i % 7 === 3 ? 5 : 0);
    const status = i % 5 === 1 ? "failed" : i % 5 === 2 ? "pruning" : "completed";
    records.push({ seq, startedAt: START + seq * HOUR, finishedAt: START + seq * HOUR + 1, status, tables: [] });
  }
  // Written 8 at a time: each transaction stays under the 16 MiB a mutation may write.
  for (let i = 0; i < records.length; i += 8) {
    await d.backup.t.run(async (ctx) => {
      for (const record of records.slice(i, i + 8)) await ctx.db.insert("runs", record);
    });
  }
  // Two real backups after them: runs seq + 1 and seq + 2.
  const ids = await seedShop(d.primary, { users: 3, products: 4, orders: 5 });
  for (const hours of [1, 2]) {
    vi.setSystemTime(START + (seq + hours) * HOUR);
    if (hours === 2) await changeShop(d.primary, ids, { fraction: 0.5, deletes: 1, inserts: 1 });
    const run = await d.primary.t.action(internal.backup.runNow, {});
    expect(run.status).toBe("completed");
    states.push(await primarySnapshot(d));
  }
  records.push(
    ...(await d.backup.t.run(async (ctx) => ctx.db.query("runs").withIndex("by_seq", (q) => q.gt("seq", seq)).collect())),
  );
}, 180_000);
afterAll(async () => {
  await d.close();
  vi.useRealTimers();
});

describe("finding a restore point", () => {
  test("a time before 20 MiB of newer run records finds the old run (reads a few records, not all)", async () => {
    const point = await getPoint({ kind: "atOrBefore", time: START + 2 * HOUR + 30 * 60_000 });
    expect(point.seq).toBe(2);
    // Empty tables: their number is looked up from a stored id, at most MAX_SAMPLE_LOOKUPS of them.
    expect(point.tables).toHaveLength(FAT_TABLES);
    expect(MAX_SAMPLE_LOOKUPS).toBeLessThan(4_096 - 100);
  });

  test("every time selector answers as its definition says, across gaps, failed and pruning runs", async () => {
    const last = records.at(-1)!.startedAt;
    // Among the small records (a fat answer costs its 7,000 tables), and around the ends.
    const times = [START - HOUR, START + HOUR, START + FAT_RUNS * HOUR + 1, last + HOUR];
    for (const r of records.slice(FAT_RUNS + 1)) times.push(r.startedAt, r.startedAt - 1);
    for (const time of times) {
      const expected = expectedAt(time);
      const answer = getPoint({ kind: "atOrBefore", time });
      if (expected === null) await expect(answer, `time ${time}`).rejects.toThrow(/RUN_NOT_FOUND/);
      else expect((await answer).seq, `time ${time}`).toBe(expected);
    }
  });

  test("a run number of a pruning or failed run is refused; one retention deleted is not found", async () => {
    const pruning = records.find((r) => r.status === "pruning")!;
    await expect(getPoint({ kind: "seq", seq: pruning.seq })).rejects.toThrow(/"RUN_NOT_COMPLETED".*"Run \d+ is being deleted by retention \(status pruning\)/);
    const failed = records.find((r) => r.status === "failed")!;
    await expect(getPoint({ kind: "seq", seq: failed.seq })).rejects.toThrow(/"RUN_NOT_COMPLETED".*"Run \d+ is failed, not completed/);
    const seqs = new Set(records.map((r) => r.seq));
    const gap = [...seqs].find((s) => !seqs.has(s + 1) && s < records.at(-1)!.seq)! + 1;
    await expect(getPoint({ kind: "seq", seq: gap })).rejects.toThrow(/RUN_NOT_FOUND/);
  });

  test("the latest and the previous point restore the primary's state at those runs", async () => {
    const [previous, latest] = records.slice(-2);
    expect((await expectRestoreEquals(d, "latest", states[1]!)).seq).toBe(latest!.seq);
    expect((await expectRestoreEquals(d, String(previous!.seq), states[0]!)).seq).toBe(previous!.seq);
  });
});
