// The backup deployment stores any table's documents without knowing their
// fields: each version keeps the original _id and _creationTime in ordinary
// fields and the sanitized document as canonical JSON text in `contents`.
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { vRunStatus, vTableCounts } from "../../shared/protocol";

export const vRunFields = {
  seq: v.number(),
  startedAt: v.number(),
  finishedAt: v.optional(v.number()),
  status: vRunStatus,
  tables: v.array(vTableCounts),
  error: v.optional(v.string()),
};

export const vVersionFields = {
  table: v.string(),
  docId: v.string(),
  creationTime: v.number(),
  hash: v.string(),
  /** documentTag(docId, hash): what a diff of a changed range sends. */
  tag: v.string(),
  /** seq of the run that wrote this version. */
  fromSeq: v.number(),
  /** seq of the run that saw it change or disappear; null while current. */
  toSeq: v.union(v.number(), v.null()),
  chunks: v.number(),
};

export const vContentFields = {
  versionId: v.id("versions"),
  // The version's key, repeated so a restore reads a key range of contents
  // with one index range instead of one lookup per version.
  table: v.string(),
  creationTime: v.number(),
  docId: v.string(),
  index: v.number(),
  text: v.string(),
};

export default defineSchema({
  // One per backup run: written by runs.beginRun/finishRun; a completed run is a restore point.
  runs: defineTable(vRunFields).index("by_seq", ["seq"]),
  // One per document version: written by sync.applyRange; the open ones
  // (toSeq null) are the backup's current state, read by sync.diffRange.
  versions: defineTable(vVersionFields)
    .index("by_open_key", ["table", "toSeq", "creationTime", "docId"])
    .index("by_key", ["table", "creationTime", "docId", "fromSeq"]),
  // A version's canonical JSON, split in chunks so a 1 MiB document fits:
  // written with its version by sync.applyRange, read by restore.
  contents: defineTable(vContentFields)
    .index("by_version", ["versionId", "index"])
    .index("by_key", ["table", "creationTime", "docId", "index"]),
});
