// Labels and pins of restore points (issue 13). A label names one run: it is
// unique among the runs that are not being pruned (a run retention is
// deleting gives its label up). A pinned run is kept by retention until it is
// unpinned; at most MAX_PINNED at once. Every read here is one bounded index
// range.
import { ConvexError } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { ERROR_CODES, labelProblem, MAX_PINNED } from "../../shared/protocol";

/** Runs carrying one label read at most: one kept run, and a few being pruned. */
const MAX_SAME_LABEL = 16;

/** Throws INVALID_LABEL unless `label` is a label (shared/protocol labelProblem). */
export function checkLabel(label: string): void {
  const problem = labelProblem(label);
  if (problem !== null) throw new ConvexError({ code: ERROR_CODES.invalidLabel, message: problem });
}

/** The runs carrying `label`, newest first: at most one not being pruned. */
export function runsLabelled(db: DatabaseReader, label: string): Promise<Doc<"runs">[]> {
  return db
    .query("runs")
    .withIndex("by_label", (q) => q.eq("label", label))
    .order("desc")
    .take(MAX_SAME_LABEL);
}

/** The run carrying `label` that is not being pruned, or null. */
export async function runLabelled(db: DatabaseReader, label: string): Promise<Doc<"runs"> | null> {
  return (await runsLabelled(db, label)).find((run) => run.status !== "pruning") ?? null;
}

/** Checks `label` and that no other kept run carries it: INVALID_LABEL or LABEL_TAKEN otherwise. */
export async function checkLabelFree(db: DatabaseReader, label: string, forRun: Doc<"runs"> | null): Promise<void> {
  checkLabel(label);
  const holder = await runLabelled(db, label);
  if (holder !== null && holder._id !== forRun?._id) {
    throw new ConvexError({
      code: ERROR_CODES.labelTaken,
      message: `Run ${holder.seq} is already labelled "${label}" (labels are unique among kept restore points): choose another label.`,
    });
  }
}

/** The pinned runs, oldest first (at most MAX_PINNED). */
export function pinnedRuns(db: DatabaseReader): Promise<Doc<"runs">[]> {
  return db
    .query("runs")
    .withIndex("by_pinned", (q) => q.eq("pinned", true))
    .take(MAX_PINNED);
}

/** Throws TOO_MANY_PINS when MAX_PINNED runs other than `run` are pinned. */
export async function checkPinRoom(db: DatabaseReader, run: Doc<"runs"> | null): Promise<void> {
  if (run?.pinned === true) return;
  const pinned = await pinnedRuns(db);
  if (pinned.length >= MAX_PINNED) {
    throw new ConvexError({
      code: ERROR_CODES.tooManyPins,
      message: `${MAX_PINNED} restore points are pinned already: unpin one first (convex-hourly-backup status lists them).`,
    });
  }
}
