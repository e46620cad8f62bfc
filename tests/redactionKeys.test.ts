// Redaction by what a key names: every secret key of issue 11 is removed and
// every ordinary key is kept, at several depths, in arrays and in records.
import { describe, expect, test } from "vitest";
import type { Value } from "convex/values";
import { RedactionReport, Sanitizer } from "../packages/convex-hourly-backup/src/app/sanitize";
import { isSecretKey, sanitizeDocument } from "./support/shopRedaction";
import { REDACTION } from "../convex/backupConfig";

type Doc = { [key: string]: Value };
const SECRET_VALUE = "S3cr3t-Value-Qz7";

/** The same field at several places: top level, nested, deep, in an array, under a record key that is data. */
function placements(key: string, value: Value): { doc: Doc; path: string; at: (doc: Doc) => Doc }[] {
  const deep = (leaf: Doc): Doc => ({ a: { b: { c: { d: { e: { f: { g: leaf } } } } } } });
  return [
    { doc: { [key]: value, other: 1 }, path: `t.${key}`, at: (d) => d },
    { doc: { outer: { [key]: value, other: 1 } }, path: `t.outer.${key}`, at: (d) => d.outer as Doc },
    { doc: deep({ [key]: value, other: 1 }), path: `t.a.b.c.d.e.f.g.${key}`, at: (d) => ((((((d.a as Doc).b as Doc).c as Doc).d as Doc).e as Doc).f as Doc).g as Doc },
    { doc: { list: [{ [key]: value, other: 1 }, { other: 2 }] }, path: `t.list[].${key}`, at: (d) => (d.list as Doc[])[0]! },
    { doc: { byEmail: { "ann@example.com": { [key]: value, other: 1 } } }, path: `t.byEmail.*.${key}`, at: (d) => (d.byEmail as Doc)["ann@example.com"] as Doc },
  ];
}

function reportPath(key: string, path: string): string {
  // A key that is not identifier-like is reported as `*`.
  return /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key) ? path : path.slice(0, path.length - key.length) + "*";
}

function expectRemoved(key: string, value: Value = SECRET_VALUE): void {
  for (const { doc, path, at } of placements(key, value)) {
    const report = new RedactionReport();
    const out = sanitizeDocument("t", doc, report);
    expect(at(out), `${key} at ${path}`).toEqual({ other: 1 });
    expect(report.entries(), `${key} at ${path}`).toEqual([{ table: "t", path: reportPath(key, path), kind: "key", count: 1 }]);
  }
}

function expectKept(key: string, value: Value = "ordinary data 42"): void {
  for (const { doc, path } of placements(key, value)) {
    const report = new RedactionReport();
    expect(sanitizeDocument("t", doc, report), `${key} at ${path}`).toEqual(doc);
    expect(report.entries(), `${key} at ${path}`).toEqual([]);
  }
}

const SECRET_KEYS = [
  "sessionToken", "api_key", "api key", "apiKey", "APIKey", "API_KEY", "x-api-key", "stripeApiKey", "apikey",
  "passwordHash", "password_hash", "passwordhash", "password", "Password", "newPassword", "encrypted_password",
  "password_digest", "pwd", "passwd", "pass", "passphrase", "passPhrase", "salt", "passwordSalt", "otp", "otpCode",
  "totp", "totpSecret", "pin", "pinHash", "pinNumber", "jwt", "JWTSecret", "bearer", "bearerToken", "signingKey",
  "webhookSigningKey", "encryptionKey", "hmacKey", "privateKey", "private_key", "private.key", "privateKeyPem",
  "recoveryCodes", "backup_codes", "mnemonic", "seedPhrase", "seed_phrase", "socialSecurityNumber", "ssn", "userSSN",
  "iban", "IBAN", "connectionString", "connection_string", "clientSecret", "client_secret", "secret",
  "AWS_SECRET_ACCESS_KEY", "accessToken", "access-token", "refreshToken", "id_token", "csrfToken", "cookie", "Cookie",
  "cookies", "Set-Cookie", "authorization", "Authorization", "authorizationHeader", "cvv", "CVV2", "cvc",
  "cardNumber", "card_number", "card number", "cardToken", "credentials", "credential", "secretKey", "accessKey",
  "DATABASE_PASSWORD", "githubToken",
];

