// What redaction removed, per path and reason, with counts and never a value:
// the run summary and the log lines are built from it.
import { v, type Infer } from "convex/values";

/**
 * Why a value was removed:
 * - "omitted": named in the settings (OMITTED_FIELDS, REDACTION.redactPaths);
 * - "key": its key names a secret (users.passwordHash, orders.payment.card.number);
 * - "value": a string held a secret shape (a token, a key, credentials in a URL),
 *   replaced in place by "[redacted]".
 */
export const vRedactionKind = v.union(v.literal("omitted"), v.literal("key"), v.literal("value"));
export type RedactionKind = Infer<typeof vRedactionKind>;

/** One distinct redacted path of a table; `count`: values removed there (several per document in arrays). */
export const vRedactedPath = v.object({
  table: v.string(),
  path: v.string(),
  kind: vRedactionKind,
  count: v.number(),
});
export type RedactedPath = Infer<typeof vRedactedPath>;

/** Accumulates { path, kind } -> count across documents, pages and tables. */
export class RedactionReport {
  private readonly byPath = new Map<string, RedactedPath>();

  add(table: string, path: string, kind: RedactionKind, count = 1): void {
    const id = `${kind} ${path}`;
    const entry = this.byPath.get(id);
    if (entry === undefined) this.byPath.set(id, { table, path, kind, count });
    else entry.count += count;
  }

  /** Adds entries from another report (for example one returned by a page read). */
  merge(entries: readonly RedactedPath[]): void {
    for (const entry of entries) this.add(entry.table, entry.path, entry.kind, entry.count);
  }

  /** Every entry, sorted by path then kind: stable for logs and tests. */
  entries(): RedactedPath[] {
    return [...this.byPath.values()]
      .map((entry) => ({ ...entry }))
      .sort((a, b) => (a.path === b.path ? a.kind.localeCompare(b.kind) : a.path < b.path ? -1 : 1));
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
