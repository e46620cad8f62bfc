// Issue 19 item 9: keys judged by meaning (the head noun and its context),
// not by letters. Secrets whose word is qualified (passwordConfirm, apiKeyV2),
// abbreviated (privKey, cardNo) or named by data ({ name, value } lists,
// tuples) are removed; ordinary data whose words only look like a secret's
// (boardingPass, mapPin, scoreCard.number, passNumber) is kept. Each case at
// several depths: top level, nested, deep, in an array, as an entry's name,
// as a tuple's first element.
import { describe, expect, test } from "vitest";
import type { Value } from "convex/values";
import { RedactionReport } from "../packages/convex-hourly-backup/src/app/sanitize";
import { sanitizeDocument } from "./support/shopRedaction";

type Doc = { [key: string]: Value };
const SECRET = "S3cr3t-Value-Qz7";

/** The field `key: value` at several places, with what the backup must hold when it is removed. */
function placements(key: string, value: Value): { label: string; doc: Doc; redacted: Doc; path: string }[] {
  const deep = (leaf: Doc): Doc => ({ a: { b: { c: { d: leaf } } } });
  return [
    { label: "top level", doc: { [key]: value, other: 1 }, redacted: { other: 1 }, path: `t.${key}` },
    { label: "nested", doc: { outer: { [key]: value, other: 1 } }, redacted: { outer: { other: 1 } }, path: `t.outer.${key}` },
    { label: "deep", doc: deep({ [key]: value, other: 1 }), redacted: deep({ other: 1 }), path: `t.a.b.c.d.${key}` },
    { label: "in an array", doc: { list: [{ [key]: value }, { other: 2 }] }, redacted: { list: [{}, { other: 2 }] }, path: `t.list[].${key}` },
    {
      label: "a name/value list",
      doc: { env: [{ name: key, value }, { name: "NODE_ENV", value: "production" }] },
      redacted: { env: [{ name: key }, { name: "NODE_ENV", value: "production" }] },
      path: "t.env[].value",
    },
    {
      label: "a list of tuples",
      doc: { settings: [[key, value, "note"], ["theme", "dark"]] },
      redacted: { settings: [["theme", "dark"]] },
      path: `t.settings[].${key}`,
    },
  ];
}

function expectRemoved(key: string, value: Value = SECRET): void {
  for (const { label, doc, redacted, path } of placements(key, value)) {
    const report = new RedactionReport();
    expect(sanitizeDocument("t", doc, report), `${key}: ${label}`).toEqual(redacted);
    expect(report.entries(), `${key}: ${label}`).toEqual([{ table: "t", path, kind: "key", count: 1 }]);
    expect(JSON.stringify(report.entries())).not.toContain(SECRET);
  }
}

function expectKept(key: string, value: Value = "ordinary data 42"): void {
  for (const { label, doc } of placements(key, value)) {
    const report = new RedactionReport();
    expect(sanitizeDocument("t", doc, report), `${key}: ${label}`).toEqual(doc);
    expect(report.entries(), `${key}: ${label}`).toEqual([]);
  }
}

describe("a secret word followed by a word saying which one is still the secret", () => {
  test.each([
    "password_confirmation", "passwordConfirm", "passwordConfirmation", "passwordOld", "password_new", "passwordRepeat",
    "apiKeyV2", "apiKeyProd", "api_key_live", "apiKeyTest", "accessTokenV2", "clientSecretProd", "pinNew", "otpPrevious",
  ])("%s", (key) => expectRemoved(key));
});

describe("abbreviations are read as what they stand for", () => {
  test.each(["privKey", "priv_key", "totpSeed", "cardNo", "card_no", "ccNumber", "cc_num", "pwHash", "dbPwd", "awsCreds"])(
    "%s",
    (key) => expectRemoved(key),
  );

  test("card.cardNo and card.no under a card are its number", () => {
    expect(sanitizeDocument("t", { card: { cardNo: "4242424242424242", brand: "visa" } })).toEqual({ card: { brand: "visa" } });
    expect(sanitizeDocument("t", { wallet: [{ card: { no: "4242424242424242", last4: "4242" } }] })).toEqual({ wallet: [{ card: { last4: "4242" } }] });
  });
});

