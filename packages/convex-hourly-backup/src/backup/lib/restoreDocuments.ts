// A few documents as of a restore point (restore --ids): each id's version
// live at the point, found with at most two index ranges (by_doc), its text
// read through contents.by_version. The read stops once DOCUMENTS_SOFT_BYTES
// of text are read (a document's JSON can be several MiB): the caller asks
// again for the rest, so a query reads at most that plus one document.
import { ConvexError } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { ERROR_CODES } from "../../shared/protocol";
import { utf8Length } from "../../shared/digest";
import { openVersionOf } from "./rangePlan";
import { readVersionDirectly } from "./restorePage";
import { MAX_DOCUMENT_IDS, type DocumentsRead } from "./restoreProtocol";

export const DOCUMENTS_SOFT_BYTES = 4 * 1024 * 1024;
/** Longer than any Convex id (about 32 characters); longer text is refused unread. */
export const MAX_ID_LENGTH = 128;

export function checkIds(ids: readonly string[]): void {
  const bad = (message: string) => new ConvexError({ code: ERROR_CODES.invalidBatch, message });
  if (ids.length > MAX_DOCUMENT_IDS) throw bad(`At most ${MAX_DOCUMENT_IDS} ids per call.`);
  if (ids.some((id) => id.length === 0 || id.length > MAX_ID_LENGTH)) throw bad(`An id is empty or longer than ${MAX_ID_LENGTH} characters.`);
}

/**
 * The version of a document live at run `seq` (fromSeq <= seq < toSeq), or
 * null. A document's versions follow each other, so the first one closed
 * after `seq` is the only candidate; if none is, the open one.
 */
export async function versionAt(db: DatabaseReader, table: string, docId: string, seq: number): Promise<Doc<"versions"> | null> {
  const closedAfter = await db
    .query("versions")
    .withIndex("by_doc", (q) => q.eq("table", table).eq("docId", docId).gt("toSeq", seq))
    .first();
  const candidate = closedAfter ?? (await openVersionOf(db, table, docId));
  return candidate !== null && candidate.fromSeq <= seq ? candidate : null;
}

export async function readDocumentsAt(
  db: DatabaseReader,
  args: { seq: number; table: string; ids: readonly string[] },
): Promise<DocumentsRead> {
  const documents: string[] = [];
  const missing: string[] = [];
  let bytes = 0;
  let next = 0;
  for (const id of args.ids) {
    if (next > 0 && bytes >= DOCUMENTS_SOFT_BYTES) break;
    const version = await versionAt(db, args.table, id, args.seq);
    if (version === null) missing.push(id);
    else {
      const text = await readVersionDirectly(db, version);
      documents.push(text);
      bytes += utf8Length(text);
    }
    next += 1;
  }
  return { documents, missing, next };
}
