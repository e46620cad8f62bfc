// Document keys and key ranges. Both deployments order documents by
// (_creationTime, _id), the primary's by_creation_time index order, and a
// page of the primary covers the half-open range (after, upTo]: consecutive
// pages tile the whole key space, so a document deleted between two pages is
// still inside exactly one range.
export type DocKey = { creationTime: number; id: string };
export type KeyRange = { after: DocKey | null; upTo: DocKey | null };

export function compareKeys(a: DocKey, b: DocKey): number {
  if (a.creationTime !== b.creationTime) return a.creationTime < b.creationTime ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function inRange(key: DocKey, range: KeyRange): boolean {
  return (
    (range.after === null || compareKeys(key, range.after) > 0) &&
    (range.upTo === null || compareKeys(key, range.upTo) <= 0)
  );
}
