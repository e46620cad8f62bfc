// Issue 13: an alert when backups stop. The backup deployment's own cron
// (alerts:check, every 15 minutes) logs an ERROR line at every check while the
// newest restore point is older than the threshold, and posts one Slack-style
// message per incident and one on recovery to ALERT_WEBHOOK_URL, here a
// loopback server standing in for Slack. Asserted as a user sees it: the
// messages the channel received and the deployment's log lines.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { api, internal as backupInternal } from "../packages/convex-hourly-backup/src/backup/_generated/api";
import backupCrons from "../packages/convex-hourly-backup/src/backup/crons";
import { randomSecret, startDeployments, type Deployments, PRIMARY_CLOUD_URL } from "../harness/deployments";
import { seedShop } from "../harness/shopData";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Monday 2025-01-06 10:00 UTC.
const START = Date.UTC(2025, 0, 6, 10, 0, 0);

type Hook = {
  url: string;
  /** The secret part of the URL (as in a Slack webhook: /services/T…/B…/<token>). */
  token: string;
  host: string;
  /** Every POST that arrived, answered or not. */
  attempts: number;
  /** The `text` of each message accepted (HTTP 200). */
  delivered: string[];
  /** Statuses to answer the next requests with (then 200). */
  failNext: number[];
  close(): Promise<void>;
};

