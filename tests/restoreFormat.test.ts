// The two things a restore ZIP must get exactly right for `npx convex import`:
// values in Convex's export JSON, and table numbers decoded from real ids.
// Expected strings come from convex-backend's own tests and a public export
// (crates/value/src/export.rs export_lossless_*; id_v6.rs; convex-facts.md).
import { describe, expect, test } from "vitest";
import { parse } from "lossless-json";
import { convexToJson, type Value } from "convex/values";
import { formatEncodedJson, formatExportValue, formatFloat } from "../packages/convex-hourly-backup/src/cli/restore/exportJson";
import { decodeTableNumber, tableNumberOfId, TableNumbering } from "../packages/convex-hourly-backup/src/cli/restore/documentIds";
import { randomSource } from "../harness/shopData";
import { convexValueText, exportJsonToConvex } from "./support/exportReader";

describe("export JSON values", () => {
  test.each([
    [3, "3.0"],
    [0, "0.0"],
    [-0, "-0.0"],
    [0.1, "0.1"],
    [-2.5, "-2.5"],
    [1745781566782, "1745781566782.0"],
    [1745781566779.2563, "1745781566779.2563"],
    [1e15, "1000000000000000.0"],
    [1e16, "1e16"],
    [123456789012345680000, "1.2345678901234568e20"],
    [1e21, "1e21"],
    [0.00001, "0.00001"],
    [1e-6, "1e-6"],
    [1.5e-7, "1.5e-7"],
    [5e-324, "5e-324"],
    [2.2250738585072014e-308, "2.2250738585072014e-308"],
    [-Number.MAX_VALUE, "-1.7976931348623157e308"],
    [Infinity, '{"$float":"AAAAAAAA8H8="}'],
    [-Infinity, '{"$float":"AAAAAAAA8P8="}'],
    [NaN, '{"$float":"AAAAAAAA+H8="}'],
  ])("float %s is written %s", (value, text) => {
    expect(formatFloat(value)).toBe(text);
  });

  test("every finite float keeps a point or exponent and reads back to the same double", () => {
    const rand = randomSource(7);
    const view = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 20_000; i++) {
      view.setUint32(0, Math.floor(rand() * 2 ** 32));
      view.setUint32(4, Math.floor(rand() * 2 ** 32));
      const x = i % 2 === 0 ? view.getFloat64(0) : Math.round(rand() * 10 ** (i % 20)) / 10 ** (i % 7);
      if (!Number.isFinite(x)) continue;
      const text = formatFloat(x);
      expect(text).toMatch(/^-?\d+(\.\d+)?(e-?\d+)?$/);
      expect(text).toMatch(/[.e]/);
      expect(Object.is(Number(text), x), `${x} -> ${text}`).toBe(true);
    }
  });

  test("a document: keys in byte order, Int64 bare, bytes as $bytes, strings escaped as serde_json does", () => {
    const doc = {
      b: 1n,
      B: -9223372036854775808n,
      _id: "x",
      a: [9223372036854775807n, 3, { z: new Uint8Array([0, 16, 131]).buffer, y: null }],
      s: 'é😀\u0001\n"\\/\u2028',
      e: "",
      o: {},
      l: [],
      t: true,
    };
    expect(formatExportValue(doc)).toBe(
      '{"B":-9223372036854775808,"_id":"x","a":[9223372036854775807,3.0,{"y":null,"z":{"$bytes":"ABCD"}}],' +
        '"b":1,"e":"","l":[],"o":{},"s":"é😀\\u0001\\n\\"\\\\/\u2028","t":true}',
    );
  });

  test("the test-side reader reads back every value the formatter writes", () => {
    const values: Value[] = [
      { n: -0, f: 3, i: 3n, nan: NaN, inf: -Infinity, big: 2n ** 63n - 1n, b: new ArrayBuffer(0), nested: [[{ a: [] }]], u: "𝄞" },
      [1e21, 5e-324, -1e-7, 0.1, -(2n ** 63n)],
    ];
    for (const value of values) {
      expect(convexValueText(exportJsonToConvex(parse(formatExportValue(value))))).toBe(convexValueText(value));
    }
  });
});

