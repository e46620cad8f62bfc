// Which closed versions no kept run needs. A closed version [fromSeq, toSeq)
// is needed iff some kept run seq k has fromSeq <= k < toSeq. Between two
// consecutive kept seqs a < b, every closed version with fromSeq > a and
// toSeq <= b therefore goes: that is one gap. Only gaps that hold a dropped
// run record are visited; the records go last, once their gap is empty, so
// an interrupted prune is picked up by the next one.

export type PruneGap = {
  /** The kept seq below (0 when none): versions with fromSeq > after... */
  after: number;
  /** ...and toSeq <= upTo are needed by no kept run. */
  upTo: number;
  /** Run records to delete once the gap's versions are gone, in seq order. */
  dropped: number[];
};

/**
 * Gaps around the dropped runs, in seq order. `topSeq` is the highest run seq
 * read: no version was closed by a later run than that in what was read, and
 * runs beyond it are left alone.
 */
export function gapsToPrune(kept: Iterable<number>, dropped: readonly number[], topSeq: number): PruneGap[] {
  const keptSeqs = [...kept].sort((a, b) => a - b);
  const gaps: PruneGap[] = [];
  let k = 0;
  for (const seq of [...dropped].sort((a, b) => a - b)) {
    while (k < keptSeqs.length && keptSeqs[k]! < seq) k += 1;
    const after = k > 0 ? keptSeqs[k - 1]! : 0;
    const upTo = k < keptSeqs.length ? keptSeqs[k]! : topSeq;
    const current = gaps.at(-1);
    if (current !== undefined && current.after === after) current.dropped.push(seq);
    else gaps.push({ after, upTo, dropped: [seq] });
  }
  return gaps;
}
