// Benchmark only: the floor for a restore: the same documents read from the
// backup through the same secret-guarded pages over HTTP (restorePages), with
// none of the restore's own work (export JSON, table numbers, ZIP).
import { RestoreSource } from "../packages/convex-hourly-backup/src/cli/restore/restoreSource";
import { restorePages } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";

export async function bareReadOfBackup(url: string, secret: string): Promise<{ ms: number; documents: number }> {
  const started = performance.now();
  const source = new RestoreSource({ url, secret });
  const point = await source.getRestorePoint({ kind: "latest" });
  let documents = 0;
  for (const { table } of point.tables) {
    for await (const page of restorePages(source, point.seq, table)) documents += page.length;
  }
  return { ms: performance.now() - started, documents };
}
