// Every version of one document across the kept restore points (issue 13),
// oldest first, a page per query. The document's versions are read through
// versions.by_doc: the closed ones in toSeq order (the order they were
// replaced in), then the open one. Each is listed at the first completed run
// that holds it, with the names of the top-level fields that differ from the
// version listed before it; a gap between two versions (or a closed last
// version) is a deletion, listed at the first completed run after it. A
// version no kept restore point holds (replaced within one run, or needed
// only by a run retention dropped) is not listed.
//
// A page stops after MAX_HISTORY_VERSIONS versions or once SOFT_BUDGET bytes
// of document text and run records are read (a document's JSON can be
// several MiB): the version it compares with is read again on the next page,
// so a query reads at most that, one more version and the runs they name.
import { getConvexSize } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { utf8Length } from "../../shared/digest";
import { openVersionOf } from "./rangePlan";
import { readVersionDirectly } from "./restorePage";
import type { FieldChanges, HistoryCursor, HistoryEntry, HistoryPage, HistoryPoint } from "./historyProtocol";

export const MAX_HISTORY_VERSIONS = 50;
export const SOFT_BUDGET = 4 * 1024 * 1024;
const SYSTEM_FIELDS = new Set(["_id", "_creationTime"]);

/** A version's top-level fields: name -> its value's JSON (compared, never returned). */
type Fields = Map<string, string>;

export async function historyPage(
  db: DatabaseReader,
  args: { table: string; docId: string; cursor: HistoryCursor | null },
): Promise<HistoryPage> {
  const { table, docId } = args;
  const state: HistoryCursor = args.cursor ?? { after: null, closedDone: false, baseId: null, lastToSeq: null };
  let bytes = 0;
  const entries: HistoryEntry[] = [];
  const points = new Map<string, Doc<"runs"> | null>();

  // The first completed run with fromSeq <= seq < toSeq: one index range (remembered per page).
  const firstPoint = async (fromSeq: number, toSeq: number | null): Promise<Doc<"runs"> | null> => {
    const key = `${fromSeq}:${toSeq}`;
    if (!points.has(key)) {
      const run = await db
        .query("runs")
        .withIndex("by_status", (q) =>
          toSeq === null
            ? q.eq("status", "completed").gte("seq", fromSeq)
            : q.eq("status", "completed").gte("seq", fromSeq).lt("seq", toSeq),
        )
        .first();
      if (run !== null) bytes += getConvexSize(run);
      points.set(key, run);
    }
    return points.get(key)!;
  };
  const fieldsOf = async (version: Doc<"versions">): Promise<Fields> => {
    const text = await readVersionDirectly(db, version);
    bytes += utf8Length(text);
    return topLevelFields(text);
  };

  const baseVersion = state.baseId === null ? null : await versionById(db, state.baseId);
  let base: { id: Id<"versions">; fields: Fields } | null =
    baseVersion === null ? null : { id: baseVersion._id, fields: await fieldsOf(baseVersion) };
  let lastToSeq = state.lastToSeq;

  const deletion = async (toSeq: number, nextFromSeq: number | null) => {
    const point = await firstPoint(toSeq, nextFromSeq);
    if (point === null) return;
    const tableLeft = !point.tables.some((counts) => counts.table === table);
    entries.push({ kind: "deleted", point: pointOf(point), toSeq, tableLeft });
  };
  const visit = async (version: Doc<"versions">) => {
    if (lastToSeq !== null && version.fromSeq > lastToSeq) await deletion(lastToSeq, version.fromSeq);
    lastToSeq = version.toSeq;
    const point = await firstPoint(version.fromSeq, version.toSeq);
    if (point === null) return;
    const fields = await fieldsOf(version);
    entries.push({ kind: "version", point: pointOf(point), fromSeq: version.fromSeq, changes: base === null ? null : compare(base.fields, fields) });
    base = { id: version._id, fields };
  };
  const stopHere = (after: HistoryCursor["after"], closedDone: boolean): HistoryPage => ({
    entries,
    cursor: { after, closedDone, baseId: base?.id ?? null, lastToSeq },
  });

  // Step 1: the closed versions, oldest replaced first.
  let after = state.after;
  if (!state.closedDone) {
    const versions = await closedVersionsAfter(db, table, docId, after, MAX_HISTORY_VERSIONS);
    for (const [i, version] of versions.entries()) {
      if (i > 0 && bytes >= SOFT_BUDGET) return stopHere(after, false);
      await visit(version);
      after = { toSeq: version.toSeq!, creationTime: version._creationTime };
    }
    if (versions.length === MAX_HISTORY_VERSIONS || bytes >= SOFT_BUDGET) return stopHere(after, versions.length < MAX_HISTORY_VERSIONS);
  }
  // Step 2: the open version, or the deletion after the last closed one.
  const open = await openVersionOf(db, table, docId);
  if (open !== null) await visit(open);
  else if (lastToSeq !== null) await deletion(lastToSeq, null);
  return { entries, cursor: null };
}

/** Closed versions of one document after `after` in (toSeq, _creationTime) order: at most two index ranges. */
async function closedVersionsAfter(
  db: DatabaseReader,
  table: string,
  docId: string,
  after: HistoryCursor["after"],
  limit: number,
): Promise<Doc<"versions">[]> {
  const versions = db.query("versions");
  if (after === null) {
    // Seqs start at 1: toSeq >= 0 is every closed version (the open one's toSeq is null).
    return versions.withIndex("by_doc", (q) => q.eq("table", table).eq("docId", docId).gte("toSeq", 0)).take(limit);
  }
  const sameRun = await versions
    .withIndex("by_doc", (q) => q.eq("table", table).eq("docId", docId).eq("toSeq", after.toSeq).gt("_creationTime", after.creationTime))
    .take(limit);
  if (sameRun.length === limit) return sameRun;
  const later = await db
    .query("versions")
    .withIndex("by_doc", (q) => q.eq("table", table).eq("docId", docId).gt("toSeq", after.toSeq))
    .take(limit - sameRun.length);
  return [...sameRun, ...later];
}

async function versionById(db: DatabaseReader, id: string): Promise<Doc<"versions"> | null> {
  const normalized = db.normalizeId("versions", id);
  // Retention may have deleted it since the previous page: the next version then has nothing to compare with.
  return normalized === null ? null : await db.get("versions", normalized);
}

function pointOf(run: Doc<"runs">): HistoryPoint {
  return {
    seq: run.seq,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    label: run.label ?? null,
    pinned: run.pinned === true,
  };
}

/** A stored document's top-level fields (but _id and _creationTime) with their values' JSON. */
export function topLevelFields(text: string): Fields {
  const doc = JSON.parse(text) as Record<string, unknown>;
  const fields: Fields = new Map();
  for (const [name, value] of Object.entries(doc)) {
    // Stored JSON is canonical (keys sorted), so equal values stringify equally.
    if (!SYSTEM_FIELDS.has(name)) fields.set(name, JSON.stringify(value));
  }
  return fields;
}

/** Which top-level field names differ between two versions, sorted; never their values. */
export function compare(before: Fields, after: Fields): FieldChanges {
  const added: string[] = [];
  const changed: string[] = [];
  const removed = [...before.keys()].filter((name) => !after.has(name));
  for (const [name, value] of after) {
    const old = before.get(name);
    if (old === undefined) added.push(name);
    else if (old !== value) changed.push(name);
  }
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}
