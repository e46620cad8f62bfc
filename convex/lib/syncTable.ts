// The data path for one table: read each page (sanitized and hashed inside
// the primary), diff its key range against the backup, send only what
// changed; the backup records it as new versions. Pages are read one after
// another (each read is its own transaction) while up to MAX_PAGES_IN_FLIGHT
// pages are being diffed and sent, so latency to the backup overlaps and
// memory stays bounded by pages, not table size. Progress is checkpointed on
// the backup as the acknowledged prefix of pages grows, so a run that dies
// resumes where it stopped.
import type { ActionCtx } from "../_generated/server";
import type { KeyRange } from "../../shared/keys";
import { ERROR_CODES, zeroCounts, type DocEntry, type TableCheckpoint, type TableCounts } from "../../shared/protocol";
import { BackupRequestError, type BackupTarget } from "./backupTarget";
import { diffPage } from "./rangeDiff";
import { rangeDigest } from "../../shared/digest";
import { tableRanges } from "./tableRanges";

export const MAX_PAGES_IN_FLIGHT = 4;
export const CHECKPOINT_INTERVAL_MS = 20_000;

/** A run this action holds the lease of; null for a dry run. */
export type RunLease = { runId: string; holder: string; leaseMs: number };

type PageCounts = Pick<TableCounts, "scanned" | "changed" | "deleted" | "docsWritten">;
type Page = { range: KeyRange; cursor: string; isDone: boolean; counts?: PageCounts };

export function emptyCheckpoint(table: string): TableCheckpoint {
  return {
    table,
    cursor: null,
    after: null,
    done: false,
    counts: zeroCounts(table),
  };
}

/**
 * Syncs `table` from `start` until the end or `deadline`. Returns the table's
 * checkpoint: done, or where a continuation must pick up.
 */
export async function syncTable(
  ctx: ActionCtx,
  target: BackupTarget,
  lease: RunLease | null,
  start: TableCheckpoint,
  deadline: number,
): Promise<TableCheckpoint> {
  const table = start.table;
  const bytesAtStart = target.bytesSent;
  // The acknowledged prefix: everything up to `committed` is in the backup.
  const committed: TableCheckpoint = { ...start, counts: { ...start.counts } };
  const pages = new Map<number, Page>();
  let nextToCommit = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = undefined;
  let lastCheckpoint = Date.now();

  const advance = () => {
    for (let page = pages.get(nextToCommit); page?.counts !== undefined; page = pages.get(nextToCommit)) {
      const c = committed.counts;
      c.scanned += page.counts.scanned;
      c.changed += page.counts.changed;
      c.deleted += page.counts.deleted;
      c.docsWritten += page.counts.docsWritten;
      committed.cursor = page.cursor;
      committed.after = page.range.upTo;
      committed.done = page.isDone;
      pages.delete(nextToCommit);
      nextToCommit += 1;
    }
    committed.counts.bytesSent = start.counts.bytesSent + (target.bytesSent - bytesAtStart);
  };
  const saveCheckpoint = async () => {
    if (lease === null) return;
    await target.checkpoint({ runId: lease.runId, holder: lease.holder, leaseMs: lease.leaseMs, checkpoint: committed });
    lastCheckpoint = Date.now();
  };

  const hint: EmptyHint = { backupEmpty: false };
  let no = 0;
  for await (const { range, entries, cursor, isDone } of start.done ? [] : tableRanges(ctx, table, start)) {
    const record: Page = { range, cursor, isDone };
    pages.set(no, record);
    const task = syncRange(target, table, lease, range, entries, `${table}:${no}`, hint)
      .then((counts) => {
        record.counts = counts;
        advance();
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    no += 1;
    while (inFlight.size >= MAX_PAGES_IN_FLIGHT) await Promise.race(inFlight);
    if (failure !== undefined || isDone || Date.now() >= deadline) break;
    if (Date.now() - lastCheckpoint >= CHECKPOINT_INTERVAL_MS) await saveCheckpoint();
  }
  await Promise.all(inFlight);
  if (failure !== undefined) {
    // Keep what was acknowledged: the next run resumes after it.
    advance();
    await saveCheckpoint().catch(() => undefined);
    throw failure;
  }
  advance();
  await saveCheckpoint();
  return committed;
}

/**
 * Set when the backup held nothing in the previous range (a first run, or new
 * documents at the end of a table): the next page is then sent whole without
 * asking for a diff first, which is what the diff would have asked for. If
 * the guess is wrong the replace is still exact; it only costs bytes.
 */
type EmptyHint = { backupEmpty: boolean };

/** Brings one key range of the backup in line with the primary's page. */
async function syncRange(
  target: BackupTarget,
  table: string,
  lease: RunLease | null,
  range: KeyRange,
  entries: DocEntry[],
  pageId: string,
  hint: EmptyHint,
): Promise<PageCounts> {
  const scanned = entries.length;
  if (lease !== null && hint.backupEmpty && entries.length > 0) {
    const digest = await rangeDigest(entries.map((entry) => entry.hash));
    const base = { runId: lease.runId, holder: lease.holder, table, range, digest };
    const applied = await target.applyRange({
      ...base,
      batchId: `${lease.holder}:${pageId}:whole`,
      upserts: entries,
      deletedIdTags: [],
      replace: true,
    });
    hint.backupEmpty = applied.changed === entries.length && applied.deleted === 0;
    return { scanned, ...applied };
  }
  const diff = await diffPage(target, table, range, entries);
  hint.backupEmpty = !diff.match && diff.extraIdTags.length === 0 && diff.missing.length === entries.length;
  if (diff.match) return { scanned, changed: 0, deleted: 0, docsWritten: 0 };
  const upserts = [...diff.missing, ...diff.different];
  if (lease === null) {
    return { scanned, changed: upserts.length, deleted: diff.extraIdTags.length, docsWritten: 0 };
  }
  const base = { runId: lease.runId, holder: lease.holder, table, range, digest: diff.digest };
  try {
    const batchId = `${lease.holder}:${pageId}`;
    const applied = await target.applyRange({ ...base, batchId, upserts, deletedIdTags: diff.extraIdTags, replace: false });
    return { scanned, ...applied };
  } catch (error) {
    // Tags are short; on the rare collision the digest check refuses the
    // batch and the whole range is sent again, replacing what the backup has.
    if (!(error instanceof BackupRequestError) || error.code !== ERROR_CODES.rangeMismatch) throw error;
    const batchId = `${lease.holder}:${pageId}:replace`;
    const applied = await target.applyRange({ ...base, batchId, upserts: entries, deletedIdTags: [], replace: true });
    return { scanned, ...applied };
  }
}
