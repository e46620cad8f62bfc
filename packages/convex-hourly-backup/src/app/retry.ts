// Retries for transient failures talking to the backup deployment: network
// errors, timeouts and 5xx, with exponential backoff and full jitter, bounded
// in attempts and in total time. A 429 (the deployment's write throughput is
// used up) is not a failure but a request to slow down: it waits as long as
// Retry-After says (or the backoff), does not use up attempts, and gives up
// only after maxThrottledMs. Auth and validation errors fail at once.
export type RetryPolicy = {
  maxAttempts: number;
  initialBackoffMs: number;
  base: number;
  maxBackoffMs: number;
  /** No new attempt starts after this long since the first (throttled waits aside). */
  maxTotalMs: number;
  /** How long one call may keep waiting on 429 answers in all. */
  maxThrottledMs: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 250,
  base: 2,
  maxBackoffMs: 8_000,
  maxTotalMs: 60_000,
  // Free/Starter deployments take about 4 MiB/s of writes; a first run of
  // 100k documents may be throttled for minutes, and that is fine.
  maxThrottledMs: 10 * 60_000,
};

/** A failure worth another attempt (the request may or may not have been applied). */
export class TransientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransientError";
  }
}

/** The backup deployment answered 429: wait `retryAfterMs` (when it said) and try again. */
export class ThrottledError extends TransientError {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = "ThrottledError";
  }
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.base ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

export async function withRetries<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  const started = Date.now();
  let throttledMs = 0;
  let throttles = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      if (error instanceof ThrottledError) {
        // Slowing down is the point: not an attempt used up, only time.
        throttles += 1;
        attempt -= 1;
        const delay = Math.max(error.retryAfterMs ?? 0, backoffMs(policy, Math.min(throttles, 8)));
        if (throttledMs + delay > policy.maxThrottledMs) {
          throw new TransientError(`${error.message} (still throttled after ${Math.round(throttledMs / 1000)} s of waiting)`);
        }
        throttledMs += delay;
        await sleep(delay);
        continue;
      }
      const delay = backoffMs(policy, attempt);
      const outOfTime = Date.now() - started - throttledMs + delay > policy.maxTotalMs;
      if (attempt >= policy.maxAttempts || outOfTime) {
        throw new TransientError(`${error.message} (gave up after ${attempt} attempt${attempt === 1 ? "" : "s"})`);
      }
      await sleep(delay);
    }
  }
}
