// The data path for one table: read each page (sanitized and hashed inside
// the primary), diff its key range against the backup, send only what
// changed; the backup records it as new versions. Pages are read one after
// another (each read is its own transaction) while a few pages are being
// diffed and sent, so latency to the backup overlaps and memory stays
// bounded: at most MAX_PAGES_IN_FLIGHT pages and MAX_BYTES_IN_FLIGHT of
// request bodies (a Convex action has a 64 MiB heap), fewer pages while the
// backup answers 429. Progress is checkpointed on the backup as the
// acknowledged prefix of pages grows, so a run that dies resumes where it
// stopped. For "_storage" (the primary's files), the files a page names are
// copied before the page's rows are sent (fileCopy.ts): the backup refuses a
// row whose file it does not hold.
// A page waiting for its diff holds keys and hashes only: the JSON of the
// documents that differ is read afterwards, by id (pageReader.ts), so what a
// reconciliation holds does not grow with its pages. Pages sent whole (the
// backup holds nothing there) are read with their JSON.
import type { ActionCtx } from "./appContext";
import type { DocKey, KeyRange } from "../shared/keys";
import type { CreatedWindow } from "./functions/readPage";
import { ERROR_CODES, zeroCounts, type TableCheckpoint, type TableCounts } from "../shared/protocol";
import { BackupRequestError, type BackupTarget } from "./backupTarget";
import { diffPageInParts } from "./rangeDiff";
import { rangeDigest } from "../shared/digest";
import { tableRanges } from "./tableRanges";
import { documentsWithJson, PageChanged, withJson, type PageEntry } from "./pageReader";
import type { RedactionReport } from "./redaction/report";
import type { FileCopier } from "./fileCopy";
import { FILE_ERROR_CODES } from "../shared/files";
import { withSkippedFiles } from "./fileLimits";

export const MAX_PAGES_IN_FLIGHT = 4;
// Request bodies being sent at once. Each costs about three times its size
// in the action's heap while in flight (the page, the JSON body, its bytes);
// a page larger than this is sent alone.
export const MAX_BYTES_IN_FLIGHT = 12 * 1024 * 1024;
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