async function startHook(): Promise<Hook> {
  const token = randomSecret();
  const path = `/services/T0001/B0001/${token}`;
  const hook = { token, attempts: 0, delivered: [] as string[], failNext: [] as number[] };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      hook.attempts += 1;
      const status = hook.failNext.shift() ?? (req.method === "POST" && req.url === path ? 200 : 404);
      if (status === 200) {
        // A Slack incoming webhook takes JSON with a `text` field.
        expect(req.headers["content-type"]).toBe("application/json");
        const message = JSON.parse(body) as { text: string };
        expect(Object.keys(message)).toEqual(["text"]);
        hook.delivered.push(message.text);
      }
      // Like Slack: a short reason; a 404 names the path it did not find (the secret part).
      const reply = status === 200 ? "ok" : status === 500 ? "internal_error" : `no_service ${req.url}`;
      res.writeHead(status, { "Content-Type": "text/plain" }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(hook, {
    url: `http://${host}${path}`,
    host,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

let d: Deployments;
let hook: Hook;
/** Every line the backup deployment logged in this test's checks. */
let allLines: string[];
beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
  d = await startDeployments();
  hook = await startHook();
  allLines = [];
});
afterEach(async () => {
  await d.close();
  await hook.close();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** One tick of the cron at `time`: what it logged, each line marked with its level. */
async function checkAt(time: number): Promise<string[]> {
  vi.setSystemTime(time);
  const lines: string[] = [];
  const spies = (["log", "warn", "error"] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(`${level.toUpperCase()} ${args.map(String).join(" ")}`)),
  );
  try {
    await d.backup.t.action(backupInternal.alerts.check, {});
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  allLines.push(...lines);
  return lines;
}

const errors = (lines: string[]) => lines.filter((line) => line.startsWith("ERROR "));

async function backupAt(time: number) {
  vi.setSystemTime(time);
  const run = await d.primary.t.action(internal.backup.runNow, {});
  expect(run.status).toBe("completed");
}

/** What a user must never find in the logs: the webhook URL or its secret part. */
function expectNoWebhookUrl(lines: string[]) {
  for (const line of lines) {
    expect(line).not.toContain(hook.token);
    expect(line).not.toContain("/services/");
  }
}

const STALE_LINE =
  /^ERROR \[backup alert\] ERROR: backups of https:\/\/happy-animal-123\.convex\.cloud have stopped: no new restore point for (.+?): the newest \(run 1\) finished at 2025-01-06T10:00:00\.000Z, more than 2 h ago\. Check the primary deployment's backup:runNow cron and its logs \(npx convex logs, on the primary\)\.$/;

describe("alerts:check", () => {
  test("runs every 15 minutes on the backup deployment, beside the hourly prune", () => {
    const jobs = (backupCrons as unknown as { crons: Record<string, unknown> }).crons;
    expect(jobs["alerts:check"]).toEqual({
      name: "alerts:check",
      args: [{}],
      schedule: { type: "interval", minutes: 15 },
    });
  });

  test("fresh backups: no alert; stale: an ERROR at every check and one message; a new run: one recovery message", async () => {
    await seedShop(d.primary, { users: 3, products: 2, orders: 2 });
    await backupAt(START);
    d.backup.env.ALERT_WEBHOOK_URL = hook.url;

    // Fresh: a quiet log line, nothing posted. Exactly two hours is not yet stale.
    expect(await checkAt(START + 15 * MINUTE)).toEqual([
      "LOG [backup alert] ok: the newest restore point (run 1) finished 15 min ago (alert after 2 h).",
    ]);
    d.backup.io.reset();
    expect(errors(await checkAt(START + 2 * HOUR))).toEqual([]);
    expect(hook.attempts).toBe(0);
    // A quiet check reads the alert state and three runs at most, and writes nothing.
    const quiet = d.backup.io.snapshot().calls["alerts:evaluate"]!;
    expect(quiet).toMatchObject({ calls: 1, docsWritten: 0 });
    expect(quiet.docsRead).toBeLessThanOrEqual(4);

    // Past the threshold: one ERROR line and one message.
    const stale = await checkAt(START + 2 * HOUR + 15 * MINUTE);
    expect(errors(stale)).toHaveLength(1);
    expect(errors(stale)[0]).toMatch(STALE_LINE);
    expect(STALE_LINE.exec(errors(stale)[0]!)![1]).toBe("2 h 15 min");
    expect(stale).toContain(`LOG [backup alert] incident message delivered to the webhook on ${hook.host}.`);
    expect(hook.delivered).toEqual([
      "Convex backup alert: backups of https://happy-animal-123.convex.cloud have stopped: no new restore point " +
        "for 2 h 15 min: the newest (run 1) finished at 2025-01-06T10:00:00.000Z, more than 2 h ago. " +
        "Check the primary deployment's backup:runNow cron and its logs (npx convex logs, on the primary).",
    ]);

    // Still stale: an ERROR line at each check, no second message.
    for (const minutes of [30, 45, 60, 75]) {
      const lines = await checkAt(START + 2 * HOUR + minutes * MINUTE);
      expect(errors(lines)).toHaveLength(1);
      expect(errors(lines)[0]).toMatch(STALE_LINE);
    }
    expect(hook.attempts).toBe(1);

    // A new restore point: one recovery message, then quiet again.
    await backupAt(START + 3 * HOUR + 30 * MINUTE);
    const recovered = await checkAt(START + 3 * HOUR + 45 * MINUTE);
    expect(errors(recovered)).toEqual([]);
    expect(recovered).toEqual([
      "LOG [backup alert] ok: the newest restore point (run 2) finished 15 min ago (alert after 2 h).",
      "LOG [backup alert] recovered: run 2 completed at 2025-01-06T13:30:00.000Z; backups had been stale since 2025-01-06T12:00:00.000Z.",
      `LOG [backup alert] recovery message delivered to the webhook on ${hook.host}.`,
    ]);
    expect(hook.delivered).toHaveLength(2);
    expect(hook.delivered[1]).toBe(
      "Convex backup alert recovered: backups of https://happy-animal-123.convex.cloud are running again. " +
        "Run 2 completed at 2025-01-06T13:30:00.000Z, a new restore point; backups had been stale for 1 h 30 min " +
        "(since 2025-01-06T12:00:00.000Z).",
    );
    expect(errors(await checkAt(START + 4 * HOUR))).toEqual([]);
    expect(hook.attempts).toBe(2);

    // A second incident is a new one: one more message.
    await checkAt(START + 5 * HOUR + 45 * MINUTE);
    await checkAt(START + 6 * HOUR);
    expect(hook.delivered).toHaveLength(3);
    expect(hook.delivered[2]).toMatch(/have stopped: no new restore point for 2 h 15 min: the newest \(run 2\)/);
    expectNoWebhookUrl(allLines);
  });

  test("a failing webhook (HTTP 500) is retried at the next check and each message delivered once", async () => {
    await seedShop(d.primary, { users: 2, products: 1, orders: 1 });
    await backupAt(START);
    d.backup.env.ALERT_WEBHOOK_URL = hook.url;

    hook.failNext.push(500);
    const first = await checkAt(START + 2 * HOUR + 15 * MINUTE);
    expect(errors(first)).toEqual([
      expect.stringMatching(STALE_LINE),
      `ERROR [backup alert] the incident message was not delivered to the webhook on ${hook.host}: HTTP 500 (internal_error). It is sent again at the next check.`,
    ]);
    expect([hook.attempts, hook.delivered.length]).toEqual([1, 0]);

    // The next check delivers it, with the age as it is now; later checks send nothing.
    await checkAt(START + 2 * HOUR + 30 * MINUTE);
    expect([hook.attempts, hook.delivered.length]).toEqual([2, 1]);
    expect(hook.delivered[0]).toMatch(/no new restore point for 2 h 30 min/);
    await checkAt(START + 2 * HOUR + 45 * MINUTE);
    expect(hook.attempts).toBe(2);

    // The recovery message fails twice, then goes out once.
    await backupAt(START + 3 * HOUR);
    hook.failNext.push(500, 503);
    await checkAt(START + 3 * HOUR + 15 * MINUTE);
    await checkAt(START + 3 * HOUR + 30 * MINUTE);
    expect([hook.attempts, hook.delivered.length]).toEqual([4, 1]);
    const third = await checkAt(START + 3 * HOUR + 45 * MINUTE);
    expect(errors(third)).toEqual([]);
    expect([hook.attempts, hook.delivered.length]).toEqual([5, 2]);
    expect(hook.delivered[1]).toMatch(/^Convex backup alert recovered: .*Run 2 completed at 2025-01-06T13:00:00\.000Z/);
    await checkAt(START + 4 * HOUR);
    expect(hook.attempts).toBe(5);
    expectNoWebhookUrl(allLines);
  });

  test("without ALERT_WEBHOOK_URL: only the log lines, and nothing is posted", async () => {
    await seedShop(d.primary, { users: 2, products: 1, orders: 1 });
    await backupAt(START);

    const opened = await checkAt(START + 2 * HOUR + 15 * MINUTE);
    expect(opened).toEqual([
      expect.stringMatching(STALE_LINE),
      "LOG [backup alert] ALERT_WEBHOOK_URL is not set: these log lines are the only alert.",
    ]);
    const again = await checkAt(START + 2 * HOUR + 30 * MINUTE);
    expect(again).toEqual([expect.stringMatching(STALE_LINE)]);

    await backupAt(START + 3 * HOUR);
    const recovered = await checkAt(START + 3 * HOUR + 15 * MINUTE);
    expect(recovered).toEqual([
      "LOG [backup alert] ok: the newest restore point (run 2) finished 15 min ago (alert after 2 h).",
      "LOG [backup alert] recovered: run 2 completed at 2025-01-06T13:00:00.000Z; backups had been stale since 2025-01-06T12:00:00.000Z.",
    ]);
    expect(hook.attempts).toBe(0);
  });

  test("a webhook set during an incident gets its alert at the next check", async () => {
    await seedShop(d.primary, { users: 2, products: 1, orders: 1 });
    await backupAt(START);
    await checkAt(START + 2 * HOUR + 15 * MINUTE);
    d.backup.env.ALERT_WEBHOOK_URL = hook.url;
    await checkAt(START + 2 * HOUR + 30 * MINUTE);
    await checkAt(START + 2 * HOUR + 45 * MINUTE);
    expect(hook.delivered).toEqual([expect.stringMatching(/no new restore point for 2 h 30 min/)]);
  });

  test("a new backup deployment gets the whole threshold for its first restore point", async () => {
    d.backup.env.ALERT_WEBHOOK_URL = hook.url;
    expect(await checkAt(START)).toEqual([
      "LOG [backup alert] no restore point yet: an alert is raised if none completes by 2025-01-06T12:00:00.000Z.",
    ]);
    expect(errors(await checkAt(START + 2 * HOUR))).toEqual([]);

    const stale = await checkAt(START + 2 * HOUR + 15 * MINUTE);
    expect(errors(stale)).toEqual([
      "ERROR [backup alert] ERROR: backups have stopped: no restore point at all, 2 h 15 min after " +
        "2025-01-06T10:00:00.000Z (the first check or the first run), more than 2 h. " +
        "Check the primary deployment's backup:runNow cron and its logs (npx convex logs, on the primary).",
    ]);
    expect(hook.delivered).toEqual([expect.stringMatching(/^Convex backup alert: backups have stopped: no restore point at all/)]);

    await seedShop(d.primary, { users: 2, products: 1, orders: 1 });
    await backupAt(START + 2 * HOUR + 20 * MINUTE);
    await checkAt(START + 2 * HOUR + 30 * MINUTE);
    expect(hook.delivered).toHaveLength(2);
    expect(hook.delivered[1]).toMatch(/^Convex backup alert recovered: backups of https:\/\/happy-animal-123\.convex\.cloud are running again\. Run 1 completed/);
  });

  test("with no restore point, a first run that began before the first check counts from its start", async () => {
    // A first run began three hours ago and never completed (its holder died).
    vi.setSystemTime(START - 3 * HOUR);
    await d.backup.t.mutation(api.runs.beginRun, {
      secret: d.secret, holder: "gone", leaseMs: 60_000, tables: ["users"], source: PRIMARY_CLOUD_URL,
    });
    d.backup.env.ALERT_WEBHOOK_URL = hook.url;
    const lines = await checkAt(START);
    expect(errors(lines)).toEqual([
      "ERROR [backup alert] ERROR: backups of https://happy-animal-123.convex.cloud have stopped: no restore point at all, " +
        "3 h after 2025-01-06T07:00:00.000Z (the first check or the first run), more than 2 h; run 1 started at " +
        "2025-01-06T07:00:00.000Z and has not completed (running). " +
        "Check the primary deployment's backup:runNow cron and its logs (npx convex logs, on the primary).",
    ]);
    expect(hook.delivered).toHaveLength(1);
  });

  test("ALERT_AFTER_MINUTES sets the threshold; an unusable value warns and keeps two hours", async () => {
    await seedShop(d.primary, { users: 2, products: 1, orders: 1 });
    await backupAt(START);
    d.backup.env.ALERT_AFTER_MINUTES = "30";
    expect(errors(await checkAt(START + 30 * MINUTE))).toEqual([]);
    expect(errors(await checkAt(START + 31 * MINUTE))).toEqual([
      expect.stringMatching(/no new restore point for 31 min: .*more than 30 min ago\./),
    ]);

    d.backup.env.ALERT_AFTER_MINUTES = "soon";
    const lines = await checkAt(START + 45 * MINUTE);
    expect(lines).toEqual([
      'WARN [backup alert] WARNING: ALERT_AFTER_MINUTES is not a positive number of minutes ("soon"): using the default, 120.',
      "LOG [backup alert] ok: the newest restore point (run 1) finished 45 min ago (alert after 2 h).",
      "LOG [backup alert] recovered: run 1 completed at 2025-01-06T10:00:00.000Z; backups had been stale since 2025-01-06T10:30:00.000Z.",
    ]);
  });

  test("the webhook URL never reaches the logs: not when it fails, is unreachable or is not a URL", async () => {
    await seedShop(d.primary, { users: 2, products: 1, orders: 1 });
    await backupAt(START);
    // Unreachable: a closed port on loopback (the secret part is in its path).
    const closed = await startHook();
    await closed.close();
    d.backup.env.ALERT_WEBHOOK_URL = `http://${closed.host}/services/T0001/B0001/${hook.token}?token=${hook.token}`;
    const unreachable = await checkAt(START + 2 * HOUR + 15 * MINUTE);
    expect(unreachable[1]).toMatch(
      new RegExp(`^ERROR \\[backup alert\\] the incident message was not delivered to the webhook on ${closed.host}: .+\\. It is sent again at the next check\\.$`),
    );

    // A 404 whose body echoes the path it was asked for.
    d.backup.env.ALERT_WEBHOOK_URL = hook.url.replace("/services/", "/wrong/services/");
    hook.failNext.push(404);
    expect(errors(await checkAt(START + 2 * HOUR + 30 * MINUTE))[1]).toBe(
      `ERROR [backup alert] the incident message was not delivered to the webhook on ${hook.host}: HTTP 404 (no_service [redacted]). It is sent again at the next check.`,
    );

    // Not a URL at all.
    d.backup.env.ALERT_WEBHOOK_URL = `hooks.slack.com/services/${hook.token}`;
    const invalid = await checkAt(START + 2 * HOUR + 45 * MINUTE);
    expect(invalid).toContain("ERROR [backup alert] ERROR: ALERT_WEBHOOK_URL is set but is not an http(s) URL: alerts go to this log only.");

    // Fixed: delivered once.
    d.backup.env.ALERT_WEBHOOK_URL = hook.url;
    await checkAt(START + 3 * HOUR);
    expect(hook.delivered).toHaveLength(1);
    expect(hook.delivered[0]).not.toContain(hook.token);
    expectNoWebhookUrl(allLines);
    expect(allLines.join("\n")).not.toContain(hook.url);
  });

  test("two checks at once post the alert once", async () => {
    await seedShop(d.primary, { users: 2, products: 1, orders: 1 });
    await backupAt(START);
    d.backup.env.ALERT_WEBHOOK_URL = hook.url;
    vi.setSystemTime(START + 2 * HOUR + 15 * MINUTE);
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
    const results = await Promise.all([
      d.backup.t.action(backupInternal.alerts.check, {}),
      d.backup.t.action(backupInternal.alerts.check, {}),
    ]);
    expect(results.map((result) => result.stale)).toEqual([true, true]);
    expect(hook.attempts).toBe(1);
  });
});
