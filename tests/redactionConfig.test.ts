// The settings in backupConfig.ts: the vocabulary can be extended and
// narrowed, globally and per table, and overridden per path; value scanning
// can be switched off per table and per path; OMITTED_FIELDS keeps working.
import { describe, expect, test } from "vitest";
import { MARKER, RedactionReport, Sanitizer, type RedactionConfig } from "../packages/convex-hourly-backup/src/app/sanitize";
import { OMITTED_FIELDS, REDACTION } from "../convex/backupConfig";

const withConfig = (change: Partial<RedactionConfig>, omitted: Record<string, string[]> = {}) =>
  new Sanitizer({ ...REDACTION, ...change }, omitted);

describe("the vocabulary", () => {
  test("extend: a new secret word or phrase is removed at any depth", () => {
    const s = withConfig({ secretWords: [...REDACTION.secretWords, "pan", "license plate"] });
    expect(s.sanitizeDocument("t", { pan: "ABCDE1234F", car: { licensePlate: "MH12AB1234", color: "red" } })).toEqual({ car: { color: "red" } });
    expect(new Sanitizer(REDACTION).sanitizeDocument("t", { pan: "ABCDE1234F" })).toEqual({ pan: "ABCDE1234F" });
  });

  test("narrow: a word removed from secretWords, or listed in keepWords, is kept", () => {
    const doc = { salt: "1 tsp", recipe: { saltLevel: 2, salt: "pinch" } };
    expect(new Sanitizer(REDACTION).sanitizeDocument("recipes", doc)).toEqual({ recipe: { saltLevel: 2 } });
    const narrowed = withConfig({ secretWords: REDACTION.secretWords.filter((w) => w !== "salt") });
    expect(narrowed.sanitizeDocument("recipes", doc)).toEqual(doc);
    expect(withConfig({ keepWords: [...REDACTION.keepWords, "salt"] }).sanitizeDocument("recipes", doc)).toEqual(doc);
  });

  test("the pin code default: pinCode is a postal code unless the app says otherwise", () => {
    const doc = { address: { pinCode: "400001", pincode: "411001" }, pin: "1234" };
    expect(new Sanitizer(REDACTION).sanitizeDocument("t", doc)).toEqual({ address: { pinCode: "400001", pincode: "411001" } });
    expect(withConfig({ keepWords: [] }).sanitizeDocument("t", doc)).toEqual({ address: {} });
  });

  test("counting, card and generic words are settings too", () => {
    const s = withConfig({ countingWords: ["token", "credit"], cardWords: ["card", "voucher"] });
    expect(s.sanitizeDocument("t", { credits: 5, credit: "abc", voucher: { number: "V-1", value: 10 } })).toEqual({ credits: 5, voucher: { value: 10 } });
  });
});

describe("per table", () => {
  test("perTable adds secret and keep words to one table only", () => {
    const s = withConfig({ perTable: { recipes: { keepWords: ["salt"] }, vehicles: { secretWords: ["vin"] } } });
    expect(s.sanitizeDocument("recipes", { salt: "1 tsp", password: "p" })).toEqual({ salt: "1 tsp" });
    expect(s.sanitizeDocument("users", { salt: "x9" })).toEqual({});
    expect(s.sanitizeDocument("vehicles", { vin: "1HGCM82633A004352", model: "x" })).toEqual({ model: "x" });
    expect(s.sanitizeDocument("users", { vin: "1HGCM82633A004352" })).toEqual({ vin: "1HGCM82633A004352" });
  });

  test("perTable.scanValues: false leaves that table's strings as they are; key rules still apply", () => {
    const s = withConfig({ perTable: { logs: { scanValues: false } } });
    const doc = { line: "Bearer 0123456789abcdef", nested: { apiKey: "k" } };
    expect(s.sanitizeDocument("logs", doc)).toEqual({ line: "Bearer 0123456789abcdef", nested: {} });
    expect(s.sanitizeDocument("other", doc)).toEqual({ line: `Bearer ${MARKER}`, nested: {} });
  });

  test("scanValues: false everywhere, switched back on for one table", () => {
    const s = withConfig({ scanValues: false, perTable: { webhooks: { scanValues: true } } });
    expect(s.sanitizeDocument("t", { url: "https://u:pw1234@h.io" })).toEqual({ url: "https://u:pw1234@h.io" });
    expect(s.sanitizeDocument("webhooks", { url: "https://u:pw1234@h.io" })).toEqual({ url: `https://${MARKER}@h.io` });
  });
});

