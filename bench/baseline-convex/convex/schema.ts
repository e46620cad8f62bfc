// Benchmark only: the receiving side of the two copies the backup is compared with.
// - users/products/orders: the seed brief's backup (seed-backup-system.md), one
//   table per primary table with the same fields, passwords and session tokens
//   left out, the original id and creation time kept in ordinary fields.
// - copies: the bare floor, each document stored as it came, as JSON text.
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { vOrderFields, vProductFields, vUserFields } from "../../../convex/schema";

const { passwordHash: _passwordHash, sessionToken: _sessionToken, ...vBackedUpUserFields } = vUserFields;

const vOriginal = { originalId: v.string(), originalCreationTime: v.number() };

export default defineSchema({
  // Written by upsert.upsertDocuments (insert or replace by originalId), every run.
  users: defineTable({ ...vBackedUpUserFields, ...vOriginal }).index("by_originalId", ["originalId"]),
  products: defineTable({ ...vProductFields, ...vOriginal }).index("by_originalId", ["originalId"]),
  orders: defineTable({ ...vOrderFields, ...vOriginal }).index("by_originalId", ["originalId"]),
  // Written by bare.insertPage: one row per document sent, never updated.
  copies: defineTable({ table: v.string(), json: v.string() }),
});
