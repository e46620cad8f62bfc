// Restore progress on stderr: a bar redrawn in place on a terminal, one line
// per finished table otherwise (logs, CI).
import type { RestoreProgress } from "./writeRestoreZip";
import { formatBytes } from "../../app/runBackup";

export { formatBytes };

const BAR_WIDTH = 24;

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): {
  onProgress: (progress: RestoreProgress) => void;
  finish: () => void;
} {
  const tty = stream.isTTY === true;
  let drawn = false;
  return {
    onProgress(p) {
      if (!tty) {
        if (p.tableDone) {
          stream.write(`[restore] ${p.table}: ${p.documents} documents (${p.tableIndex + 1}/${p.tableCount} tables, ${formatBytes(p.bytes)})\n`);
        }
        return;
      }
      const share = p.totalExpected > 0 ? Math.min(1, p.totalDocuments / p.totalExpected) : 1;
      const filled = Math.round(share * BAR_WIDTH);
      const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
      const line =
        `[${bar}] ${Math.round(share * 100)}%  table ${p.tableIndex + 1}/${p.tableCount} ${p.table} ` +
        `${p.documents}/${p.expected}  ${formatBytes(p.bytes)}`;
      stream.write(`\r${line.slice(0, Math.max(20, (stream.columns ?? 100) - 1))}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (tty && drawn) stream.write("\n");
    },
  };
}
