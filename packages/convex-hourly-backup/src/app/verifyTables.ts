// backup:verify - does the backup's current state equal the primary's, table
// by table? It walks the primary with the backup's own data path (readPage:
// sanitize + hash; diffPageInParts: one digest per range, tags when they differ),
// comparing the stored versions themselves rather than remembered range
// digests, and writes nothing.
// Each page is its own read, so documents written while it runs (or a backup
// run in progress) show up as differences: verify when neither is happening,
// or verify again.
import { v, type Infer } from "convex/values";
import type { ActionCtx } from "./appContext";
import type { BackupTarget } from "./backupTarget";
import { diffPageInParts } from "./rangeDiff";
import { tableRanges } from "./tableRanges";

export const vTableVerdict = v.object({
  table: v.string(),
  /** Documents the primary holds. */
  scanned: v.number(),
  /** In the primary, not in the backup. */
  missing: v.number(),
  /** In the backup, no longer in the primary. */
  extra: v.number(),
  /** In both, with different content. */
  different: v.number(),
  rangesChecked: v.number(),
  /** Ranges whose digests differ; can exceed zero with no document counted above when only a stored hash was altered. */
  rangesDiffering: v.number(),
  ok: v.boolean(),
});
export type TableVerdict = Infer<typeof vTableVerdict>;

export const vVerifyReport = v.object({
  ok: v.boolean(),
  tables: v.array(vTableVerdict),
  durationMs: v.number(),
});
export type VerifyReport = Infer<typeof vVerifyReport>;

export async function verifyTable(ctx: ActionCtx, target: BackupTarget, table: string): Promise<TableVerdict> {
  const verdict: TableVerdict = {
    table,
    scanned: 0,
    missing: 0,
    extra: 0,
    different: 0,
    rangesChecked: 0,
    rangesDiffering: 0,
    ok: true,
  };
  for await (const { range, entries } of tableRanges(ctx, table)) {
    verdict.scanned += entries.length;
    await diffPageInParts(target, table, range, entries, async (diff) => {
      verdict.rangesChecked += 1;
      if (diff.match) return;
      verdict.rangesDiffering += 1;
      verdict.missing += diff.missing.length;
      verdict.extra += diff.extraIdTags.length;
      verdict.different += diff.different.length;
    }, { fresh: true, readOnly: true });
  }
  verdict.ok = verdict.rangesDiffering === 0;
  return verdict;
}

export async function verifyTables(ctx: ActionCtx, target: BackupTarget, tables: readonly string[]): Promise<VerifyReport> {
  const started = Date.now();
  const verdicts: TableVerdict[] = [];
  for (const table of tables) {
    const verdict = await verifyTable(ctx, target, table);
    verdicts.push(verdict);
    const log = verdict.ok ? console.log : console.warn;
    log(`[backup verify] ${describeVerdict(verdict)}`);
  }
  const ok = verdicts.every((verdict) => verdict.ok);
  const durationMs = Date.now() - started;
  const summary = ok
    ? `backup matches the primary: ${tables.length} tables`
    : `DIFFERENCES in ${verdicts.filter((verdict) => !verdict.ok).map((verdict) => verdict.table).join(", ")}; the next backup run repairs what changed on the primary, \`npx convex run backup:runNow '{"reconcile": true}'\` repairs anything else`;
  (ok ? console.log : console.warn)(`[backup verify] ${summary} (${durationMs} ms)`);
  return { ok, tables: verdicts, durationMs };
}

function describeVerdict(v: TableVerdict): string {
  const counts = `${v.scanned} documents, ${v.missing} missing, ${v.extra} extra, ${v.different} different`;
  if (v.ok) return `${v.table}: ok (${counts})`;
  return `${v.table}: DIFFERS (${counts}; ${v.rangesDiffering} of ${v.rangesChecked} ranges differ)`;
}
