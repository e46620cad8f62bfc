// Convex document ids and the table numbers they carry.
//
// A real id is the base32 text (alphabet 0123456789abcdefghjkmnpqrstvwxyz) of
//   [VInt(table number)] [16-byte internal id] [2-byte footer]
// where footer = fletcher16(everything before it) XOR version 0, little-endian
// (convex-backend, crates/value/src/id_v6.rs and base32.rs). `npx convex
// import` puts each id in the table its number names, so a restore ZIP must
// give every table, in `_tables/documents.jsonl`, the number its ids carry.
//
// convex-test's ids are not real: `<zero-padded counter><table name>`. They
// carry no number, and the restore assigns one.

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const INTERNAL_ID_BYTES = 16;
const FOOTER_BYTES = 2;
const VERSION = 0;
const MIN_LENGTH = base32Length(1 + INTERNAL_ID_BYTES + FOOTER_BYTES);
const MAX_LENGTH = base32Length(5 + INTERNAL_ID_BYTES + FOOTER_BYTES);
/** Where restore numbers tables whose ids carry none (as Convex numbers user tables). */
export const FIRST_ASSIGNED_TABLE_NUMBER = 10_001;

export class InvalidDocumentIdError extends Error {
  constructor(id: string, reason: string) {
    super(`"${id}" is not a valid Convex document id: ${reason}.`);
    this.name = "InvalidDocumentIdError";
  }
}

function base32Length(bytes: number): number {
  return Math.floor(bytes / 5) * 8 + [0, 2, 4, 5, 7][bytes % 5]!;
}

/** Character code -> base32 digit, -1 for any other character (every document's id is decoded). */
const DIGITS = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i;

function base32Decode(id: string): Uint8Array {
  const out = new Uint8Array(Math.floor((id.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let position = 0;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    const value = code < 128 ? DIGITS[code]! : -1;
    if (value < 0) throw new InvalidDocumentIdError(id, `character "${String.fromCodePoint(id.codePointAt(i)!)}" at ${[...id.slice(0, i)].length} is not base32`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (position < out.length) out[position++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}

function fletcher16(bytes: Uint8Array): number {
  let c0 = 0;
  let c1 = 0;
  for (const byte of bytes) {
    c0 = (c0 + byte) & 0xff;
    c1 = (c1 + c0) & 0xff;
  }
  return (c1 << 8) | c0;
}

/** The table number of a real Convex id; throws InvalidDocumentIdError when the id is malformed or corrupted. */
export function decodeTableNumber(id: string): number {
  if (id.length < MIN_LENGTH || id.length > MAX_LENGTH) {
    throw new InvalidDocumentIdError(id, `length ${id.length} is outside ${MIN_LENGTH}..${MAX_LENGTH}`);
  }
  const bytes = base32Decode(id);
  // Stricter than the backend: an id Convex wrote is always its bytes' canonical encoding.
  if (base32Length(bytes.length) !== id.length) {
    throw new InvalidDocumentIdError(id, `length ${id.length} is not that of an encoded id`);
  }
  let tableNumber = 0;
  let position = 0;
  for (;; position++) {
    if (position >= 5) throw new InvalidDocumentIdError(id, "its table number is too large");
    const byte = bytes[position]!;
    tableNumber += (byte & 0x7f) * 2 ** (7 * position);
    if (byte < 0x80) break;
  }
  position += 1;
  if (tableNumber === 0 || tableNumber > 0xffffffff) throw new InvalidDocumentIdError(id, "its table number is invalid");
  const footerAt = position + INTERNAL_ID_BYTES;
  if (footerAt + FOOTER_BYTES !== bytes.length) {
    throw new InvalidDocumentIdError(id, "its length does not match its table number's encoding");
  }
  const footer = bytes[footerAt]! | (bytes[footerAt + 1]! << 8);
  if (footer !== (fletcher16(bytes.subarray(0, footerAt)) ^ VERSION)) {
    throw new InvalidDocumentIdError(id, "its checksum does not match (corrupted or mistyped)");
  }
  return tableNumber;
}

/** convex-test's made-up ids: digits, then the table's name. */
export function isTestHarnessId(id: string, table: string): boolean {
  return id.length > table.length && id.endsWith(table) && /^\d+$/.test(id.slice(0, -table.length));
}

/** The number an id of `table` carries, or null for a convex-test id; throws on a malformed real id. */
export function tableNumberOfId(id: string, table: string): number | null {
  return isTestHarnessId(id, table) ? null : decodeTableNumber(id);
}

type Observed = { kind: "number"; number: number; id: string } | { kind: "none"; id: string };

/**
 * Collects the table number of every document written, then numbers the
 * tables for `_tables/documents.jsonl`. All ids of a table must agree; two
 * tables may not share a number (import would reject or misplace them).
 */
export class TableNumbering {
  private readonly observed = new Map<string, Observed>();

  /** Call for every document id written; throws when the table's ids disagree. */
  observe(table: string, id: string): void {
    const number = tableNumberOfId(id, table);
    const seen = this.observed.get(table);
    if (seen === undefined) {
      this.observed.set(table, number === null ? { kind: "none", id } : { kind: "number", number, id });
      return;
    }
    const seenNumber = seen.kind === "number" ? seen.number : null;
    if (seenNumber !== number) {
      const describe = (n: number | null) => (n === null ? "no table number" : `table number ${n}`);
      throw new Error(
        `Table "${table}" holds ids of different tables: "${seen.id}" carries ${describe(seenNumber)}, ` +
          `"${id}" carries ${describe(number)}. A ZIP with both cannot be imported.`,
      );
    }
  }

  /**
   * A number for each table, in the given order: the one its ids carry; for a
   * table with no document, the one its `sampleId` carries if free; otherwise
   * the next free number from FIRST_ASSIGNED_TABLE_NUMBER.
   */
  assign(tables: readonly { table: string; sampleId: string | null }[]): Map<string, number> {
    const numbers = new Map<string, number>();
    const owner = new Map<number, string>();
    const claim = (table: string, number: number) => {
      const other = owner.get(number);
      if (other !== undefined) {
        throw new Error(`Tables "${other}" and "${table}" both carry table number ${number}; import would reject the ZIP.`);
      }
      owner.set(number, table);
      numbers.set(table, number);
    };
    for (const { table } of tables) {
      const seen = this.observed.get(table);
      if (seen?.kind === "number") claim(table, seen.number);
    }
    for (const { table, sampleId } of tables) {
      if (this.observed.has(table) || sampleId === null) continue;
      const number = sampleNumber(sampleId, table);
      if (number !== null && !owner.has(number)) claim(table, number);
    }
    let next = FIRST_ASSIGNED_TABLE_NUMBER;
    for (const { table } of tables) {
      if (numbers.has(table)) continue;
      while (owner.has(next)) next += 1;
      claim(table, next);
    }
    return numbers;
  }
}

/** A sample id is only a hint: one that does not decode gives no number. */
function sampleNumber(id: string, table: string): number | null {
  try {
    return tableNumberOfId(id, table);
  } catch {
    return null;
  }
}
