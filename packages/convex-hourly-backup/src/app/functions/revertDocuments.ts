// The app's internal mutation `revertDocuments`: puts a few documents back as
// a restore point held them, in place (same _id), so a bad write is undone
// without restoring a table (`convex-hourly-backup revert`). What the backup
// never holds is taken from the live document: a top-level field that
// redaction touches in the live document (an omitted field, a secret key, a
// secret inside text), or whose copy at the point holds a redacted secret,
// keeps its live value, so reverting never writes "[redacted]" over a secret.
// A field the live document lacks whose copy is incomplete (it holds the
// marker, a configured restore placeholder, or sits above a path the point's
// report says was redacted) is not restored at all: it is reported
// (`notRestored`, by name, never a value), so the marker or a half-copied
// object never reaches live data. Every other top-level field becomes what the
// point held (a field the point did not have is removed). A document deleted
// since cannot come back under its own id (Convex assigns ids on insert):
// it is reported, not recreated. Written through withChangeCapture, so the
// next backup run records the reverted documents; all or nothing, like any
// mutation, and checked against the app's schema by Convex itself.
import { internalMutationGeneric, type GenericDatabaseWriter, type GenericDataModel } from "convex/server";
import { getConvexSize, jsonToConvex, v, type GenericId, type Infer, type JSONValue, type Value } from "convex/values";
import { withChangeCapture } from "../changeLog/builders";
import { canonicalJson } from "../../shared/digest";
import type { BackupSettings } from "../settings";
import { MARKER } from "../sanitize";
import { ANY_KEY, ELEMENT, parsePath } from "../redaction/paths";

/** Documents one call takes: a few, by hand (the CLI sends larger sets in several calls). */
export const MAX_REVERT_DOCUMENTS = 100;
/**
 * A call stops taking documents once it has read or written this much (stored
 * size, as Convex counts it): each document adds at most 2 MiB read (its get and
 * its replace) and 1 MiB written, so a call stays inside a mutation's 16 MiB. The documents it did
 * not take are left for the next call (`remaining`).
 */
const CALL_BYTES_CEILING = 12 * 1024 * 1024;

const SYSTEM_FIELDS = new Set(["_id", "_creationTime"]);

export const vRevertReport = v.object({
  /** Documents written back, each with the top-level fields that changed and those kept from the live document. */
  reverted: v.array(
    v.object({
      id: v.string(),
      changedFields: v.array(v.string()),
      keptFields: v.array(v.string()),
      /** Fields the live document lacks and the point holds only in part (redacted): left absent, never written. */
      notRestored: v.optional(v.array(v.string())),
    }),
  ),
  /** Documents with nothing to revert but fields left absent for that reason, by id. */
  notRestored: v.optional(v.array(v.object({ id: v.string(), fields: v.array(v.string()) }))),
  /** Already as the point held them (secrets aside): nothing written. */
  unchanged: v.array(v.string()),
  /** Deleted since: not recreated (restore the table, or re-create them by hand). */
  deleted: v.array(v.string()),
  dryRun: v.boolean(),
  /** The last documents of the call not looked at (the call read or wrote its share): send them again. */
  remaining: v.optional(v.number()),
});
export type RevertReport = Infer<typeof vRevertReport>;

type Doc = { [key: string]: Value };

export const defineRevertDocuments = (settings: BackupSettings) =>
  withChangeCapture(internalMutationGeneric)({
    args: {
      table: v.string(),
      /** Each document as the backup stores it (restore:readDocuments): canonical convexToJson text, _id included. */
      documents: v.array(v.string()),
      /** Report what would change; write nothing. */
      dryRun: v.optional(v.boolean()),
      /**
       * Paths of this table the point's redaction report names (without the
       * table: "payment.card.number", "items[].token"): a field above one is
       * held in part, so it is never written where the live document lacks it.
       */
      redactedPaths: v.optional(v.array(v.string())),
    },
    returns: vRevertReport,
    handler: async (ctx, { table, documents, dryRun, redactedPaths }): Promise<RevertReport> => {
      if (!settings.backedUpTables().includes(table)) {
        throw new Error(`revertDocuments: ${table} is not a table the backup covers (${settings.backedUpTables().join(", ")}).`);
      }
      if (documents.length > MAX_REVERT_DOCUMENTS) {
        throw new Error(`revertDocuments takes at most ${MAX_REVERT_DOCUMENTS} documents per call, got ${documents.length}.`);
      }
      const db = ctx.db as unknown as GenericDatabaseWriter<GenericDataModel>;
      const report: RevertReport = { reverted: [], unchanged: [], deleted: [], dryRun: dryRun ?? false };
      const partial = partialPaths(table, settings, redactedPaths ?? []);
      let bytesRead = 0;
      let bytesWritten = 0;
      for (const [index, text] of documents.entries()) {
        if (bytesRead >= CALL_BYTES_CEILING || bytesWritten >= CALL_BYTES_CEILING) {
          report.remaining = documents.length - index;
          break;
        }
        const stored = parseStored(text);
        const id = stored._id;
        if (typeof id !== "string" || db.normalizeId(table, id) === null) {
          throw new Error(`A document given to revertDocuments is not a document of ${table} (its _id is not an id of that table).`);
        }
        const live = (await db.get(table, id as GenericId<string>)) as Doc | null;
        bytesRead += live === null ? 0 : getConvexSize(live);
        if (live === null) {
          report.deleted.push(id);
          continue;
        }
        const { replacement, changedFields, keptFields, notRestored } = merge(table, stored, live, settings, partial);
        if (changedFields.length === 0) {
          report.unchanged.push(id);
          if (notRestored.length > 0) (report.notRestored ??= []).push({ id, fields: notRestored });
          continue;
        }
        if (!report.dryRun) {
          await db.replace(table, id as GenericId<string>, replacement);
          // A replace reads the document it replaces again.
          bytesRead += getConvexSize(live);
          bytesWritten += getConvexSize({ ...replacement, _id: id, _creationTime: live._creationTime });
        }
        report.reverted.push({ id, changedFields, keptFields, ...(notRestored.length === 0 ? {} : { notRestored }) });
      }
      return report;
    },
  });