const KEPT_KEYS = [
  "className", "businessName", "addressNumber", "processName", "grossNetAmount", "tokenizer", "tokenCount",
  "cookieConsent", "authorizationStatus", "passwordChangedAt", "passwordUpdatedAt", "secretary",
  "credentialsExpireAt", "tokenType", "tokenExpiresAt", "pinned", "isPinned", "pinCode", "pincode", "pin_code",
  "saltLevel", "saltRounds", "keyboard", "monkey", "turkey", "key", "keys", "publicKey", "primaryKey", "sortKey",
  "cacheKey", "hash", "contentHash", "zipCode", "phoneNumber", "number", "code", "bypass", "compass", "passport",
  "passed", "hairpin", "basalt", "keyword", "seed", "signature", "last4", "brand", "accessKeyId", "privateKeyId",
  "secretName", "otpExpiresAt", "otpAttempts", "cvc_check", "catchPhrase", "sessionId", "email", "name",
];

describe("keys that name a secret are removed", () => {
  test.each(SECRET_KEYS)("%s", (key) => expectRemoved(key));

  test("whatever the value: numbers, objects, arrays, bytes", () => {
    expectRemoved("pin", 1234);
    expectRemoved("otp", 123456);
    expectRemoved("cvv", 123);
    expectRemoved("ssn", 123456789n);
    expectRemoved("credentials", { user: "u", secret: "s" });
    expectRemoved("recoveryCodes", ["a1b2", "c3d4"]);
    expectRemoved("privateKey", new ArrayBuffer(8));
  });

  test("booleans and null are kept: one bit is no secret (hasPassword, otp: null)", () => {
    expectKept("hasPassword", true);
    expectKept("password", false);
    expectKept("otp", null);
    expectKept("totp_enabled", true);
  });
});

describe("ordinary keys are kept", () => {
  test.each(KEPT_KEYS)("%s", (key) => expectKept(key));
});

describe("counting words: tokens holding numbers are counts, holding strings are secrets", () => {
  test.each(["totalTokens", "promptTokens", "maxTokens", "completion_tokens", "tokens", "inputTokens"])(
    "%s holding a number is kept",
    (key) => expectKept(key, 1234),
  );

  test("messages[].tokens holding numbers is kept; holding strings, the strings go", () => {
    const chat = { messages: [{ role: "user", tokens: 12 }, { role: "assistant", tokens: 30 }] };
    expect(sanitizeDocument("chats", chat)).toEqual(chat);
    const report = new RedactionReport();
    const leaked = { messages: [{ role: "user", tokens: "tok-abc" }, { role: "user", tokens: ["a1", 3, "b2"] }] };
    expect(sanitizeDocument("chats", leaked, report)).toEqual({ messages: [{ role: "user" }, { role: "user", tokens: [3] }] });
    expect(report.entries()).toEqual([
      { table: "chats", path: "chats.messages[].tokens", kind: "key", count: 1 },
      { table: "chats", path: "chats.messages[].tokens[]", kind: "key", count: 2 },
    ]);
  });

  test("a counting key holding an object keeps its numbers and loses its strings", () => {
    const usage = { usage: { tokens: { input: 10, output: 20, cached: null, note: "leak" } } };
    expect(sanitizeDocument("t", usage)).toEqual({ usage: { tokens: { input: 10, output: 20, cached: null } } });
  });

  test("a token named for what it grants is removed even as a number", () => {
    expectRemoved("sessionToken", 123456);
    expectRemoved("resetToken", 9876);
  });
});

