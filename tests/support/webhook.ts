// A loopback server standing in for a Slack incoming webhook: the `text` of
// every message posted to it (tests/alerts.test.ts has one that also fails on request).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type Webhook = { url: string; delivered: string[]; close(): Promise<void> };

export async function startWebhook(path = "/services/T1/B1/secret"): Promise<Webhook> {
  const delivered: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      delivered.push((JSON.parse(body) as { text: string }).text);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    delivered,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
