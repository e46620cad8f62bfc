// Pinned restore points (issue 13): `convex-hourly-backup pin <run|label>`
// keeps a completed run whatever the retention policy says, until `unpin`
// (retentionPolicy.ts: a pinned run is kept, and with it every version it
// needs). pin may also give the run a label (unique among kept runs), which
// restore --label, history and status show; `label` names a point without
// pinning it. Guarded by the restore credential only: the primary's
// BACKUP_SECRET, which only appends, can neither name nor keep a point
// (runs:beginRun refuses a label or pin). Each is one mutation reading a few
// index ranges.
import { mutation, type DatabaseReader } from "./_generated/server";
import type { Doc } from "./_generated/dataModel";
import { requireRestoreAccess } from "./lib/auth";
import { checkLabel, checkLabelFree, checkPinRoom } from "./lib/labels";
import { findNamedRun, findRestorePoint } from "./lib/restorePoint";
import { labelArgs, pinArgs, unpinArgs, vPinnedRun, type PinnedRun, type RunSelector } from "./lib/restoreProtocol";

export const pin = mutation({
  args: pinArgs,
  returns: vPinnedRun,
  handler: async (ctx, { secret, selector, label }) => {
    await requireRestoreAccess(secret);
    if (label !== undefined) checkLabel(label);
    // Only a restore point can be pinned: never a run retention is pruning.
    const run = await findRestorePoint(ctx.db, selector);
    if (label !== undefined) await checkLabelFree(ctx.db, label, run);
    await checkPinRoom(ctx.db, run);
    const changed = run.pinned !== true;
    if (changed || (label !== undefined && label !== run.label)) {
      await ctx.db.patch("runs", run._id, { pinned: true, ...(label === undefined ? {} : { label }) });
    }
    return describe({ ...run, pinned: true, label: label ?? run.label }, changed);
  },
});

/** Names a restore point without pinning it (convex-hourly-backup run --label). */
export const label = mutation({
  args: labelArgs,
  returns: vPinnedRun,
  handler: async (ctx, { secret, selector, label }) => {
    await requireRestoreAccess(secret);
    checkLabel(label);
    const run = await findRestorePoint(ctx.db, selector);
    await checkLabelFree(ctx.db, label, run);
    const changed = run.label !== label;
    if (changed) await ctx.db.patch("runs", run._id, { label });
    return describe({ ...run, label }, changed);
  },
});

export const unpin = mutation({
  args: unpinArgs,
  returns: vPinnedRun,
  handler: async (ctx, { secret, selector }) => {
    await requireRestoreAccess(secret);
    const run = await findPinned(ctx.db, selector);
    const changed = run.pinned === true;
    // The label stays: it names the run until retention deletes it.
    if (changed) await ctx.db.patch("runs", run._id, { pinned: undefined });
    return describe({ ...run, pinned: undefined }, changed);
  },
});

/** A run named by number, id or label is unpinned whatever its status (a pinned run still running, say). */
function findPinned(db: DatabaseReader, selector: RunSelector): Promise<Doc<"runs">> {
  return selector.kind === "latest" || selector.kind === "atOrBefore" ? findRestorePoint(db, selector) : findNamedRun(db, selector);
}

function describe(run: Doc<"runs">, changed: boolean): PinnedRun {
  return {
    runId: run._id,
    seq: run.seq,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    label: run.label ?? null,
    pinned: run.pinned === true,
    changed,
  };
}
