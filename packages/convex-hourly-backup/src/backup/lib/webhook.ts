// Posting an alert to a chat webhook: one JSON message `{"text": ...}`, what
// Slack's incoming webhooks take (and Mattermost's, Google Chat's, Discord's
// with /slack appended). The URL is a secret (whoever holds it can post to the
// channel): no log line and no returned reason holds it, only its host.
export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_REASON_CHARS = 200;

export type Webhook = {
  url: string;
  /** What the logs name instead of the URL. */
  host: string;
  /** Every part of the URL that must never be logged. */
  secrets: string[];
};

/** ALERT_WEBHOOK_URL parsed; a problem (never echoing the value) when it is set but not an http(s) URL. */
export function parseWebhook(value: string | undefined): { webhook: Webhook | null; problem: string | null } {
  const text = value?.trim() ?? "";
  if (text === "") return { webhook: null, problem: null };
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    // The error message would hold the value: it is dropped.
  }
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    return {
      webhook: null,
      problem: "[backup alert] ERROR: ALERT_WEBHOOK_URL is set but is not an http(s) URL: alerts go to this log only.",
    };
  }
  const secrets = [text, url.href, url.pathname + url.search, url.search, url.username, url.password]
    .filter((part) => part.length > 1)
    // Longest first, so a part inside another is not replaced first.
    .sort((a, b) => b.length - a.length);
  return { webhook: { url: url.href, host: url.host, secrets }, problem: null };
}

/** `text` with every part of the webhook URL replaced by "[redacted]". */
export function redactWebhook(text: string, webhook: Webhook): string {
  return webhook.secrets.reduce((out, secret) => out.split(secret).join("[redacted]"), text);
}

export type PostResult = { ok: true } | { ok: false; reason: string };

/** One POST of `{"text": text}`; a reason (host only, never the URL) when it was not accepted. */
export async function postMessage(webhook: Webhook, text: string): Promise<PostResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), WEBHOOK_TIMEOUT_MS);
  try {
    const response = await fetch(webhook.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text }),
      signal: controller.signal,
    });
    const body = await response.text().catch(() => "");
    if (response.ok) return { ok: true };
    // Redacted before it is cut, so a cut never leaves part of the URL behind.
    const detail = redactWebhook(body.trim(), webhook).slice(0, 100);
    return { ok: false, reason: `HTTP ${response.status}${detail === "" ? "" : ` (${detail})`}` };
  } catch (error) {
    if (controller.signal.aborted) return { ok: false, reason: `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` };
    return { ok: false, reason: redactWebhook(describe(error), webhook).slice(0, MAX_REASON_CHARS) };
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.name}: ${error.message}${cause}`;
}
