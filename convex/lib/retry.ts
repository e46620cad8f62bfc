// Retries for transient failures talking to the backup deployment: network
// errors, timeouts, 5xx and 429. Exponential backoff with full jitter,
// bounded in attempts and in total time. Auth and validation errors are not
// transient and fail at once.
export type RetryPolicy = {
  maxAttempts: number;
  initialBackoffMs: number;
  base: number;
  maxBackoffMs: number;
  /** No new attempt starts after this long since the first. */
  maxTotalMs: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 250,
  base: 2,
  maxBackoffMs: 8_000,
  maxTotalMs: 60_000,
};

/** A failure worth another attempt (the request may or may not have been applied). */
export class TransientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransientError";
  }
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
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      const delay = backoffMs(policy, attempt);
      const outOfTime = Date.now() - started + delay > policy.maxTotalMs;
      if (attempt >= policy.maxAttempts || outOfTime) {
        throw new TransientError(`${error.message} (gave up after ${attempt} attempt${attempt === 1 ? "" : "s"})`);
      }
      await sleep(delay);
    }
  }
}
