// A backup deployment that answers 429 (its write throughput is used up:
// about 4 MiB/s on Free/Starter) slows the run down instead of failing the
// hour: it waits as long as Retry-After says, sends fewer pages at once, and
// completes with nothing lost.
import { afterEach, describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { expectRestoreEquals, snapshotPrimary } from "./support/pointInTime";
import { DEFAULT_RETRY_POLICY, parseRetryAfter, ThrottledError, TransientError, withRetries } from "../packages/convex-hourly-backup/src/app/retry";

let d: Deployments | undefined;
afterEach(async () => {
  await d?.close();
  d = undefined;
});

test("a first run far above the backup's write throughput completes, throttled", async () => {
  // About 250 KB of writes against a 24 KiB/s cap: about ten seconds of 429s.
  d = await startDeployments({ backupWriteBytesPerSecond: 24 * 1024 });
  await seedShop(d.primary, { users: 40, products: 80, orders: 120 });
  const summary = await d.primary.t.action(internal.backup.runNow, {});
  expect(summary).toMatchObject({ status: "completed" });
  // Each 429 is followed by the wait it asked for, so only a few arrive.
  expect(d.backup.server.stats.throttled).toBeGreaterThan(0);
  expect(summary.tables.map((t) => t.changed)).toEqual([40, 80, 120]);
  await expectRestoreEquals(d, "latest", await snapshotPrimary(d, ["users", "products", "orders"]));
}, 300_000);

describe("how long a call waits", () => {
  const recordSleeps = () => {
    const sleeps: number[] = [];
    const sleep = (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    };
    return { sleeps, sleep };
  };

  test("429s use up no attempts, and each wait is at least what Retry-After asked", async () => {
    const { sleeps, sleep } = recordSleeps();
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls += 1;
        if (calls <= 12) throw new ThrottledError("throttled", 3_000);
        return "done";
      },
      DEFAULT_RETRY_POLICY,
      sleep,
    );
    expect(result).toBe("done");
    expect(calls).toBe(13); // far more than the 5 attempts of a transient failure
    expect(sleeps).toHaveLength(12);
    expect(Math.min(...sleeps)).toBeGreaterThanOrEqual(3_000);
  });

  test("a transient failure still gives up after 5 attempts; throttling after maxThrottledMs", async () => {
    const { sleep } = recordSleeps();
    let calls = 0;
    await expect(
      withRetries(async () => {
        calls += 1;
        throw new TransientError("down");
      }, DEFAULT_RETRY_POLICY, sleep),
    ).rejects.toThrow(/gave up after 5 attempts/);
    expect(calls).toBe(5);
    await expect(
      withRetries(() => Promise.reject(new ThrottledError("throttled", 60_000)), DEFAULT_RETRY_POLICY, sleep),
    ).rejects.toThrow(/still throttled after 600 s/);
  });

  test("Retry-After in seconds or as an HTTP date", () => {
    expect(parseRetryAfter("2")).toBe(2_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});
