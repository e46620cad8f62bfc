// Secrets found by their shape inside string values, under any key: only the
// secret is replaced by "[redacted]" and the rest of the text is kept.
import { describe, expect, test } from "vitest";
import type { Value } from "convex/values";
import { MARKER, RedactionReport } from "../packages/convex-hourly-backup/src/app/sanitize";
import { sanitizeDocument } from "./support/shopRedaction";

type Doc = { [key: string]: Value };

/** The text as a field at several places: top level, nested, in an array, under a record key, deep. */
function sanitizedEverywhere(text: string): string[] {
  const docs: [Doc, (d: Doc) => Value][] = [
    [{ note: text }, (d) => d.note!],
    [{ a: { b: { note: text } } }, (d) => ((d.a as Doc).b as Doc).note!],
    [{ list: ["x", text] }, (d) => (d.list as Value[])[1]!],
    [{ byId: { "k17062b81m2wh21nddyq4yc7s57etkxv": text } }, (d) => (d.byId as Doc)["k17062b81m2wh21nddyq4yc7s57etkxv"]!],
    [{ a: { b: { c: { d: { e: { f: [[{ g: text }]] } } } } } }, (d) => (((((((d.a as Doc).b as Doc).c as Doc).d as Doc).e as Doc).f as Value[][])[0]![0] as Doc).g!],
  ];
  return docs.map(([doc, at]) => at(sanitizeDocument("t", doc)) as string);
}

/** No 8-character window of the secret survives anywhere in the output. */
function expectNoPart(out: string, secret: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) expect(out, `part "${secret.slice(i, i + 8)}"`).not.toContain(secret.slice(i, i + 8));
}

const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