test("a stored document formats the same from its encoded JSON as from its decoded value", () => {
  const values: Value[] = [
    { n: -0, f: 3, i: 3n, nan: NaN, inf: -Infinity, pinf: Infinity, big: 2n ** 63n - 1n, small: -(2n ** 63n) },
    { b: new ArrayBuffer(0), bytes: new Uint8Array([0, 255, 7]).buffer, nested: [[{ a: [] }]], u: "𝄞", Z: 1, "a b": 2 },
    [1e21, 1e16, 1e15 - 1, 5e-324, -1e-7, 1e-5, 0.0001, 0.1, 123456.789, -(2n ** 63n), null, true, ""],
  ];
  for (const value of values) {
    expect(formatEncodedJson(JSON.parse(JSON.stringify(convexToJson(value))))).toBe(formatExportValue(value));
  }
});

describe("table numbers from document ids", () => {
  test.each([
    ["k17062b81m2wh21nddyq4yc7s57etkxv", 10008],
    ["jx78a01hsfsf7ckt7kaargv9ws7edyfv", 10007],
    ["k9725mndz2ce7erp6ydnt2razs7ecgvh", 10010],
    ["z43zp6c3e75gkmz1kfwj6mbbx5sw281h", 1017],
  ])("%s carries table %i", (id, number) => {
    expect(decodeTableNumber(id)).toBe(number);
  });

  test("a corrupted, truncated or mistyped id is rejected with a clear error", () => {
    expect(() => decodeTableNumber("k17062b81m2wh21nddyq4yc7s57etkxw")).toThrow(
      '"k17062b81m2wh21nddyq4yc7s57etkxw" is not a valid Convex document id: its checksum does not match (corrupted or mistyped).',
    );
    expect(() => decodeTableNumber("k17062b81m2wh21nddyq4yc7s57etkx")).toThrow(/not a valid Convex document id/);
    expect(() => decodeTableNumber("k17062b81m2wh21nddyq4yc7s57etkxvv")).toThrow(/not a valid Convex document id/);
    expect(() => decodeTableNumber("k17062b81m2wh21nddyq4yc7s57etkxu")).toThrow(/character "u" at 31 is not base32/);
  });

  test("convex-test's ids carry no number, even for a table whose name looks like base32", () => {
    expect(tableNumberOfId("0000000000000000000000000001users", "users")).toBeNull();
    expect(tableNumberOfId("000000000000000000000000012events", "events")).toBeNull();
    expect(() => tableNumberOfId("000000000000000000000000012events", "users")).toThrow(/not a valid Convex document id/);
  });

  test("numbering: decoded numbers kept, free numbers from 10001 for the rest, conflicts refused", () => {
    const numbering = new TableNumbering();
    numbering.observe("a", "k17062b81m2wh21nddyq4yc7s57etkxv");
    numbering.observe("b", "001b");
    numbering.observe("c", "001c");
    expect([
      ...numbering.assign([
        { table: "a", sampleId: null },
        { table: "b", sampleId: null },
        { table: "c", sampleId: null },
        { table: "empty", sampleId: "jx78a01hsfsf7ckt7kaargv9ws7edyfv" },
      ]),
    ]).toEqual([
      ["a", 10008],
      ["empty", 10007],
      ["b", 10001],
      ["c", 10002],
    ]);
    expect(() => numbering.observe("a", "jx78a01hsfsf7ckt7kaargv9ws7edyfv")).toThrow(
      /Table "a" holds ids of different tables/,
    );
    expect(() => numbering.observe("b", "k9725mndz2ce7erp6ydnt2razs7ecgvh")).toThrow(/no table number/);
    const clash = new TableNumbering();
    clash.observe("x", "k17062b81m2wh21nddyq4yc7s57etkxv");
    clash.observe("y", "k17062b81m2wh21nddyq4yc7s57etkxv");
    expect(() => clash.assign([{ table: "x", sampleId: null }, { table: "y", sampleId: null }])).toThrow(
      /both carry table number 10008/,
    );
  });
});
