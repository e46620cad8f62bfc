// Issue 19 item 9: secrets named inside text (.env lines after the first,
// YAML "password:" lines, Authorization headers of any scheme) lose their
// value and nothing else; a PEM private key held as bytes is removed. Each
// case at several depths, and ordinary text that looks alike is kept.
import { describe, expect, test } from "vitest";
import type { Value } from "convex/values";
import { MARKER, RedactionReport } from "../packages/convex-hourly-backup/src/app/sanitize";
import { sanitizeDocument } from "./support/shopRedaction";

type Doc = { [key: string]: Value };

/** The value at several places, and how to read it back from the sanitized document. */
const PLACES: [string, (v: Value) => Doc, (d: Doc) => Value | undefined, string][] = [
  ["top level", (v) => ({ note: v }), (d) => d.note, "t.note"],
  ["nested", (v) => ({ a: { b: { note: v } } }), (d) => ((d.a as Doc).b as Doc).note, "t.a.b.note"],
  ["in an array", (v) => ({ list: ["x", v] }), (d) => (d.list as Value[])[1], "t.list[]"],
  ["a name/value list", (v) => ({ files: [{ name: "config", value: v }] }), (d) => ((d.files as Doc[])[0] as Doc).value, "t.files[].value"],
];

// [label, text as stored, text the backup keeps, the secret]
const MASKED: [string, string, string, string][] = [
  [".env after its first line", "FOO=1\nDB_PASSWORD=hunter2", `FOO=1\nDB_PASSWORD=${MARKER}`, "hunter2"],
  [".env: export, quotes, # and & in the value", "NODE_ENV=production\nexport API_KEY='k#1&2 x'\nPORT=3000", `NODE_ENV=production\nexport API_KEY=${MARKER}\nPORT=3000`, "k#1&2 x"],
  [".env: the first line of several", "STRIPE_SECRET_KEY=abc#def\nPORT=3000", `STRIPE_SECRET_KEY=${MARKER}\nPORT=3000`, "abc#def"],
  ["YAML password: line", "host: db\npassword: hunter2\n", `host: db\npassword: ${MARKER}\n`, "hunter2"],
  ["nested YAML", "db:\n  host: db.internal\n  password: \"p4ss w0rd\"\n  port: 5432", `db:\n  host: db.internal\n  password: ${MARKER}\n  port: 5432`, "p4ss w0rd"],
  ["a YAML list item", "users:\n  - name: ann\n  - apiKey: abc123xyz", `users:\n  - name: ann\n  - apiKey: ${MARKER}`, "abc123xyz"],
  ["a one-line YAML pair", "password: hunter2", `password: ${MARKER}`, "hunter2"],
  ["Authorization: Token", "Authorization: Token abc123def", `Authorization: Token ${MARKER}`, "abc123def"],
  ["Authorization in a header dump", "Host: api.example.com\nAuthorization: Digest-ish Zk9xQ2\nAccept: */*", `Host: api.example.com\nAuthorization: Digest-ish ${MARKER}\nAccept: */*`, "Zk9xQ2"],
  ["Authorization in a curl command", 'curl -H "Authorization: ApiKey k_9f8e7d" https://api.example.com', `curl -H "Authorization: ApiKey ${MARKER}" https://api.example.com`, "k_9f8e7d"],
  ["Authorization without a scheme", "Authorization: 9f8e7d6c5b4a", `Authorization: ${MARKER}`, "9f8e7d6c5b4a"],
  ["a header dump's other secrets", "X-Api-Key: abc123\nCookie: sid=xyz789\nUser-Agent: curl", `X-Api-Key: ${MARKER}\nCookie: ${MARKER}\nUser-Agent: curl`, "xyz789"],
  ["prose around a secret line", "Hi team,\nthe new credentials:\npassword: hunter2\nThanks: Ann", `Hi team,\nthe new credentials:\npassword: ${MARKER}\nThanks: Ann`, "hunter2"],
];

describe("secret lines lose their value, the rest of the text is kept", () => {
  test.each(MASKED)("%s", (_label, stored, expected, secret) => {
    for (const [place, wrap, read, path] of PLACES) {
      const report = new RedactionReport();
      const out = sanitizeDocument("t", wrap(stored), report);
      expect(read(out), place).toBe(expected);
      expect(report.entries(), place).toEqual([{ table: "t", path, kind: "value", count: 1 }]);
      expect(JSON.stringify(report.entries())).not.toContain(secret);
      // Stable: the backup's text is sanitized to itself.
      expect(sanitizeDocument("t", out)).toBe(out);
    }
  });
});

const KEPT = [
  "Hello, I forgot my password. Can you help?\nThanks: Ann",
  "FOO=1\nPASS_NUMBER=B-12\nBOARDING_PASS=seat 12A",
  "mapPin: 18.52,73.85\nlabel: Office",
  "Note: the password must be 12 characters long.",
  "a=1\nb=2",
  "Time: 12:30\nhttps://example.com/a?page=2",
  "password reset requested\nstatus: sent",
];

describe("ordinary text is kept", () => {
  test.each(KEPT)("%s", (text) => {
    for (const [place, wrap] of PLACES) {
      const report = new RedactionReport();
      const doc = wrap(text);
      expect(sanitizeDocument("t", doc, report), place).toEqual(doc);
      expect(report.entries(), place).toEqual([]);
    }
  });
});

describe("a PEM private key held as bytes", () => {
  const encode = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;
  const KEY = "MIIEowIBAAKCAQEA7bq9ZxYwVu";
  const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${KEY}==\n-----END RSA PRIVATE KEY-----\n`;

  test("a key file's text keeps everything but the key, at every depth", () => {
    for (const [place, wrap, read, path] of PLACES) {
      const report = new RedactionReport();
      const out = sanitizeDocument("t", wrap(encode(`# deploy key\n${PEM}`)), report);
      const bytes = read(out);
      expect(bytes, place).toBeInstanceOf(ArrayBuffer);
      expect(new TextDecoder().decode(bytes as ArrayBuffer), place).toBe(`# deploy key\n${MARKER}\n`);
      expect(report.entries(), place).toEqual([{ table: "t", path, kind: "value", count: 1 }]);
    }
  });

  test("binary bytes around a key are removed whole", () => {
    const binary = new Uint8Array([0xff, 0xfe, 0x00, ...new TextEncoder().encode(PEM), 0x80]);
    const report = new RedactionReport();
    expect(sanitizeDocument("t", { blob: binary.buffer, name: "k" }, report)).toEqual({ name: "k" });
    expect(report.entries()).toEqual([{ table: "t", path: "t.blob", kind: "value", count: 1 }]);
  });

  test("other bytes are kept as they are (no copy): a public key, an image, dashes", () => {
    const pub = encode("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n");
    const image = new Uint8Array(4096).map((_, i) => (i * 37) % 256).buffer;
    const dashes = encode("-----BEGIN-----".repeat(100));
    const doc = { pub, image, dashes, list: [pub] };
    expect(sanitizeDocument("t", doc)).toBe(doc);
  });
});
