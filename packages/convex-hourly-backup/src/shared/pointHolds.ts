// What a restore point holds, per table, in plain words (issue 18): made by
// a full reconciliation (every document compared with the app), or by the
// change log up to the run's start with every document last verified at some
// time. A point is never called whole without the time of its verification.
// Derived from the run's log state (vLogState) by the backup (status,
// restore) and by the run itself (its last log lines).
import { v, type Infer } from "convex/values";
import type { LogState } from "./protocol";
import { STORAGE_TABLE } from "./files";

export const vTableHolds = v.object({
  table: v.string(),
  /**
   * "reconciliation": every document compared with the app in a scan that began at `through`;
   * "log": every write the change log noted before `through`, and each document compared at
   * least at `verifiedAt`; "unknown": a point made before runs recorded it.
   */
  madeBy: v.union(v.literal("reconciliation"), v.literal("log"), v.literal("unknown")),
  through: v.number(),
  /** Start of the newest complete verification of the table (a reconciliation counts); null: none yet. */
  verifiedAt: v.union(v.number(), v.null()),
  /** defineBackup's verifyEveryHours at that run (null before runs recorded it). */
  verifyEveryHours: v.union(v.number(), v.null()),
  /** Documents the change log had missed, found in the 7 days before the point (status only). */
  missedByLog7d: v.optional(v.number()),
});
export type TableHolds = Infer<typeof vTableHolds>;

/** Per table, how the point of a run started at `runStartedAt` with log state `log` was made. */
export function pointHolds(log: LogState | undefined, runStartedAt: number, tables: readonly string[]): TableHolds[] {
  return tables.map((table): TableHolds => {
    const through = log?.startedAt ?? runStartedAt;
    if (log === undefined) return { table, madeBy: "unknown", through, verifiedAt: null, verifyEveryHours: null };
    const everyHours = log.verify?.everyHours ?? null;
    // File storage is listed whole and compared in every run, a change-log run too.
    if (table === STORAGE_TABLE) return { table, madeBy: "reconciliation", through, verifiedAt: through, verifyEveryHours: everyHours };
    if (log.mode === "scan") {
      const began = log.reconciledAt ?? through;
      return { table, madeBy: "reconciliation", through: began, verifiedAt: began, verifyEveryHours: everyHours };
    }
    const verifiedAt = log.verify?.tables.find((t) => t.table === table)?.verifiedAt ?? log.reconciledAt ?? null;
    return { table, madeBy: "log", through, verifiedAt, verifyEveryHours: everyHours };
  });
}

/** "2026-12-06 14:00 UTC" */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * One table's sentence, e.g. "orders: every write through the wrapped builders up to
 * 2026-12-06 14:00 UTC; every document last verified 2026-12-06 04:00 UTC (verification every
 * 24 h); a write made another way after that may be missing".
 */
export function describeHolds(h: TableHolds): string {
  const every = h.verifyEveryHours === null ? "" : ` (verification every ${h.verifyEveryHours} h)`;
  switch (h.madeBy) {
    case "unknown":
      return `${h.table}: made before restore points recorded how; not stated whether every write is in it`;
    case "reconciliation":
      return h.table === STORAGE_TABLE
        ? `${h.table}: every file listed and compared at ${formatTime(h.through)}`
        : `${h.table}: every document compared with the app in a full reconciliation that began ${formatTime(h.through)}`;
    case "log": {
      const writes = `${h.table}: every write through the wrapped builders up to ${formatTime(h.through)}`;
      if (h.verifiedAt === null) {
        return `${writes}; not every document verified yet${every}; a write made another way may be missing`;
      }
      return `${writes}; every document last verified ${formatTime(h.verifiedAt)}${every}; a write made another way after that may be missing`;
    }
  }
}

/** The sentences of several tables, tables that share one grouped: "orders, users: every write ...". */
export function describeAllHolds(holds: readonly TableHolds[]): string[] {
  const groups = new Map<string, string[]>();
  for (const h of holds) {
    const sentence = describeHolds(h).slice(h.table.length);
    groups.set(sentence, [...(groups.get(sentence) ?? []), h.table]);
  }
  return [...groups].map(([sentence, tables]) => `${tables.join(", ")}${sentence}`);
}
