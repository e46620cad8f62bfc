// Step 4 of the data path (diff): how one page of the primary differs from
// the backup's current state of the same key range. An unchanged range costs
// one digest; a changed one costs the backup's tags (11 bytes a document).
// The backup answers for at most MAX_RANGE_VERSIONS of its documents at a
// time: when a range holds more (the primary deleted most of them), the page
// is diffed in parts, each ending where the backup's answer ended. Only keys
// and hashes are needed: a page may come without its documents' JSON.
import { documentTag, ID_TAG_LENGTH, rangeDigest, splitTags } from "../shared/digest";
import { compareKeys, type DocKey, type KeyRange } from "../shared/keys";
import type { DocEntry } from "../shared/protocol";
import type { BackupTarget } from "./backupTarget";

/** What a diff needs of a document: its key and hash (a DocEntry has them, with its JSON). */
export type HashedEntry = Pick<DocEntry, "id" | "creationTime" | "hash">;

export type PartDiff<E extends HashedEntry = DocEntry> = {
  /** The part of the page's range this diff covers; parts tile the range in key order. */
  range: KeyRange;
  /** The primary's documents inside `range`, and their digest. */
  entries: E[];
  digest: string;
  match: boolean;
  /** In the primary, not in the backup. */
  missing: E[];
  /** In both, with different content. */
  different: E[];
  /** Id tags of documents the backup holds in the range and the primary no longer has. */
  extraIdTags: string[];
};

const entryKey = (entry: HashedEntry): DocKey => ({ creationTime: entry.creationTime, id: entry.id });

/**
 * The diff of a page against the backup, part by part. `apply` runs on each
 * part before the next is asked for, so the backup's answer for the next
 * part reflects it. Unchanged pages are one part with match: true.
 */
export async function diffPageInParts<E extends HashedEntry>(
  target: BackupTarget,
  table: string,
  range: KeyRange,
  entries: E[],
  apply: (part: PartDiff<E>) => Promise<void>,
  options: { fresh?: boolean; readOnly?: boolean } = {},
): Promise<void> {
  let after = range.after;
  let rest = entries;
  for (;;) {
    const remaining: KeyRange = { after, upTo: range.upTo };
    const digest = await rangeDigest(rest.map((entry) => entry.hash));
    const answer = await target.diffRange({ table, range: remaining, digest, ...options });
    if (answer.match) {
      return apply({ range: remaining, entries: rest, digest, match: true, missing: [], different: [], extraIdTags: [] });
    }
    const through = answer.through;
    const covered = through === null ? rest : rest.filter((entry) => compareKeys(entryKey(entry), through) <= 0);
    const part = through === null ? remaining : { after, upTo: through };
    const partDigest = covered.length === rest.length ? digest : await rangeDigest(covered.map((entry) => entry.hash));
    await apply({ range: part, entries: covered, digest: partDigest, match: false, ...compareTags(covered, answer.tags) });
    if (through === null) return;
    after = through;
    rest = rest.slice(covered.length);
  }
}

function compareTags<E extends HashedEntry>(entries: E[], tags: string): Pick<PartDiff<E>, "missing" | "different" | "extraIdTags"> {
  const backupTags = new Map<string, string>();
  for (const tag of splitTags(tags)) backupTags.set(tag.slice(0, ID_TAG_LENGTH), tag);
  const missing: E[] = [];
  const different: E[] = [];
  const primaryIdTags = new Set<string>();
  for (const entry of entries) {
    const tag = documentTag(entry.id, entry.hash);
    const idTag = tag.slice(0, ID_TAG_LENGTH);
    primaryIdTags.add(idTag);
    const held = backupTags.get(idTag);
    if (held === undefined) missing.push(entry);
    else if (held !== tag) different.push(entry);
  }
  const extraIdTags = [...backupTags.keys()].filter((idTag) => !primaryIdTags.has(idTag));
  return { missing, different, extraIdTags };
}