// [label, secret as stored, expected text (MARKER for the secret), the secret part that must vanish]
const CASES: [string, string, string, string][] = [
  ["a JWT", JWT, MARKER, JWT],
  ["a JWT in text", `token is ${JWT}, expires soon`, `token is ${MARKER}, expires soon`, JWT],
  ["Bearer", "Bearer 9f8e7d6c5b4a3210abcd", `Bearer ${MARKER}`, "9f8e7d6c5b4a3210abcd"],
  ["Bearer + JWT in a header dump", `Authorization: Bearer ${JWT}`, `Authorization: Bearer ${MARKER}`, JWT],
  ["Basic", "Basic dXNlcjpwYXNzd29yZDEyMw==", `Basic ${MARKER}`, "dXNlcjpwYXNzd29yZDEyMw=="],
  ["Stripe sk_live_", "sk_live_51Hx9ZzQ2eXaMpLe0Rk4v7Tq", MARKER, "sk_live_51Hx9ZzQ2eXaMpLe0Rk4v7Tq"],
  ["Stripe sk_test_ in text", "use sk_test_4eC39HqLyjWDarjtT1zdp7dc here", `use ${MARKER} here`, "sk_test_4eC39HqLyjWDarjtT1zdp7dc"],
  ["Stripe rk_live_", "rk_live_51Hx9ZzQ2eXaMpLe0Rk4v7Tq", MARKER, "rk_live_51Hx9ZzQ2eXaMpLe0Rk4v7Tq"],
  ["Stripe whsec_", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", MARKER, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
  ["GitHub ghp_", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", MARKER, "16C7e42F292c6912E7710c838347Ae178B4a"],
  ["GitHub gho_", "gho_16C7e42F292c6912E7710c838347Ae178B4a", MARKER, "16C7e42F292c6912E7710c838347Ae178B4a"],
  ["GitHub github_pat_", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", MARKER, "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"],
  ["Slack xoxb-", "xoxb-2048-4096-AbCdEfGhIjKlMnOpQrSt", MARKER, "2048-4096-AbCdEfGhIjKlMnOpQrSt"],
  ["Slack xoxp-", "token xoxp-1234-5678-9012-abcdef0123456789 in text", `token ${MARKER} in text`, "1234-5678-9012-abcdef0123456789"],
  ["AWS AKIA", "AKIAIOSFODNN7EXAMPLE", MARKER, "AKIAIOSFODNN7EXAMPLE"],
  ["Google AIza", "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", MARKER, "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"],
  ["GitLab glpat-", "glpat-xxxxExAmPlE1234567890", MARKER, "xxxxExAmPlE1234567890"],
  ["npm_", "npm_abcdefghijklmnopqrstuvwxyz0123456789", MARKER, "abcdefghijklmnopqrstuvwxyz0123456789"],
  ["OpenAI sk-proj-", "sk-proj-AbCdEf0123456789_ghIJklMNopQRstUV", MARKER, "AbCdEf0123456789_ghIJklMNopQRstUV"],
  ["Anthropic sk-ant-", "sk-ant-api03-AbCdEf0123456789ghIJklMNop", MARKER, "api03-AbCdEf0123456789ghIJklMNop"],
  ["SendGrid SG.", "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", MARKER, "ngeVfQFYQlKU0ufo8x5d1A"],
  ["Hugging Face hf_", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", MARKER, "abcdefghijklmnopqrstuvwxyzABCDEFGH"],
  ["a Convex deploy key", "prod:happy-animal-123|eyJ2MiI6ImFiY2RlZmdoaWprbG1ub3AifQ==", MARKER, "eyJ2MiI6ImFiY2RlZmdoaWprbG1ub3AifQ=="],
  ["a Slack webhook URL", "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", `https://hooks.slack.com/services/${MARKER}`, "T000/B000/XXXXXXXXXXXXXXXX"],
  ["user:password in a URL", "https://admin:hunter2pw@example.com/path?q=1", `https://${MARKER}@example.com/path?q=1`, "admin:hunter2pw"],
  ["a token as a URL's user", "https://x9Fk2LmQpR7sT4vW@git.example.com/repo.git", `https://${MARKER}@git.example.com/repo.git`, "x9Fk2LmQpR7sT4vW"],
  ["?token=", "https://app.example.com/reset?token=a1b2c3d4e5f6&lang=en", `https://app.example.com/reset?token=${MARKER}&lang=en`, "a1b2c3d4e5f6"],
  ["a relative ?token=", "/verify?email=a%40b.com&token=Zq8Wv7Ut6Sr5", `/verify?email=a%40b.com&token=${MARKER}`, "Zq8Wv7Ut6Sr5"],
  ["?sig= and ?signature=", "https://cdn.example.com/f.pdf?exp=1700&sig=Qm9vbXNpZ25hdHVyZQ&signature=c2lnbmF0dXJlMg", `https://cdn.example.com/f.pdf?exp=1700&sig=${MARKER}&signature=${MARKER}`, "Qm9vbXNpZ25hdHVyZQ"],
  ["?access_token= and #access_token=", "https://x.io/cb?access_token=AbC123xYz789#access_token=DeF456uVw012", `https://x.io/cb?access_token=${MARKER}#access_token=${MARKER}`, "AbC123xYz789"],
  ["?api_key= and ?apikey= and ?key=", "https://api.example.com/v1?api_key=K1a2b3c4d5&apikey=K6e7f8g9h0&key=K9z8y7x6w5", `https://api.example.com/v1?api_key=${MARKER}&apikey=${MARKER}&key=${MARKER}`, "K6e7f8g9h0"],
  ["an S3 presigned URL", "https://b.s3.amazonaws.com/k.png?X-Amz-Credential=AKIDEXAMPLE%2F20240101&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024", `https://b.s3.amazonaws.com/k.png?X-Amz-Credential=${MARKER}&X-Amz-Signature=${MARKER}`, "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"],
  ["postgres://user:pass@", "postgres://app:s3cr3tPW@db.example.com:5432/shop?sslmode=require", `postgres://${MARKER}@db.example.com:5432/shop?sslmode=require`, "app:s3cr3tPW"],
  ["a password holding @ and /", "postgresql://app:p@ss/w0rd!@db.example.com:5432/shop", `postgresql://${MARKER}@db.example.com:5432/shop`, "p@ss/w0rd!"],
  ["mongodb+srv://", "mongodb+srv://reader:Mongo%40Pass9@cluster0.ab1cd.mongodb.net/db?retryWrites=true", `mongodb+srv://${MARKER}@cluster0.ab1cd.mongodb.net/db?retryWrites=true`, "Mongo%40Pass9"],
  ["redis://:pass@", "redis://:r3d1sPassw0rd@cache.internal:6379/0", `redis://${MARKER}@cache.internal:6379/0`, "r3d1sPassw0rd"],
  ["a connection string in text", "DATABASE_URL=mysql://root:Tr0ub4dor@10.0.0.5:3306/app", `DATABASE_URL=mysql://${MARKER}@10.0.0.5:3306/app`, "Tr0ub4dor"],
  ["an ADO.NET connection string", "Server=db;Database=shop;User Id=app;Password=Adm1nPw!;", `Server=db;Database=shop;User Id=app;Password=${MARKER};`, "Adm1nPw!"],
  ["an Azure storage connection string", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=bXlrZXlteWtleW15a2V5bXlrZXk=;EndpointSuffix=core.windows.net", `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${MARKER};EndpointSuffix=core.windows.net`, "bXlrZXlteWtleW15a2V5bXlrZXk="],
  ["a form body", "user=ann&password=hunter2pw&remember=1", `user=ann&password=${MARKER}&remember=1`, "hunter2pw"],
  ["a PEM private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq9\nZxYwVu==\n-----END RSA PRIVATE KEY-----", MARKER, "MIIEowIBAAKCAQEA7bq9"],
  ["a PEM key in text", "key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\nend", `key:\n${MARKER}\nend`, "b3BlbnNzaC1rZXktdjEAAAAA"],
  ["a PEM key without its END line", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC", MARKER, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"],
  ["JSON pairs inside log text", 'request {"user": "ann", "password": "hunter2pw", "pin": 4321} done', `request {"user": "ann", "password": "${MARKER}", "pin": "${MARKER}"} done`, "hunter2pw"],
];

describe("secret shapes in values are replaced, the rest of the text kept", () => {
  test.each(CASES)("%s", (_label, stored, expected, secret) => {
    for (const out of sanitizedEverywhere(stored)) {
      expect(out).toBe(expected);
      expectNoPart(out, secret);
    }
  });

  test("masking is stable: a sanitized text is sanitized to itself", () => {
    for (const [, stored] of CASES) {
      const once = sanitizeDocument("t", { note: stored });
      expect(sanitizeDocument("t", once)).toBe(once);
    }
  });
});

describe("JSON held in a string is sanitized as the value it encodes", () => {
  test("secret-named keys are removed at any depth; the rest is kept", () => {
    const json = JSON.stringify({ user: "ann", password: "hunter2pw", profile: { apiKey: "k-123", city: "Pune" }, list: [{ token: "t-1", n: 1 }] });
    const out = sanitizeDocument("t", { payload: json, nested: { raw: json } });
    const expected = { user: "ann", profile: { city: "Pune" }, list: [{ n: 1 }] };
    expect(JSON.parse(out.payload as string)).toEqual(expected);
    expect(JSON.parse((out.nested as Doc).raw as string)).toEqual(expected);
  });

  test("shapes inside JSON strings, and JSON encoded twice", () => {
    const inner = JSON.stringify({ url: "https://u:pw123456@h.io/x", ok: true });
    const out = sanitizeDocument("t", { twice: JSON.stringify(inner) });
    expect(JSON.parse(JSON.parse(out.twice as string) as string)).toEqual({ url: `https://${MARKER}@h.io/x`, ok: true });
  });

  test("JSON without secrets keeps its exact text (no re-formatting)", () => {
    const text = '{ "a": 1.0,  "b": [1, 2] }';
    expect(sanitizeDocument("t", { text }).text).toBe(text);
  });

  test("JSON nested too deep to parse is still scanned as text", () => {
    const text = "[".repeat(500) + '{"password": "hunter2pw"}' + "]".repeat(500);
    const out = sanitizeDocument("t", { text }).text as string;
    expect(out).not.toContain("hunter2pw");
    expect(out).toContain(`"password": "${MARKER}"`);
  });
});

describe("look-alikes are kept", () => {
  const KEPT = [
    "https://cdn.example.com/p/1/1.jpg",
    "https://example.com/a?page=2&sort=asc#top",
    "ssh://git@github.com/org/repo.git",
    "postgres://app@db.example.com:5432/shop",
    "Contact ann@example.com or visit https://example.com",
    "Basic plan, Bearer tokens explained",
    "Basic authentication-based login",
    "pk_live_51Hx9ZzQ2eXaMpLe0Rk4v7Tq",
    "sk_live_short",
    "eyJhbGciOiJIUzI1NiJ9",
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
    "https://api.example.com/chat?maxTokens=1000&model=gpt",
    "a=1&b=2",
    '{"tokens": 12, "model": "x"}',
    "The password must be 12 characters long.",
    "$2b$10$ is a bcrypt prefix",
    "Skirt SK-RED-2024-XL",
    "+919000000001",
  ];
  test.each(KEPT)("%s", (text) => {
    const report = new RedactionReport();
    expect(sanitizeDocument("t", { text, list: [text] }, report)).toEqual({ text, list: [text] });
    expect(report.entries()).toEqual([]);
  });
});

test("a record key that is itself a secret is removed", () => {
  const doc = { byKey: { sk_live_51Hx9ZzQ2eXaMpLe0Rk4v7Tq: { plan: "pro" }, ordinary: { plan: "free" } } };
  const report = new RedactionReport();
  expect(sanitizeDocument("t", doc, report)).toEqual({ byKey: { ordinary: { plan: "free" } } });
  // The key is identifier-like, but a token: reported as `*`, never written out.
  expect(report.entries()).toEqual([{ table: "t", path: "t.byKey.*", kind: "value", count: 1 }]);
});

test("work per string is bounded: 1 MiB of adversarial text takes well under a second each", () => {
  const MiB = 1024 * 1024;
  const texts = {
    letters: "a".repeat(MiB),
    eyJ: "eyJ".repeat(MiB / 3),
    jwtish: "eyJabcd.".repeat(MiB / 8),
    prefixes: "sk_live_".repeat(MiB / 8),
    urls: "x://a:b".repeat(MiB / 7),
    params: "?a=b&".repeat(MiB / 5),
    quotes: '"a":'.repeat(MiB / 4),
    escaped: '"k":"' + '\\"k\\":\\"'.repeat(MiB / 8),
    bearer: "Bearer ".repeat(MiB / 7),
    pem: "-----BEGIN PRIVATE KEY-----".repeat(MiB / 27),
    deepJson: "[".repeat(MiB / 2) + "]".repeat(MiB / 2),
  };
  for (const [name, text] of Object.entries(texts)) {
    const start = performance.now();
    sanitizeDocument("t", { text });
    // Linear: a few hundred ms at worst on a loaded CI core; a blowup would take minutes.
    expect(performance.now() - start, name).toBeLessThan(3_000);
  }
});