export type SyncOptions = {
  fresh: boolean;
  report?: RedactionReport;
  files?: FileCopier;
  backupEmpty?: boolean;
  /** A verification slice: stop at the end of the page that reaches this many documents (tableRanges' minDocs). */
  minDocs?: number;
  /**
   * The new-documents check: only documents created in this window, up to `until` (verification.ts).
   * A window's ranges are no pages of the table: the backup stores no digest of one that matched
   * (it would replace the table's last stored range, which later changes and slices use).
   */
  created?: CreatedWindow;
  until?: DocKey;
  /**
   * Starts the ids of this call's batches: a run that syncs a table more than once (a
   * verification's check, slice and widened pass) must not have a batch answered from another's record.
   */
  batchPrefix?: string;
  /**
   * Told the ids this call sent because they differed and the id tags it deleted (logTail.ts:
   * a difference the change log named after the drain is no write it missed).
   */
  differed?: (ids: string[], idTags: string[]) => void;
  /**
   * false: save no table checkpoint on the run (a verification: its position is kept in the
   * log state with the finished run; a scan resuming this run must never start from it).
   */
  checkpoints?: boolean;
};

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
  /**
   * fresh: compare stored versions, not remembered digests (a reconciliation asked for). A dry run never writes.
   * files: for "_storage", copies the files of the rows about to be sent (absent on a dry run).
   * backupEmpty: the backup held none of the table at its last restore point (a first run, a new table):
   * every page will be sent, so each is read with its JSON.
   */
  options: SyncOptions = { fresh: false },
): Promise<TableCheckpoint> {
  const table = start.table;
  const diffOptions = { fresh: options.fresh || lease === null, readOnly: lease === null || options.created !== undefined };
  const bytesAtStart = target.bytesSent;
  const files = options.files;
  const filesAtStart = { copied: files?.filesCopied ?? 0, bytes: files?.fileBytesCopied ?? 0 };
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
    if (files !== undefined) {
      committed.counts.filesCopied = (start.counts.filesCopied ?? 0) + files.filesCopied - filesAtStart.copied;
      committed.counts.fileBytesCopied = (start.counts.fileBytesCopied ?? 0) + files.fileBytesCopied - filesAtStart.bytes;
      withSkippedFiles(committed.counts, start.counts, files.skippedRows);
    }
  };
  const saveCheckpoint = async () => {
    if (lease === null || options.checkpoints === false) return;
    await target.checkpoint({ runId: lease.runId, holder: lease.holder, leaseMs: lease.leaseMs, checkpoint: committed });
    lastCheckpoint = Date.now();
  };

  const hint: EmptyHint = { backupEmpty: false };
  const scope: RangeScope = { ctx, target, table, lease, hint, diffOptions, files, created: options.created, differed: options.differed };
  // JSON only for pages that will be sent whole; a dry run sends nothing.
  const expectEmpty = options.backupEmpty ?? false;
  const json = () => lease !== null && (expectEmpty || hint.backupEmpty);
  const flow = new FlowControl(target);
  let no = 0;
  const bounds = { json, minDocs: options.minDocs, created: options.created, until: options.until };
  for await (const page of start.done ? [] : tableRanges(ctx, table, start, bounds)) {
    const { range, entries, startCursor, cursor, isDone, requestBytes: bytes } = page;
    options.report?.merge(page.redactions, page.redactionsCapped);
    const record: Page = { range, cursor, isDone };
    pages.set(no, record);
    // Counted with its JSON whether read or not: what it sends can be that much.
    while (inFlight.size > 0 && !flow.admits(inFlight.size, bytes)) await Promise.race(inFlight);
    flow.bytesInFlight += bytes;
    const task = syncRange(scope, range, entries, startCursor, `${options.batchPrefix ?? ""}${table}:${no}`)
      .then((counts) => {
        record.counts = counts;
        advance();
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => {
        flow.bytesInFlight -= bytes;
        flow.settled();
        inFlight.delete(task);
      });
    inFlight.add(task);
    no += 1;
    // Read the next page only when one more could be sent.
    while (inFlight.size > 0 && !flow.admits(inFlight.size, 0)) await Promise.race(inFlight);
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

/**
 * Pages in flight: bounded by count and bytes. After a 429 the page limit
 * halves; each page acknowledged without one lets one more back in, up to
 * MAX_PAGES_IN_FLIGHT.
 */
class FlowControl {
  bytesInFlight = 0;
  private maxPages = MAX_PAGES_IN_FLIGHT;
  private seenThrottles: number;

  constructor(private readonly target: BackupTarget) {
    this.seenThrottles = target.throttled;
  }

  /** Whether a page of `bytes` may start beside `pages` others. */
  admits(pages: number, bytes: number): boolean {
    return pages < this.maxPages && this.bytesInFlight + bytes <= MAX_BYTES_IN_FLIGHT;
  }

  settled(): void {
    if (this.target.throttled > this.seenThrottles) {
      this.seenThrottles = this.target.throttled;
      this.maxPages = Math.max(1, Math.floor(this.maxPages / 2));
    } else {
      this.maxPages = Math.min(MAX_PAGES_IN_FLIGHT, this.maxPages + 1);
    }
  }
}

/** What every range of one syncTable call shares. */
type RangeScope = {
  ctx: Pick<ActionCtx, "runQuery" | "backupFunctions">;
  target: BackupTarget;
  table: string;
  lease: RunLease | null;
  hint: EmptyHint;
  diffOptions: { fresh: boolean; readOnly: boolean };
  files: FileCopier | undefined;
  created: CreatedWindow | undefined;
  differed: SyncOptions["differed"];
};

type Applied = Omit<PageCounts, "scanned">;

/** Brings one key range of the backup in line with the primary's page. */
async function syncRange(s: RangeScope, range: KeyRange, entries: PageEntry[], startCursor: string | null, pageId: string): Promise<PageCounts> {
  const { table, lease, hint } = s;
  const counts: PageCounts = { scanned: entries.length, changed: 0, deleted: 0, docsWritten: 0 };
  const add = (applied: Applied) => {
    counts.changed += applied.changed;
    counts.deleted += applied.deleted;
    counts.docsWritten += applied.docsWritten;
  };
  if (lease !== null && hint.backupEmpty && entries.length > 0 && withJson(entries)) {
    const digest = await rangeDigest(entries.map((entry) => entry.hash));
    const base = { runId: lease.runId, holder: lease.holder, table, range, digest };
    try {
      const applied = await applyRange(s, {
        ...base,
        batchId: `${lease.holder}:${pageId}:whole`,
        upserts: entries,
        deletedIdTags: [],
        replace: true,
      }, entries);
      hint.backupEmpty = applied.changed === entries.length && applied.deleted === 0;
      // Which documents differed is known only when all did (else none is named: each counts as missed).
      if (hint.backupEmpty) s.differed?.(entries.map((entry) => entry.id), []);
      add(applied);
      return counts;
    } catch (error) {
      // The guess was wrong and the range holds many documents: diff it in parts.
      if (!isCode(error, ERROR_CODES.rangeTooLarge)) throw error;
    }
  }
  try {
    await diffAndApply(s, range, entries, pageId, add);
  } catch (error) {
    if (!(error instanceof PageChanged)) throw error;
    // Written in between (rare): read the range again whole, with JSON, and
    // diff that; the backup then holds the range as read again.
    let again = 0;
    counts.scanned = 0;
    for await (const reread of tableRanges(s.ctx, table, { cursor: startCursor, after: range.after }, { json: () => true, until: range.upTo, created: s.created })) {
      counts.scanned += reread.entries.length;
      await diffAndApply(s, reread.range, reread.entries, `${pageId}:again${again++}`, add);
    }
  }
  return counts;
}

/**
 * Diffs a range part by part and sends what differs: the JSON of the
 * documents to send is read by id when the page came without it.
 */
async function diffAndApply(s: RangeScope, range: KeyRange, entries: PageEntry[], pageId: string, add: (applied: Applied) => void): Promise<void> {
  const { target, table, lease, hint } = s;
  let part = 0;
  await diffPageInParts(target, table, range, entries, async (diff) => {
    hint.backupEmpty = !diff.match && diff.extraIdTags.length === 0 && diff.missing.length === diff.entries.length;
    if (diff.match) return;
    const changed = [...diff.missing, ...diff.different];
    s.differed?.(changed.map((entry) => entry.id), diff.extraIdTags);
    if (lease === null) {
      add({ changed: changed.length, deleted: diff.extraIdTags.length, docsWritten: 0 });
      return;
    }
    const upserts = await documentsWithJson(s.ctx, table, changed);
    const base = { runId: lease.runId, holder: lease.holder, table, range: diff.range, digest: diff.digest };
    const batchId = `${lease.holder}:${pageId}:${part++}`;
    try {
      add(await applyRange(s, { ...base, batchId, upserts, deletedIdTags: diff.extraIdTags, replace: false }, diff.entries));
    } catch (error) {
      // Tags are short; on the rare collision the digest check refuses the
      // batch and the part is sent again whole, replacing what the backup has
      // (a page read without JSON is read again whole for it).
      if (!isCode(error, ERROR_CODES.rangeMismatch)) throw error;
      if (!withJson(diff.entries)) throw new PageChanged(table);
      add(await applyRange(s, { ...base, batchId: `${batchId}:replace`, upserts: diff.entries, deletedIdTags: [], replace: true }, diff.entries));
    }
  }, s.diffOptions);
}

type ApplyArgs = Parameters<BackupTarget["applyRange"]>[0];

/**
 * Files first, then the rows naming them. A file the backup lost since it
 * said it held it (retention, in between) is copied again, once. `inRange`:
 * the primary's entries the batch's digest covers.
 */
async function applyRange(s: RangeScope, args: ApplyArgs, inRange: readonly PageEntry[]) {
  const { target, files } = s;
  if (files === undefined) return await target.applyRange(args);
  try {
    return await target.applyRange(await withoutSkipped(args, inRange, await files.ensure(args.upserts)));
  } catch (error) {
    if (!isCode(error, FILE_ERROR_CODES.fileMissing)) throw error;
    files.forget(args.upserts);
    return await target.applyRange(await withoutSkipped(args, inRange, await files.ensure(args.upserts)));
  }
}

/**
 * The batch without the rows whose file was skipped (fileCopy.ts): the range
 * is written as if the primary had no such rows, its digest computed without
 * them, so the restore point never names a file the backup does not hold.
 * The next run's diff finds them missing and copies them again.
 */
async function withoutSkipped(args: ApplyArgs, inRange: readonly PageEntry[], skipped: ReadonlySet<string>): Promise<ApplyArgs> {
  if (skipped.size === 0) return args;
  const kept = inRange.filter((entry) => !skipped.has(entry.id));
  const upserts = args.upserts.filter((entry) => !skipped.has(entry.id));
  return { ...args, upserts, digest: await rangeDigest(kept.map((entry) => entry.hash)) };
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof BackupRequestError && error.code === code;
}
