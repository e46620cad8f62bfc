// What the sanitizer says it removed: each distinct path per table with a
// count and a reason, and never a value.
import { expect, test } from "vitest";
import { RedactionReport, type RedactedPath } from "../packages/convex-hourly-backup/src/app/sanitize";
import { sanitizeDocument } from "./support/shopRedaction";

const VALUES = {
  passwordHash: "$2b$10$reportCanaryPasswordHash0123456789",
  sessionToken: "reportCanarySessionToken0123456789",
  cardNumber: "4242424242424242",
  cvc: "987",
  apiKey: "reportCanaryApiKey0123456789",
  chatKey: "reportCanaryChatKey0123456789",
  recordPassword: "reportCanaryRecordPassword",
  spaced: "reportCanarySpacedKey",
  url: "https://admin:reportCanaryUrlPass@example.com/x",
  header: "reportCanaryHeader",
};

function runShop(report: RedactionReport): void {
  sanitizeDocument("users", { email: "a@x.io", passwordHash: VALUES.passwordHash, sessionToken: VALUES.sessionToken }, report);
  sanitizeDocument("users", { email: "b@x.io", passwordHash: VALUES.passwordHash }, report);
  sanitizeDocument("orders", { payment: { provider: "p", card: { number: VALUES.cardNumber, cvc: VALUES.cvc, brand: "visa" } } }, report);
  sanitizeDocument("products", { attributes: { supplier: { name: "s", apiKey: VALUES.apiKey }, "api key": VALUES.spaced } }, report);
  sanitizeDocument("chats", { messages: [{ apiKey: VALUES.chatKey, tokens: 3 }, { apiKey: VALUES.chatKey }, { text: "hi" }] }, report);
  sanitizeDocument("accounts", { byEmail: { "ann@example.com": { password: VALUES.recordPassword }, "k17062b81m2wh21nddyq4yc7s57etkxv": { password: VALUES.recordPassword } } }, report);
  sanitizeDocument("webhooks", { target: VALUES.url, headers: [["Authorization", VALUES.header]] }, report);
}

test("each distinct path per table, with a count and a reason", () => {
  const report = new RedactionReport();
  runShop(report);
  const entry = (table: string, path: string, kind: RedactedPath["kind"], count: number) => ({ table, path, kind, count });
  expect(report.entries()).toEqual([
    entry("accounts", "accounts.byEmail.*.password", "key", 2),
    entry("chats", "chats.messages[].apiKey", "key", 2),
    entry("orders", "orders.payment.card.cvc", "key", 1),
    entry("orders", "orders.payment.card.number", "key", 1),
    entry("products", "products.attributes.*", "key", 1),
    entry("products", "products.attributes.supplier.apiKey", "key", 1),
    // users.passwordHash and users.sessionToken are in OMITTED_FIELDS: named by the settings.
    entry("users", "users.passwordHash", "omitted", 2),
    entry("users", "users.sessionToken", "omitted", 1),
    entry("webhooks", "webhooks.headers[].Authorization", "key", 1),
    entry("webhooks", "webhooks.target", "value", 1),
  ]);
  expect(report.total).toBe(13);
  expect(report.size).toBe(10);
});

test("the report holds no value, no record key and no secret", () => {
  const report = new RedactionReport();
  runShop(report);
  const text = JSON.stringify(report.entries());
  for (const value of Object.values(VALUES)) expect(text).not.toContain(value);
  expect(text).not.toContain("reportCanary");
  expect(text).not.toContain("ann@example.com");
  expect(text).not.toContain("k17062b81m2wh21nddyq4yc7s57etkxv");
  expect(text).not.toContain("admin");
});

test("every reported segment is identifier-like, `*` or `[]`", () => {
  const report = new RedactionReport();
  runShop(report);
  sanitizeDocument("t", { "x.y": { "a b": { "é": { "": { password: "p" } } } }, ["a".repeat(100)]: { password: "p" } }, report);
  for (const { path } of report.entries()) {
    for (const segment of path.split(".")) expect(segment, path).toMatch(/^([A-Za-z_][A-Za-z0-9_]{0,63}|\*)(\[\])*$/);
  }
  expect(report.entries().filter((e) => e.table === "t").map((e) => e.path)).toEqual(["t.*.*.*.*.password", "t.*.password"]);
});

test("counts add up across documents and merge across reports (pages)", () => {
  const pageA = new RedactionReport();
  const pageB = new RedactionReport();
  for (let i = 0; i < 3; i++) sanitizeDocument("chats", { messages: [{ apiKey: "k" }, { apiKey: "k" }] }, pageA);
  sanitizeDocument("chats", { messages: [{ apiKey: "k" }] }, pageB);
  sanitizeDocument("chats", { note: "Bearer 0123456789abcdef" }, pageB);
  const run = new RedactionReport();
  run.merge(pageA.entries());
  run.merge(pageB.entries());
  expect(run.entries()).toEqual([
    { table: "chats", path: "chats.messages[].apiKey", kind: "key", count: 7 },
    { table: "chats", path: "chats.note", kind: "value", count: 1 },
  ]);
});

test("without a report the call shape is unchanged: sanitizeDocument(table, doc) returns the sanitized document", () => {
  expect(sanitizeDocument("users", { email: "a@x.io", passwordHash: "h" })).toEqual({ email: "a@x.io" });
});
