// Benchmark only: what the benchmark reads from (or sets in) the in-process
// deployments directly, outside the runs it measures: versions a run wrote,
// the run records a retention pass plans from, a reconciliation made due,
// and changes made behind the change log's back.
import type { Id } from "../convex/_generated/dataModel";
import type { BackupDeployment, PrimaryDeployment } from "../harness/deployments";
import { randomSource, type ShopIds } from "../harness/shopData";
import { storedSizes } from "./ioFigures";

const COUNT_PAGE = 4_000;

/** seq of the backup's newest run record. */
export async function newestRunSeq(backup: BackupDeployment): Promise<number> {
  return backup.t.run(async (ctx) => {
    const run = await ctx.db.query("runs").withIndex("by_seq").order("desc").first();
    if (run === null) throw new Error("The backup holds no run.");
    return run.seq;
  });
}

/** Versions run `seq` wrote that are still current (all of them, right after the run). */
export async function versionsWrittenBy(backup: BackupDeployment, seq: number): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  for (;;) {
    const page: { n: number; isDone: boolean; cursor: string } = await backup.t.run(async (ctx) => {
      const result = await ctx.db
        .query("versions")
        .withIndex("by_to_seq", (q) => q.eq("toSeq", null).eq("fromSeq", seq))
        .paginate({ cursor, numItems: COUNT_PAGE });
      return { n: result.page.length, isDone: result.isDone, cursor: result.continueCursor };
    });
    count += page.n;
    if (page.isDone) return count;
    cursor = page.cursor;
  }
}

/** The backup's run records: how many, and their size raw and rounded up to 1 KiB each. */
export async function runRecords(backup: BackupDeployment): Promise<{ count: number; raw: number; billable: number }> {
  return backup.t.run(async (ctx) => {
    const runs = await ctx.db.query("runs").collect();
    return { count: runs.length, ...storedSizes(runs) };
  });
}

/**
 * Makes the next run a reconciliation scan that is not asked for: the newest
 * restore point's configuration hash is made stale, as a changed
 * OMITTED_FIELDS would (scheduled weekly scans are off since rolling verification).
 */
export async function makeReconciliationDue(backup: BackupDeployment): Promise<void> {
  await backup.t.run(async (ctx) => {
    const run = await ctx.db
      .query("runs")
      .withIndex("by_status", (q) => q.eq("status", "completed"))
      .order("desc")
      .first();
    if (run?.log === undefined) throw new Error("The newest restore point has no log state.");
    await ctx.db.patch("runs", run._id, { log: { ...run.log, configHash: "stale" } });
  });
}

const UNLOGGED_BATCH = 250;

/**
 * Writes the change log does not see (as a dashboard edit, an import or an
 * unwrapped mutation would): `fraction` of each table's documents patched
 * with raw ctx.db in t.run. Returns how many documents changed.
 */
export async function changeUnlogged(primary: PrimaryDeployment, ids: ShopIds, fraction: number, seed: number): Promise<number> {
  const rand = randomSource(seed);
  const pick = <T>(list: T[]): T[] => {
    const n = Math.min(list.length, Math.max(1, Math.round(list.length * fraction)));
    const chosen = new Set<T>();
    while (chosen.size < n) chosen.add(list[Math.floor(rand() * list.length)]!);
    return [...chosen];
  };
  type Patch = { kind: "user"; id: Id<"users"> } | { kind: "product"; id: Id<"products"> } | { kind: "order"; id: Id<"orders"> };
  const patches: Patch[] = [
    ...pick(ids.users).map((id): Patch => ({ kind: "user", id })),
    ...pick(ids.products).map((id): Patch => ({ kind: "product", id })),
    ...pick(ids.orders).map((id): Patch => ({ kind: "order", id })),
  ];
  const stamp = Math.floor(rand() * 1_000_000);
  for (let i = 0; i < patches.length; i += UNLOGGED_BATCH) {
    const batch = patches.slice(i, i + UNLOGGED_BATCH);
    await primary.t.run(async (ctx) => {
      for (const patch of batch) {
        if (patch.kind === "user") await ctx.db.patch("users", patch.id, { city: `Unlogged ${stamp}` });
        else if (patch.kind === "product") await ctx.db.patch("products", patch.id, { price: stamp / 100 + 0.02 });
        else await ctx.db.patch("orders", patch.id, { paymentMethod: `unlogged-${stamp}` });
      }
    });
  }
  return patches.length;
}
