// The history contract (issue 13): what `convex-hourly-backup history <table>
// <id>` asks the backup deployment (history:versions) and what it answers.
// Entries carry run numbers, times, labels and field names, never a value.
import { v, type Infer } from "convex/values";

/** Where a history read stopped; the caller passes it back unchanged. */
export const vHistoryCursor = v.object({
  /** The last closed version read, by (toSeq, _creationTime): the next read starts after it. */
  after: v.union(v.object({ toSeq: v.number(), creationTime: v.number() }), v.null()),
  /** Every closed version is read: only the open one is left. */
  closedDone: v.boolean(),
  /** The last version listed, which the next listed one is compared with. */
  baseId: v.union(v.string(), v.null()),
  /** toSeq of the last version read: a gap before the next one is a deletion. */
  lastToSeq: v.union(v.number(), v.null()),
});
export type HistoryCursor = Infer<typeof vHistoryCursor>;

export const historyArgs = {
  secret: v.string(),
  table: v.string(),
  /** The document's _id on the primary. */
  docId: v.string(),
  /** null for the first page. */
  cursor: v.union(vHistoryCursor, v.null()),
};

/** The kept restore point an entry is first seen at. */
export const vHistoryPoint = v.object({
  seq: v.number(),
  startedAt: v.number(),
  finishedAt: v.union(v.number(), v.null()),
  label: v.union(v.string(), v.null()),
  pinned: v.boolean(),
});
export type HistoryPoint = Infer<typeof vHistoryPoint>;

/** Top-level field names (never values) that differ from the previous version listed. */
export const vFieldChanges = v.object({
  added: v.array(v.string()),
  removed: v.array(v.string()),
  changed: v.array(v.string()),
});
export type FieldChanges = Infer<typeof vFieldChanges>;

export const vHistoryEntry = v.union(
  v.object({
    kind: v.literal("version"),
    /** The first kept restore point holding this version (it holds it until the next entry's point). */
    point: vHistoryPoint,
    /** The run that wrote it (its record may be gone: retention keeps points, not every run). */
    fromSeq: v.number(),
    /** null: no earlier version is kept to compare with. */
    changes: v.union(vFieldChanges, v.null()),
  }),
  v.object({
    kind: v.literal("deleted"),
    /** The first kept restore point without the document. */
    point: vHistoryPoint,
    /** The run that saw it gone. */
    toSeq: v.number(),
    /** Gone because its table stopped being backed up (excluded, or removed from the schema), not deleted. */
    tableLeft: v.boolean(),
  }),
);
export type HistoryEntry = Infer<typeof vHistoryEntry>;

export const vHistoryPage = v.object({
  /** Oldest first. */
  entries: v.array(vHistoryEntry),
  /** null once the whole history is read. */
  cursor: v.union(vHistoryCursor, v.null()),
});
export type HistoryPage = Infer<typeof vHistoryPage>;