describe("an ambiguous word takes its sense from the word before it", () => {
  test.each(["pin", "pass", "cardPin", "atmPin", "simPin", "userPass", "dbPass", "smtp_pass", "adminPin", "newPass", "pinNumber", "pinHash"])(
    "%s is a secret",
    (key) => expectRemoved(key),
  );

  test.each(["boardingPass", "seasonPass", "passNumber", "pass_no", "boardingPassNumber", "mapPin", "dropPin", "scoreCardNumber"])(
    "%s is kept",
    (key) => expectKept(key),
  );

  test("mapPin { lat, lng } is kept; pin and cardPin are removed", () => {
    const doc = { place: { mapPin: { lat: 18.52, lng: 73.85 }, label: "Office" } };
    expect(sanitizeDocument("t", doc)).toEqual(doc);
    expect(sanitizeDocument("t", { pin: "4321", cardPin: 1234, mapPin: { lat: 1, lng: 2 } })).toEqual({ mapPin: { lat: 1, lng: 2 } });
  });

  test("the parent's words decide whether number is a card number", () => {
    for (const wrap of [(x: Doc): Doc => x, (x: Doc): Doc => ({ game: { rounds: [x] } })]) {
      const scores = wrap({ scoreCard: { number: 12, holes: 18 }, reportCard: { number: "R-7" }, boardingPass: { number: "BP-12", gate: "A4" } });
      expect(sanitizeDocument("t", scores)).toEqual(scores);
      const paid = wrap({ creditCard: { number: "4242424242424242", brand: "visa" }, card: { number: "4000056655665556", last4: "5556" } });
      expect(sanitizeDocument("t", paid)).toEqual(wrap({ creditCard: { brand: "visa" }, card: { last4: "5556" } }));
    }
  });
});

describe("values named by data: { name, value } entries and tuples", () => {
  test("name/value, key/value, key/val, label/value, at the top level of a settings row too", () => {
    const docs: [Doc, Doc][] = [
      [{ env: [{ name: "DATABASE_PASSWORD", value: SECRET }] }, { env: [{ name: "DATABASE_PASSWORD" }] }],
      [{ config: { entries: [{ key: "stripeSecretKey", value: SECRET, updatedAt: 1 }] } }, { config: { entries: [{ key: "stripeSecretKey", updatedAt: 1 }] } }],
      [{ vars: [{ key: "apiKey", val: SECRET }] }, { vars: [{ key: "apiKey" }] }],
      [{ form: [{ label: "Password", value: SECRET }, { label: "Email", value: "ann@example.com" }] }, { form: [{ label: "Password" }, { label: "Email", value: "ann@example.com" }] }],
      [{ key: "OPENAI_API_KEY", value: SECRET, scope: "prod" }, { key: "OPENAI_API_KEY", scope: "prod" }],
    ];
    for (const [doc, expected] of docs) expect(sanitizeDocument("t", doc)).toEqual(expected);
  });

  test("entries with ordinary names, prose names, flags or many fields are kept", () => {
    const docs: Doc[] = [
      { env: [{ name: "NODE_ENV", value: "production" }, { name: "PASS_NUMBER", value: "B-12" }] },
      { menu: [{ name: "Reset password", value: "/account/reset" }] },
      { flags: [{ name: "password", value: true }, { key: "apiKey", value: null }] },
      { product: { name: "Password Manager Pro", value: 49, sku: "PM-1" } },
      { row: { name: "pin", value: "1", a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 } },
    ];
    for (const doc of docs) expect(sanitizeDocument("t", doc)).toEqual(doc);
  });

  test("tuples of any length whose first element names a secret go; a lone word list stays", () => {
    const doc = { args: [["apiKey", "sk_123"], ["password", "x", "y"], ["region", "eu", "west"]], tags: ["password", "reset"] };
    const report = new RedactionReport();
    expect(sanitizeDocument("t", doc, report)).toEqual({ args: [["region", "eu", "west"]], tags: ["password", "reset"] });
    expect(report.entries().map((e) => e.path)).toEqual(["t.args[].apiKey", "t.args[].password"]);
  });
});
