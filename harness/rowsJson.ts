// Backup rows as text, to compare them or search them for secrets: run
// records hold the change log's cursor, an Int64, which JSON.stringify refuses.
export function rowsJson(rows: unknown): string {
  return JSON.stringify(rows, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
}
