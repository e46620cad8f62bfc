// The harness refuses what real Convex refuses and convex-test (unpatched)
// allows, and counts each deployment's database I/O. Each limit is shown from
// both sides: the largest thing Convex accepts passes, one more fails.
import { afterEach, describe, expect, test, vi } from "vitest";
import { makeFunctionReference } from "convex/server";
import { getConvexSize, getDocumentSize, type GenericId } from "convex/values";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { WriteThrottle } from "../harness/writeThrottle";
import { limitsFixture } from "./fixtures/limits/limitsFixture";

const MiB = 1 << 20;
const fn = {
  count: makeFunctionReference<"query", { items: unknown[] }, number>("fns:count"),
  anything: makeFunctionReference<"query", { value: unknown }, null>("fns:anything"),
  makeArray: makeFunctionReference<"query", { length: number }, number[]>("fns:makeArray"),
  insertThenReturn: makeFunctionReference<"mutation", { length: number }, number[]>("fns:insertThenReturn"),
  touch: makeFunctionReference<"mutation", { id: string; text: string }, null>("fns:touch"),
  failAfterWrite: makeFunctionReference<"mutation", Record<string, never>, null>("fns:failAfterWrite"),
  insertThenCount: makeFunctionReference<"action", { length: number }, number>("fns:insertThenCount"),
};

type Note = GenericId<"notes">;
const zeros = (length: number) => new Array<number>(length).fill(0);
/** A value nested `levels` deep: arrays around a scalar (a scalar is 0 levels). */
const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);

async function insertNotes(t: ReturnType<typeof limitsFixture>["t"], n: number): Promise<Note[]> {
  return t.run(async (ctx) => {
    const ids: Note[] = [];
    for (let i = 0; i < n; i++) ids.push((await ctx.db.insert("notes", { i })) as Note);
    return ids;
  });
}

describe("index ranges: every patch, replace and delete reads its document first", () => {
  const tooMany = "Too many index ranges read in a single function execution (limit: 4096)";

  test("4,096 patches in one mutation pass, 4,097 fail", async () => {
    const { t } = limitsFixture();
    const ids = await insertNotes(t, 4097);
    await t.run(async (ctx) => {
      for (const id of ids.slice(0, 4096)) await ctx.db.patch(id, { patched: true });
    });
    await expect(
      t.run(async (ctx) => {
        for (const id of ids) await ctx.db.patch(id, { patched: true });
      }),
    ).rejects.toThrow(tooMany);
  });

  test("4,096 deletes in one mutation pass, 4,097 fail", async () => {
    const { t } = limitsFixture();
    const ids = await insertNotes(t, 4097 + 4096);
    await t.run(async (ctx) => {
      for (const id of ids.slice(0, 4096)) await ctx.db.delete(id);
    });
    await expect(
      t.run(async (ctx) => {
        for (const id of ids.slice(4096)) await ctx.db.delete(id);
      }),
    ).rejects.toThrow(tooMany);
    // The failed mutation deleted nothing.
    expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(4097);
  });

  test("replace counts too", async () => {
    const { t } = limitsFixture();
    const ids = await insertNotes(t, 4097);
    await expect(
      t.run(async (ctx) => {
        for (const id of ids) await ctx.db.replace(id, { replaced: true });
      }),
    ).rejects.toThrow(tooMany);
  });
});

describe("function arguments", () => {
  test("an array of 8,192 elements is accepted, 8,193 refused", async () => {
    const { t } = limitsFixture();
    expect(await t.query(fn.count, { items: zeros(8192) })).toBe(8192);
    await expect(t.query(fn.count, { items: zeros(8193) })).rejects.toThrow(
      "Invalid arguments for fns.js:count: Array length is too long (8193 > maximum length 8192)",
    );
  });

  test("an action's ctx.runQuery arguments are checked too", async () => {
    const { t } = limitsFixture();
    expect(await t.action(fn.insertThenCount, { length: 8192 })).toBe(8192);
    await expect(t.action(fn.insertThenCount, { length: 8193 })).rejects.toThrow("Array length is too long (8193");
  });

  test("a product function refuses 8,193 documents in one call (internal.shop.insertUsers)", async () => {
    const d = await startDeployments();
    try {
      const user = { email: "a@example.com", name: "A", role: "customer" as const, passwordHash: "x", createdAt: 0, updatedAt: 0 };
      await expect(
        d.primary.t.mutation(internal.shop.insertUsers, { docs: new Array(8193).fill(user) }),
      ).rejects.toThrow("Invalid arguments for shop.js:insertUsers: Array length is too long (8193 > maximum length 8192)");
    } finally {
      await d.close();
    }
  });

  test("objects of more than 1,024 fields and values nested past 64 levels are refused", async () => {
    const { t } = limitsFixture();
    const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));
    await t.query(fn.anything, { value: wide(1024) });
    await expect(t.query(fn.anything, { value: wide(1025) })).rejects.toThrow(
      "Object has too many fields (1025 > maximum number 1024)",
    );
    // Convex parses `[args]`: the argument object ({ value }) and the array around it are two levels.
    await t.query(fn.anything, { value: nested(62) });
    await expect(t.query(fn.anything, { value: nested(63) })).rejects.toThrow(
      "Value is too nested (nested 65 levels deep > maximum nesting 64)",
    );
  });

  test("arguments over 16 MiB are refused", async () => {
    const { t } = limitsFixture();
    await t.query(fn.anything, { value: "x".repeat(16 * MiB - 100) });
    await expect(t.query(fn.anything, { value: "x".repeat(16 * MiB) })).rejects.toThrow(
      /^Arguments for fns\.js:anything are too large \(actual: 16 MiB, limit: 16 MiB\)$/,
    );
  });
});