function parseStored(text: string): Doc {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("A document given to revertDocuments is not JSON: pass the documents restore:readDocuments returns.");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error("A document given to revertDocuments is not an object.");
  }
  return jsonToConvex(json as JSONValue) as Doc;
}

/** A path within a document (segments) and, for a placeholder, the value that marks a copy as incomplete there. */
type PartialPath = { segments: string[]; placeholder?: string };

/** The report's nested paths and the configured placeholders of `table`: where a copy may be incomplete. */
function partialPaths(table: string, settings: BackupSettings, redactedPaths: readonly string[]): PartialPath[] {
  const out: PartialPath[] = [];
  for (const path of redactedPaths) {
    try {
      const segments = parsePath(path, "redactedPaths");
      // A top-level path (an omitted field, a secret key) is absent from the copy: nothing of it is written anyway.
      if (segments.length > 1) out.push({ segments });
    } catch {
      throw new Error(`revertDocuments: a redactedPaths entry of ${table} is not a path.`);
    }
  }
  for (const [path, value] of Object.entries(settings.restorePlaceholders[table] ?? {})) {
    out.push({ segments: parsePath(path, "restorePlaceholders path"), placeholder: canonicalJson(value) });
  }
  return out;
}

/**
 * Whether the copy of a top-level field is incomplete at `path`: for a
 * redacted path, the object that held the removed key is in the copy; for a
 * placeholder, the copy holds exactly the placeholder there.
 */
function incompleteAt(value: Value | undefined, segments: readonly string[], placeholder: string | undefined): boolean {
  if (value === undefined) return false;
  if (segments.length === 0) return placeholder !== undefined && canonicalJson(value) === placeholder;
  if (segments.length === 1 && placeholder === undefined) return isObject(value);
  const [segment, ...rest] = segments as [string, ...string[]];
  if (segment === ELEMENT) return Array.isArray(value) && value.some((item) => incompleteAt(item, rest, placeholder));
  if (!isObject(value)) return false;
  if (segment === ANY_KEY) return Object.values(value).some((item) => incompleteAt(item, rest, placeholder));
  return incompleteAt(value[segment], rest, placeholder);
}

function isObject(value: Value | undefined): value is { [key: string]: Value } {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof ArrayBuffer);
}

/** The top-level field's copy at the point lacks part of what the document held (or holds a stand-in for it). */
function heldInPart(field: string, copy: Value, partial: readonly PartialPath[]): boolean {
  if (canonicalJson(copy).includes(MARKER)) return true;
  return partial.some(({ segments, placeholder }) => segments[0] === field && incompleteAt(copy, segments.slice(1), placeholder));
}

/** The live document with every top-level field the point held, but for fields whose live value holds what the backup never has. */
function merge(table: string, stored: Doc, live: Doc, settings: BackupSettings, partial: readonly PartialPath[]) {
  const sanitized = settings.sanitizer.sanitizeDocument(table, live);
  const replacement: Doc = {};
  const changedFields: string[] = [];
  const keptFields: string[] = [];
  const notRestored: string[] = [];
  const same = (a: Value | undefined, b: Value | undefined) =>
    a === undefined || b === undefined ? a === b : canonicalJson(a) === canonicalJson(b);
  const fields = new Set([...Object.keys(stored), ...Object.keys(live)].filter((field) => !SYSTEM_FIELDS.has(field)));
  for (const field of [...fields].sort()) {
    const masked = field in stored && heldInPart(field, stored[field]!, partial);
    if (field in live && (!same(sanitized[field], live[field]) || masked)) {
      // Redaction touches it (now, or in the point's copy): the backup lacks (part of) it. The live value stays.
      replacement[field] = live[field]!;
      keptFields.push(field);
      continue;
    }
    if (masked) {
      // The live document lacks it and the backup holds it only in part: writing the copy would put a marker,
      // a placeholder or a half object into live data. Left absent, and reported.
      notRestored.push(field);
      continue;
    }
    if (field in stored) replacement[field] = stored[field]!;
    if (!same(stored[field], live[field])) changedFields.push(field);
  }
  return { replacement, changedFields, keptFields, notRestored };
}
