// The data path for one table: read each page (sanitized and hashed inside
// the primary), diff its key range against the backup, send only what
// changed; the backup records it as new versions. Pages are read
// one after another (each read is its own transaction) while up to
// MAX_PAGES_IN_FLIGHT pages are being diffed and sent, so latency to the
// backup overlaps and memory stays bounded by pages, not table size.
import type { ActionCtx } from "../_generated/server";
import { internal } from "../_generated/api";
import type { DocKey, KeyRange } from "../../shared/keys";
import { ERROR_CODES, type DocEntry, type TableCounts } from "../../shared/protocol";
import type { BackupTarget } from "./backupTarget";
import { BackupRequestError } from "./backupTarget";
import { diffPage } from "./rangeDiff";

export const MAX_PAGES_IN_FLIGHT = 4;

type PageResult = Pick<TableCounts, "changed" | "deleted" | "docsWritten">;

export async function syncTable(
  ctx: ActionCtx,
  target: BackupTarget,
  table: string,
  run: { runId: string } | null,
): Promise<TableCounts> {
  const bytesBefore = target.bytesSent;
  const counts: TableCounts = { table, scanned: 0, changed: 0, deleted: 0, bytesSent: 0, docsWritten: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = undefined;
  let cursor: string | null = null;
  let after: DocKey | null = null;

  for (;;) {
    const page: { entries: DocEntry[]; continueCursor: string; isDone: boolean } =
      await ctx.runQuery(internal.backupPages.readPage, { table, cursor });
    cursor = page.continueCursor;
    const last = page.entries.at(-1);
    // An empty page that is not the last adds nothing: its range joins the next one.
    if (last !== undefined || page.isDone) {
      const upTo = page.isDone ? null : { creationTime: last!.creationTime, id: last!.id };
      const range: KeyRange = { after, upTo };
      after = upTo;
      counts.scanned += page.entries.length;
      const task = syncRange(target, table, run, range, page.entries)
        .then((result) => {
          counts.changed += result.changed;
          counts.deleted += result.deleted;
          counts.docsWritten += result.docsWritten;
        })
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      while (inFlight.size >= MAX_PAGES_IN_FLIGHT) await Promise.race(inFlight);
    }
    if (failure !== undefined || page.isDone) break;
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  counts.bytesSent = target.bytesSent - bytesBefore;
  return counts;
}

/** Brings one key range of the backup in line with the primary's page. */
async function syncRange(
  target: BackupTarget,
  table: string,
  run: { runId: string } | null,
  range: KeyRange,
  entries: DocEntry[],
): Promise<PageResult> {
  const diff = await diffPage(target, table, range, entries);
  if (diff.match) return { changed: 0, deleted: 0, docsWritten: 0 };
  const upserts = [...diff.missing, ...diff.different];
  if (run === null) {
    return { changed: upserts.length, deleted: diff.extraIdTags.length, docsWritten: 0 };
  }
  const base = { runId: run.runId, table, range, digest: diff.digest };
  try {
    return await target.applyRange({ ...base, upserts, deletedIdTags: diff.extraIdTags, replace: false });
  } catch (error) {
    // Tags are short; on the rare collision the digest check refuses the
    // batch and the whole range is sent again, replacing what the backup has.
    if (!(error instanceof BackupRequestError) || error.code !== ERROR_CODES.rangeMismatch) throw error;
    return await target.applyRange({ ...base, upserts: entries, deletedIdTags: [], replace: true });
  }
}
