// Benchmark only: simulated hours. Hourly runs are an hour apart; rather than
// wait, the benchmark moves Date.now forward between runs. convex-test stamps
// _creationTime and commit timestamps with Date.now, and the backup plans its
// verification (which slice is due, the new-documents window) by it. Times
// are measured with performance.now, which this leaves alone.
const realNow = Date.now.bind(Date);
let offset = 0;

export const HOUR_MS = 60 * 60_000;

/** Moves the clock `ms` forward (it keeps ticking from there). */
export function advanceClock(ms: number): void {
  if (offset === 0) Date.now = () => realNow() + offset;
  offset += ms;
}

/** Back to the real clock: only once every deployment that saw the simulated time is closed. */
export function resetClock(): void {
  offset = 0;
  Date.now = realNow;
}