describe("return values", () => {
  test("8,192 elements are returned, 8,193 refused", async () => {
    const { t } = limitsFixture();
    expect(await t.query(fn.makeArray, { length: 8192 })).toHaveLength(8192);
    await expect(t.query(fn.makeArray, { length: 8193 })).rejects.toThrow(
      "Function fns.js:makeArray return value invalid: Array length is too long (8193 > maximum length 8192)",
    );
  });

  test("a mutation whose return value is refused writes nothing", async () => {
    const { t } = limitsFixture();
    await expect(t.mutation(fn.insertThenReturn, { length: 8193 })).rejects.toThrow("return value invalid");
    expect(await t.run(async (ctx) => ctx.db.query("notes").collect())).toEqual([]);
  });
});

describe("written documents", () => {
  test("an array of 8,192 elements is stored, 8,193 refused", async () => {
    const { t } = limitsFixture();
    await t.run(async (ctx) => ctx.db.insert("notes", { list: zeros(8192) }));
    await expect(t.run(async (ctx) => ctx.db.insert("notes", { list: zeros(8193) }))).rejects.toThrow(
      "Invalid argument `value` for `db.insert`: Array length is too long (8193 > maximum length 8192)",
    );
  });

  test("patch and replace are checked on the document they produce", async () => {
    const { t } = limitsFixture();
    const [id] = await insertNotes(t, 1);
    await expect(t.run(async (ctx) => ctx.db.patch(id!, { list: zeros(8193) }))).rejects.toThrow("`db.patch`");
    await expect(t.run(async (ctx) => ctx.db.replace(id!, { list: zeros(8193) }))).rejects.toThrow("`db.replace`");
  });

  test("a document nested 16 levels is stored, 17 refused", async () => {
    const { t } = limitsFixture();
    // The document is a level itself.
    await t.run(async (ctx) => ctx.db.insert("notes", { deep: nested(15) as number }));
    await expect(t.run(async (ctx) => ctx.db.insert("notes", { deep: nested(16) as number }))).rejects.toThrow(
      "Document is too nested (nested 17 levels deep > maximum nesting 16)",
    );
  });

  test("a document over 1 MiB is refused", async () => {
    const { t } = limitsFixture();
    await t.run(async (ctx) => ctx.db.insert("notes", { text: "x".repeat(MiB - 200) }));
    await expect(t.run(async (ctx) => ctx.db.insert("notes", { text: "x".repeat(MiB) }))).rejects.toThrow(
      /^Value is too large \(1 MiB > maximum size 1 MiB\)$/,
    );
  });

  test("without transaction limits nothing is enforced (what convex-test does unpatched)", async () => {
    const d = await startDeployments({ transactionLimits: false });
    try {
      await d.backup.t.run(async (ctx) => {
        const id = await ctx.db.insert("runs", { seq: 1, startedAt: 0, status: "running", tables: [] });
        for (let i = 0; i < 4097; i++) await ctx.db.patch(id, { startedAt: i });
      });
    } finally {
      await d.close();
    }
  });
});

