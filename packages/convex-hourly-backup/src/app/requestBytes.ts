// What a page of documents weighs as a request body: each document's JSON
// travels as a JSON string, so every quote, backslash and control character
// is escaped once more. A page of 1 MiB documents full of quotes is about
// twice its JSON on the wire; flow control and page sizes count this, not
// the JSON alone.
import { utf8Length } from "../shared/digest";

/** Fixed per-document overhead: the id, creation time, hash and field names. */
const ENTRY_OVERHEAD = 160;

/** Bytes `text` takes once JSON-encoded as a string, quotes included. */
export function jsonStringBytes(text: string): number {
  let extra = 2;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) extra += 1;
    else if (c < 0x20) extra += 5;
  }
  return utf8Length(text) + extra;
}

/** What a page's `documents` weigh as a request body, given the jsonStringBytes of their JSON added up. */
export function pageRequestBytes(jsonBytes: number, documents: number): number {
  return jsonBytes + documents * ENTRY_OVERHEAD;
}
