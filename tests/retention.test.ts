import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { writeAsApp } from "./support/appWrites";
import type { Value } from "convex/values";
import { internal } from "../convex/_generated/api";
import { api, internal as backupInternal } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import backupCrons from "../packages/convex-hourly-backup/src/backup/crons";
import { startDeployments, type Deployments, PRIMARY_CLOUD_URL } from "../harness/deployments";
import { changeShop, seedShop, type ShopIds } from "../harness/shopData";
import { sanitizeDocument } from "./support/shopRedaction";
import { canonicalJson } from "../packages/convex-hourly-backup/src/shared/digest";
import { DAY_MS, HOUR_MS, WEEK_MS, dayOf, weekOf, type RetentionPolicy } from "../packages/convex-hourly-backup/src/backup/retentionPolicy";
import { MAX_ROWS_PER_STEP } from "../packages/convex-hourly-backup/src/backup/lib/retentionBudget";

// Monday 2025-01-06 00:00 UTC.
const START = Date.UTC(2025, 0, 6);
const TABLES = ["users", "products", "orders"] as const;

/** "table/docId" -> canonical JSON of the sanitized document: what a restore point must hold. */
type State = Map<string, string>;

let d: Deployments;
beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
  d = await startDeployments();
});
afterEach(async () => {
  await d.close();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

async function primaryState(): Promise<State> {
  const state: State = new Map();
  await d.primary.t.run(async (ctx) => {
    for (const table of TABLES) {
      for (const doc of await ctx.db.query(table).collect()) {
        state.set(`${table}/${doc._id}`, canonicalJson(sanitizeDocument(table, doc as unknown as Record<string, Value>)));
      }
    }
  });
  return state;
}

/** Everything the backup stores, read straight from its tables. */
async function backupTables() {
  return d.backup.t.run(async (ctx) => ({
    runs: await ctx.db.query("runs").collect(),
    versions: await ctx.db.query("versions").collect(),
    contents: await ctx.db.query("contents").collect(),
    batches: await ctx.db.query("batches").collect(),
  }));
}
type BackupTables = Awaited<ReturnType<typeof backupTables>>;

/** The restore point of run `seq`: versions with fromSeq <= seq < toSeq (or still open), their text joined. */
function restorePoint(tables: BackupTables, seq: number): State {
  const chunks = new Map<string, { index: number; text: string }[]>();
  for (const row of tables.contents) chunks.set(row.versionId, [...(chunks.get(row.versionId) ?? []), row]);
  const state: State = new Map();
  for (const version of tables.versions) {
    if (version.fromSeq > seq || (version.toSeq !== null && version.toSeq <= seq)) continue;
    // Small documents are inline in their version; larger ones in content chunks.
    const text = version.text ?? (chunks.get(version._id) ?? []).sort((a, b) => a.index - b.index).map((c) => c.text).join("");
    state.set(`${version.table}/${version.docId}`, text);
  }
  return state;
}

async function prune(policy?: RetentionPolicy) {
  await d.backup.t.mutation(backupInternal.retention.prune, policy === undefined ? {} : { policy });
  await d.backup.t.finishAllScheduledFunctions(vi.runAllTimers);
}

/** The [retention] log lines of whatever runs inside `fn`, as numbers. */
async function pruneSteps(fn: () => Promise<void>) {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((text: string) => void lines.push(text));
  await fn();
  spy.mockRestore();
  return lines
    .map((line) => /^\[retention\] deleted (\d+) versions \((\d+) content rows\) and (\d+) run records \((\d+) batch/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ versions: Number(match[1]), contents: Number(match[2]), runs: Number(match[3]), batches: Number(match[4]) }));
}

/** Which completed runs the policy keeps, by its definition, for hourly runs at known times. */
function expectedPoints(startedAt: Map<number, number>, policy: RetentionPolicy, now: number): number[] {
  const seqs = [...startedAt.keys()].sort((a, b) => a - b);
  const newestOf = (bucket: (t: number) => number, from: number) => {
    const newest = new Map<number, number>();
    for (const seq of seqs) if (startedAt.get(seq)! >= from) newest.set(bucket(startedAt.get(seq)!), seq);
    return new Set(newest.values());
  };
  const daily = newestOf(dayOf, now - policy.dailyDays * DAY_MS);
  const weekly = newestOf(weekOf, now - policy.weeklyWeeks * WEEK_MS);
  return seqs.filter(
    (seq) =>
      startedAt.get(seq)! >= now - policy.keepAllHours * HOUR_MS ||
      daily.has(seq) ||
      weekly.has(seq) ||
      seq === seqs.at(-1),
  );
}

describe("retention", () => {
  test("the backup deployment prunes hourly at a quarter past, on its own", () => {
    const jobs = (backupCrons as unknown as { crons: Record<string, unknown> }).crons;
    expect(jobs).toEqual({
      "retention:prune": { name: "retention:prune", args: [{}], schedule: { type: "hourly", minuteUTC: 15 } },
      // The stale-backup check (tests/alerts.test.ts).
      "alerts:check": { name: "alerts:check", args: [{}], schedule: { type: "interval", minutes: 15 } },
    });
  });

  test("four weeks of hourly runs: every kept point restores exactly, the rest is gone, storage stops growing", async () => {
    // A scaled-down policy so weeks stay affordable in the mock: every run for
    // 6 hours, the newest of each day for 3 days, of each week for 2 weeks.
    const policy: RetentionPolicy = { keepAllHours: 6, dailyDays: 3, weeklyWeeks: 2 };
    const CHANGING_HOURS = 10 * 24;
    const HOURS = 4 * 7 * 24;
    const ids: ShopIds = await seedShop(d.primary, { users: 3, products: 4, orders: 5 });
    const expected = new Map<number, State>();
    const startedAt = new Map<number, number>();
    const storage: { hour: number; versions: number; contents: number; chunks: number; runs: number }[] = [];

    for (let hour = 0; hour < HOURS; hour++) {
      vi.setSystemTime(START + hour * HOUR_MS);
      if (hour > 0 && hour < CHANGING_HOURS) {
        await changeShop(d.primary, ids, { fraction: 0.3, deletes: 1, inserts: 1, seed: hour });
      }
      const run = await d.primary.t.action(internal.backup.runNow, {});
      expect(run.status).toBe("completed");
      const seq = hour + 1;
      expected.set(seq, await primaryState());
      startedAt.set(seq, START + hour * HOUR_MS);

      // The cron's tick, a quarter past.
      vi.setSystemTime(START + hour * HOUR_MS + 15 * 60_000);
      await prune(policy);

      if (hour % 24 === 23 || hour === CHANGING_HOURS) {
        const tables = await backupTables();
        const now = START + hour * HOUR_MS + 15 * 60_000;
        const kept = tables.runs.map((r) => r.seq).sort((a, b) => a - b);
        // Exactly the policy's points remain, and each restores its run's primary state.
        expect(kept).toEqual(expectedPoints(startedAt, policy, now));
        for (const point of kept) expect(restorePoint(tables, point)).toEqual(expected.get(point));
        // Nothing stays that no kept point needs: each closed version is some point's.
        for (const version of tables.versions) {
          if (version.toSeq === null) continue;
          expect(kept.some((r) => version.fromSeq <= r && r < version.toSeq!)).toBe(true);
        }
        const versionIds = new Set(tables.versions.map((v) => v._id));
        expect(tables.contents.every((row) => versionIds.has(row.versionId))).toBe(true);
        const runIds = new Set(tables.runs.map((r) => r._id));
        expect(tables.batches.every((batch) => runIds.has(batch.runId))).toBe(true);
        // Content rows exist only for versions too large to hold their JSON inline.
        const chunks = tables.versions.reduce((sum, version) => sum + version.chunks, 0);
        storage.push({ hour, versions: tables.versions.length, contents: tables.contents.length, chunks, runs: kept.length });
      }
    }

    const current = (await primaryState()).size;
    const atEnd = storage.at(-1)!;
    // Data changed for 10 days, then stopped. Storage never grows in the quiet
    // weeks, and once the last point holding an older state has expired, all
    // that is left is the current state.
    expect(atEnd).toEqual({ hour: HOURS - 1, versions: current, contents: atEnd.chunks, chunks: atEnd.chunks, runs: atEnd.runs });
    const quiet = storage.filter((s) => s.hour >= CHANGING_HOURS);
    for (let i = 1; i < quiet.length; i++) {
      expect(quiet[i]!.versions).toBeLessThanOrEqual(quiet[i - 1]!.versions);
      expect(quiet[i]!.contents).toBeLessThanOrEqual(quiet[i - 1]!.contents);
    }
    // Run records level off at the policy's size (6 h + 3 days + 2 weeks),
    // moving by one as days and weeks roll over.
    expect(new Set(storage.slice(-7).map((s) => s.runs)).size).toBeLessThanOrEqual(2);
    console.info("retention walk, daily storage (hour: versions/contents/runs):", storage.map((s) => `${s.hour}: ${s.versions}/${s.contents}/${s.runs}`).join(", "));
  });

  test("a large prune proceeds in bounded steps and keeps the newest point whole", async () => {
    const ids = await seedShop(d.primary, { users: 2, products: 2, orders: 300 });
    for (let hour = 0; hour < 8; hour++) {
      vi.setSystemTime(START + hour * HOUR_MS);
      // Every order replaced: 300 versions closed and 300 written per run.
      if (hour > 0) await changeShop(d.primary, ids, { fraction: 0, deletes: 300, inserts: 300, seed: hour });
      await d.primary.t.action(internal.backup.runNow, {});
    }
    const before = await backupTables();
    vi.setSystemTime(START + 8 * HOUR_MS);
    const steps = await pruneSteps(() => prune({ keepAllHours: 0, dailyDays: 0, weeklyWeeks: 0 }));
    const after = await backupTables();

    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const step of steps) {
      expect(step.versions + step.contents + step.runs + step.batches).toBeLessThanOrEqual(MAX_ROWS_PER_STEP);
    }
    const deleted = steps.reduce((sum, s) => ({ versions: sum.versions + s.versions, runs: sum.runs + s.runs }), { versions: 0, runs: 0 });
    expect(deleted).toEqual({ versions: before.versions.length - after.versions.length, runs: 7 });
    expect(after.runs.map((r) => r.seq)).toEqual([8]);
    expect(restorePoint(after, 8)).toEqual(await primaryState());
    expect(after.versions).toHaveLength((await primaryState()).size);
    expect(after.batches.every((batch) => batch.runId === after.runs[0]!._id)).toBe(true);
    console.info(
      `large prune: ${before.versions.length} versions / ${before.contents.length} contents / ${before.runs.length} runs -> ` +
        `${after.versions.length} / ${after.contents.length} / ${after.runs.length} in ${steps.length} steps ` +
        `(${steps.map((s) => s.versions + s.contents + s.runs + s.batches).join(", ")} rows)`,
    );
  });

  test("large documents are pruned in steps bounded by the bytes they hold; the newest point stays whole", async () => {
    const product = (hour: number) => ({
      name: "poster", price: 1, category: "c", images: [], stock: 1n, sizes: [], colors: [],
      // 700 KB of quotes: 1.4 MB of JSON, six content chunks per version.
      description: `${hour}${'"'.repeat(700_000)}`,
    });
    await seedShop(d.primary, { users: 1, products: 1, orders: 1 });
    const [id] = await d.primary.t.mutation(internal.shop.insertProducts, { docs: [product(0)] });
    for (let hour = 0; hour < 12; hour++) {
      vi.setSystemTime(START + hour * HOUR_MS);
      if (hour > 0) await writeAsApp(d, (db) => db.patch("products", id!, { description: product(hour).description }));
      expect((await d.primary.t.action(internal.backup.runNow, {})).status).toBe("completed");
    }
    vi.setSystemTime(START + 12 * HOUR_MS);
    const steps = await pruneSteps(() => prune({ keepAllHours: 0, dailyDays: 0, weeklyWeeks: 0 }));
    // 11 old versions of 1.4 MB each (15 MB) go, about 4 MiB per step: a handful of rows per step.
    expect(steps.reduce((sum, step) => sum + step.versions, 0)).toBe(11);
    expect(steps.length).toBeGreaterThanOrEqual(4);
    for (const step of steps) expect(step.contents).toBeLessThanOrEqual(4 * 6);
    const after = await backupTables();
    expect(after.runs.map((r) => [r.seq, r.status])).toEqual([[12, "completed"]]);
    expect(restorePoint(after, 12)).toEqual(await primaryState());
  });

  test("a run in progress keeps the versions it needs while the prune runs", async () => {
    const ids = await seedShop(d.primary, { users: 2, products: 3, orders: 4 });
    await d.primary.t.action(internal.backup.runNow, {});
    const first = await primaryState();
    vi.setSystemTime(START + HOUR_MS);
    await changeShop(d.primary, ids, { fraction: 0.5, deletes: 1, inserts: 1 });
    await d.primary.t.action(internal.backup.runNow, {});
    const second = await primaryState();
    // A third run starts (its holder then dies mid-run): it stays "running".
    vi.setSystemTime(START + 2 * HOUR_MS);
    await d.backup.t.mutation(api.runs.beginRun, { secret: d.secret, holder: "gone", leaseMs: 60_000, tables: ["users"], source: PRIMARY_CLOUD_URL });
    vi.setSystemTime(START + 30 * DAY_MS);
    await prune({ keepAllHours: 0, dailyDays: 0, weeklyWeeks: 0 });
    const tables = await backupTables();
    expect(tables.runs.map((r) => [r.seq, r.status])).toEqual([
      [2, "completed"],
      [3, "running"],
    ]);
    expect(restorePoint(tables, 2)).toEqual(second);
    expect(first).not.toEqual(second);
    // The next backup run resumes run 3 and completes it; then run 2 may go.
    await d.primary.t.action(internal.backup.runNow, {});
    await prune({ keepAllHours: 0, dailyDays: 0, weeklyWeeks: 0 });
    const later = await backupTables();
    expect(later.runs.map((r) => [r.seq, r.status])).toEqual([[3, "completed"]]);
    expect(restorePoint(later, 3)).toEqual(second);
  });
});