describe("I/O accounting (onTransactionEnd)", () => {
  test("a known mutation reports exact documents, bytes, billable bytes and index ranges", async () => {
    const { t, reports } = limitsFixture();
    const [id] = await insertNotes(t, 1);
    const before = await t.run(async (ctx) => ctx.db.get(id!));
    reports.length = 0;
    const text = "y".repeat(1500);
    await t.mutation(fn.touch, { id: id!, text });
    const [after, inserted] = await t.run(async (ctx) => {
      const notes = await ctx.db.query("notes").collect();
      return [notes[0]!, notes[1]!] as const;
    });
    const readSize = getDocumentSize(before!);
    expect(reports[0]).toEqual({
      udfPath: "fns:touch",
      udfType: "mutation",
      committed: true,
      metrics: {
        // db.get, then db.patch reads it again.
        documentsRead: 2,
        bytesRead: 2 * readSize,
        roundedBytesRead: 2 * 1024,
        documentsWritten: 2,
        bytesWritten: getConvexSize(after) + getConvexSize(inserted),
        // The patched note is under 1 KiB, the inserted one (1.5 KB of text) rounds up to 2 KiB.
        roundedBytesWritten: 1024 + 2048,
        databaseQueries: 2,
      },
    });
  });

  test("a failed mutation is reported, not committed; an action's calls are separate transactions", async () => {
    const { t, reports } = limitsFixture();
    await expect(t.mutation(fn.failAfterWrite, {})).rejects.toThrow("fails on purpose");
    expect(reports.at(-1)).toMatchObject({ udfPath: "fns:failAfterWrite", committed: false, metrics: { documentsWritten: 1 } });
    reports.length = 0;
    await t.action(fn.insertThenCount, { length: 3 });
    expect(reports.map((r) => [r.udfPath, r.udfType, r.committed])).toEqual([
      ["fns:insertNote", "mutation", true],
      ["fns:count", "query", true],
    ]);
  });

  test("a transaction that breaks a limit is still reported", async () => {
    const { t, reports } = limitsFixture();
    const ids = await insertNotes(t, 4097);
    reports.length = 0;
    await expect(
      t.run(async (ctx) => {
        for (const id of ids) await ctx.db.delete(id);
      }),
    ).rejects.toThrow("Too many index ranges");
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ udfPath: "custom", committed: false, metrics: { databaseQueries: 4097 } });
  });

  test("startDeployments totals each deployment's I/O in d.primary.io", async () => {
    const d = await startDeployments();
    try {
      const user = (i: number) => ({ email: `u${i}@example.com`, name: `U${i}`, role: "customer" as const, passwordHash: "x", createdAt: 0, updatedAt: 0 });
      d.primary.io.reset();
      await d.primary.t.mutation(internal.shop.insertUsers, { docs: [user(1), user(2), user(3)] });
      const io = d.primary.io;
      // Per function: the three users and the mutation's change-log row, each billed 1 KiB; nothing read.
      expect(io.calls["shop:insertUsers"]).toEqual({
        kind: "mutation", calls: 1, failed: 0, docsRead: 0, billableRead: 0, docsWritten: 4, billableWritten: 4 * 1024,
      });
      expect(io.docsWritten).toBe(4);
      // Billable: each document at least 1 KiB, in whole KiB.
      expect(io.billableWritten).toBeGreaterThanOrEqual(io.docsWritten * 1024);
      expect(io.billableWritten % 1024).toBe(0);
      expect(io.bytesWritten).toBeGreaterThan(0);
      expect(io.largest.write?.path).toBe("shop:insertUsers");
      expect(io.largest.write?.amount).toBe(io.bytesWritten);
      expect(d.backup.io.transactions).toBe(0);
      io.reset();
      expect(io.snapshot()).toMatchObject({ transactions: 0, calls: {}, docsWritten: 0, largest: { write: null } });
    } finally {
      await d.close();
    }
  });
});

describe("write throughput: the backup answers 429 while over its cap", () => {
  let d: Deployments | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await d?.close();
  });

  const post = (url: string, kind: "mutation" | "query", path: string) =>
    fetch(`${url}/api/${kind}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path, format: "convex_encoded_json", args: [{}] }),
    });

  test("429 with Retry-After while the bucket is in debt, through again once it refills", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    d = await startDeployments({ backupWriteBytesPerSecond: 100 });
    const { server } = d.backup;
    // A committed write of a few hundred bytes: 100 bytes/s leaves the bucket in debt.
    await d.backup.t.run(async (ctx) => {
      await ctx.db.insert("runs", { seq: 1, startedAt: 0, status: "running", tables: [], error: "e".repeat(300) });
    });
    const debt = d.backup.io.bytesWritten - 100;
    expect(debt).toBeGreaterThan(300);

    const refused = await post(server.url, "mutation", "runs:beginRun");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe(String(Math.ceil(debt / 100)));
    expect(await refused.text()).toMatch(/write throughput/);
    expect(server.stats.throttled).toBe(1);
    // Queries are not throttled.
    expect((await post(server.url, "query", "status:recentRuns")).status).not.toBe(429);

    vi.setSystemTime(Date.now() + (Math.ceil(debt / 100) - 1) * 1000);
    expect((await post(server.url, "mutation", "runs:beginRun")).status).toBe(429);
    vi.setSystemTime(Date.now() + 1000);
    const through = await post(server.url, "mutation", "runs:beginRun");
    expect(through.status).not.toBe(429);
    expect(server.stats.throttled).toBe(2);

    server.setWriteThroughput(null);
    await d.backup.t.run(async (ctx) => {
      await ctx.db.insert("runs", { seq: 2, startedAt: 0, status: "running", tables: [], error: "e".repeat(3000) });
    });
    expect((await post(server.url, "mutation", "runs:beginRun")).status).not.toBe(429);
  });

  test("the bucket: one second of burst, debt paid back at the rate, Retry-After at least 1 s", () => {
    let now = 0;
    const bucket = new WriteThrottle(1000, () => now);
    bucket.recordWrite(1000);
    expect(bucket.retryAfterSeconds()).toBeNull();
    bucket.recordWrite(1);
    expect(bucket.retryAfterSeconds()).toBe(1);
    bucket.recordWrite(2500);
    expect(bucket.retryAfterSeconds()).toBe(3);
    now += 2501;
    expect(bucket.retryAfterSeconds()).toBeNull();
    now += 60_000;
    bucket.recordWrite(1001);
    expect(bucket.retryAfterSeconds()).toBe(1);
    bucket.setRate(null);
    expect(bucket.retryAfterSeconds()).toBeNull();
  });
});
