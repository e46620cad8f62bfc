// Step 4 of the data path (diff): how one page of the primary differs from
// the backup's current state of the same key range. An unchanged range costs
// one digest; a changed one costs the backup's tags (11 bytes a document).
import { documentTag, ID_TAG_LENGTH, rangeDigest, splitTags } from "../../shared/digest";
import type { KeyRange } from "../../shared/keys";
import type { DocEntry } from "../../shared/protocol";
import type { BackupTarget } from "./backupTarget";

export type PageDiff = {
  digest: string;
  match: boolean;
  /** In the primary, not in the backup. */
  missing: DocEntry[];
  /** In both, with different content. */
  different: DocEntry[];
  /** Id tags of documents the backup holds in the range and the primary no longer has. */
  extraIdTags: string[];
};

export async function diffPage(
  target: BackupTarget,
  table: string,
  range: KeyRange,
  entries: DocEntry[],
): Promise<PageDiff> {
  const digest = await rangeDigest(entries.map((entry) => entry.hash));
  const diff = await target.diffRange({ table, range, digest });
  if (diff.match) return { digest, match: true, missing: [], different: [], extraIdTags: [] };

  const backupTags = new Map<string, string>();
  for (const tag of splitTags(diff.tags)) backupTags.set(tag.slice(0, ID_TAG_LENGTH), tag);
  const missing: DocEntry[] = [];
  const different: DocEntry[] = [];
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
  return { digest, match: false, missing, different, extraIdTags };
}
