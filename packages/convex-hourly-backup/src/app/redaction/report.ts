// What redaction removed, per path and reason, with counts and never a value:
// page reads return it, the run summary, its log lines and the run record
// are built from it. The validators are part of the wire contract
// (shared/protocol.ts).
import {
  MAX_REDACTED_PATH_CHARS,
  vRedactedPath,
  vRedactionKind,
  type RedactedPath,
  type RedactionKind,
} from "../../shared/protocol";

export { vRedactedPath, vRedactionKind, type RedactedPath, type RedactionKind };

/** A path cut to MAX_REDACTED_PATH_CHARS (identifier-like segments: no character is split). */
function boundedPath(path: string): string {
  return path.length <= MAX_REDACTED_PATH_CHARS ? path : `${path.slice(0, MAX_REDACTED_PATH_CHARS - 3)}...`;
}

/**
 * Accumulates { path, kind } -> count across documents, pages and tables.
 * With a `limit`, at most that many distinct entries are kept: a path first
 * seen after that is not listed and its table is marked capped (its counts
 * are lost, its table says "more").
 */
export class RedactionReport {
  private readonly byPath = new Map<string, RedactedPath>();
  private readonly cappedTables = new Set<string>();

  constructor(private readonly limit = Number.POSITIVE_INFINITY) {}

  add(table: string, path: string, kind: RedactionKind, count = 1): void {
    const bounded = boundedPath(path);
    const id = `${kind} ${bounded}`;
    const entry = this.byPath.get(id);
    if (entry !== undefined) entry.count += count;
    else if (this.byPath.size < this.limit) this.byPath.set(id, { table, path: bounded, kind, count });
    else this.cappedTables.add(table);
  }

  /** Adds entries from another report (for example one returned by a page read), and its capped tables. */
  merge(entries: readonly RedactedPath[], capped: readonly string[] = []): void {
    for (const entry of entries) this.add(entry.table, entry.path, entry.kind, entry.count);
    for (const table of capped) this.cappedTables.add(table);
  }

  /** Marks a table whose list is incomplete (a page or an earlier report was capped). */
  markCapped(table: string): void {
    this.cappedTables.add(table);
  }

  /** Every entry, sorted by path then kind (paths start with their table): stable for logs and tests. */
  entries(): RedactedPath[] {
    return [...this.byPath.values()]
      .map((entry) => ({ ...entry }))
      .sort((a, b) => (a.path === b.path ? a.kind.localeCompare(b.kind) : a.path < b.path ? -1 : 1));
  }

  /** Tables with more distinct redacted paths than listed, sorted. */
  capped(): string[] {
    return [...this.cappedTables].sort();
  }

  /** Values removed in all. */
  get total(): number {
    let total = 0;
    for (const entry of this.byPath.values()) total += entry.count;
    return total;
  }

  get size(): number {
    return this.byPath.size;
  }
}