describe("a card's number and cvc, by context", () => {
  const card = { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2030 };
  test.each(["card", "paymentCard", "creditCard", "debit_card", "cardDetails", "card_info"])(
    "under %s: number and cvc go, brand, last4 and expiry stay",
    (parent) => {
      for (const wrap of [
        (c: Doc): Doc => ({ [parent]: c }),
        (c: Doc): Doc => ({ payment: { method: { [parent]: c } } }),
        (c: Doc): Doc => ({ wallet: [{ [parent]: c }] }),
      ]) {
        const doc = wrap({ ...card, number: "4242424242424242", cvc: "123", pin: 1234 });
        expect(sanitizeDocument("orders", doc)).toEqual(wrap(card));
      }
    },
  );

  test("cards[] elements are card-like too, and a card number held directly is removed", () => {
    expect(sanitizeDocument("t", { cards: [{ number: 4242424242424242, brand: "visa" }] })).toEqual({ cards: [{ brand: "visa" }] });
    expect(sanitizeDocument("t", { creditCard: "4111 1111 1111 1111", card: "visa" })).toEqual({ card: "visa" });
  });

  test("number elsewhere is data", () => {
    const doc = { address: { number: 12, street: "Main" }, invoice: { number: "INV-1" }, house: { code: "A" } };
    expect(sanitizeDocument("t", doc)).toEqual(doc);
  });
});

describe("lists of [name, value] pairs are judged like fields", () => {
  test("headers: [[Authorization, ...]] loses the secret pairs, at any depth", () => {
    const headers = [["Authorization", "opaque-value"], ["Content-Type", "application/json"], ["cookie", "a=1"], ["X-Api-Key", "k"]];
    const places: [(h: Value) => Doc, string][] = [
      [(h) => ({ headers: h }), "t.headers"],
      [(h) => ({ log: [{ request: { headers: h } }] }), "t.log[].request.headers"],
    ];
    for (const [wrap, prefix] of places) {
      const report = new RedactionReport();
      expect(sanitizeDocument("t", wrap(headers), report)).toEqual(wrap([["Content-Type", "application/json"]]));
      // "X-Api-Key" is not identifier-like: reported as `*`.
      expect(report.entries().map((e) => e.path).sort()).toEqual(
        [`${prefix}[].Authorization`, `${prefix}[].*`, `${prefix}[].cookie`].sort(),
      );
    }
  });

  test("a pair list without secret names is untouched; a 2-string tag list is not a pair list", () => {
    const doc = { headers: [["Accept", "text/html"]], tags: ["password", "reset"] };
    expect(sanitizeDocument("t", doc)).toEqual(doc);
  });
});

test("system fields are never touched", () => {
  const doc = { _id: "k17062b81m2wh21nddyq4yc7s57etkxv", _creationTime: 1745781566779.2563, name: "x" };
  expect(sanitizeDocument("users", doc)).toBe(doc);
});

test("an unchanged document is returned as it is (no copy)", () => {
  const doc = { a: { b: [1, { c: "text" }] } };
  expect(sanitizeDocument("t", doc)).toBe(doc);
});

test("key words: camelCase, snake_case, kebab-case, spaces, dots, digits, acronyms, glued words", () => {
  const s = new Sanitizer(REDACTION);
  expect(s.keyWords("APIKey")).toEqual(["api", "key"]);
  expect(s.keyWords("x-api-key")).toEqual(["x", "api", "key"]);
  expect(s.keyWords("private.key")).toEqual(["private", "key"]);
  expect(s.keyWords("card number")).toEqual(["card", "number"]);
  expect(s.keyWords("oauth2AccessToken")).toEqual(["oauth", "access", "token"]);
  expect(s.keyWords("CVV2")).toEqual(["cvv"]);
  expect(s.keyWords("passwordhash")).toEqual(["password", "hash"]);
  expect(s.keyWords("githubtoken")).toEqual(["github", "token"]);
  expect(s.keyWords("recoveryCodes")).toEqual(["recovery", "code"]);
  expect(s.keyWords("secretary")).toEqual(["secretary"]);
  expect(s.keyWords("bypass")).toEqual(["bypass"]);
  expect(isSecretKey("apiKey")).toBe(true);
  expect(isSecretKey("tokenCount")).toBe(false);
});