describe("per path", () => {
  test("keepPaths keeps a field whatever its name and does not scan its text; secret keys below are still removed", () => {
    const s = withConfig({ keepPaths: ["orders.payment.token", "*.profile.pin", "chats.messages[].meta"] });
    const order = { payment: { token: "tok_visible", other: { token: "tok_hidden" } } };
    expect(s.sanitizeDocument("orders", order)).toEqual({ payment: { token: "tok_visible", other: {} } });
    expect(s.sanitizeDocument("users", { profile: { pin: "1234" } })).toEqual({ profile: { pin: "1234" } });
    const chat = { messages: [{ meta: { note: "Bearer 0123456789abcdef", password: "p" } }] };
    expect(s.sanitizeDocument("chats", chat)).toEqual({ messages: [{ meta: { note: "Bearer 0123456789abcdef" } }] });
    // The same names elsewhere are still redacted.
    expect(s.sanitizeDocument("carts", { payment: { token: "tok_x" } })).toEqual({ payment: {} });
  });

  test("redactPaths removes a field whatever its name, at a path, in arrays and with `*`", () => {
    const s = withConfig({
      redactPaths: ["orders.payment.reference", "orders.items[].note", "*.meta.*.ip", "orders.codes[]", "orders.payment.keep"],
      keepPaths: ["orders.payment.keep"],
    });
    const report = new RedactionReport();
    const out = s.sanitizeDocument("orders", {
      payment: { reference: "R-1", keep: "k", provider: "p" },
      items: [{ note: "gift", qty: 1 }, { qty: 2 }],
      meta: { a: { ip: "10.0.0.1", ua: "x" }, b: { ip: "10.0.0.2" } },
      codes: ["A", "B"],
    }, report);
    // redactPaths wins over keepPaths.
    expect(out).toEqual({ payment: { provider: "p" }, items: [{ qty: 1 }, { qty: 2 }], meta: { a: { ua: "x" }, b: {} }, codes: [] });
    expect(report.entries().map((e) => [e.path, e.kind, e.count])).toEqual([
      ["orders.codes[]", "omitted", 2],
      ["orders.items[].note", "omitted", 1],
      ["orders.meta.a.ip", "omitted", 1],
      ["orders.meta.b.ip", "omitted", 1],
      ["orders.payment.keep", "omitted", 1],
      ["orders.payment.reference", "omitted", 1],
    ]);
  });

  test("a path that names no field is refused with the setting to fix", () => {
    expect(() => withConfig({ redactPaths: ["users"] }).sanitizeDocument("users", {})).toThrow(/redaction path "users".*backupConfig/);
    expect(() => withConfig({ keepPaths: ["users..x"] }).sanitizeDocument("users", {})).toThrow(/empty key/);
  });

  test("the default redactPaths cover Convex Auth's hashed one-time secrets", () => {
    const s = new Sanitizer(REDACTION);
    expect(s.sanitizeDocument("authVerificationCodes", { code: "h", provider: "resend" })).toEqual({ provider: "resend" });
    expect(s.sanitizeDocument("products", { code: "SKU-1" })).toEqual({ code: "SKU-1" });
  });
});

describe("OMITTED_FIELDS keeps working", () => {
  test("named top-level fields of a table are removed whatever their name, and reported as omitted", () => {
    const s = new Sanitizer(REDACTION, { ...OMITTED_FIELDS, profiles: ["internalNotes"] });
    const report = new RedactionReport();
    expect(s.sanitizeDocument("profiles", { internalNotes: "n", bio: "b", nested: { internalNotes: "kept: not top-level" } }, report)).toEqual({
      bio: "b",
      nested: { internalNotes: "kept: not top-level" },
    });
    expect(report.entries()).toEqual([{ table: "profiles", path: "profiles.internalNotes", kind: "omitted", count: 1 }]);
  });

  test("the example shop's users lose passwordHash and sessionToken", () => {
    const s = new Sanitizer(REDACTION, OMITTED_FIELDS);
    expect(s.sanitizeDocument("users", { email: "a@x.io", passwordHash: "$2b$10$x", sessionToken: "abc", pincode: "400001" })).toEqual({
      email: "a@x.io",
      pincode: "400001",
    });
  });
});
