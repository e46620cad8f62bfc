// The example shop: the primary deployment whose data gets backed up.
// users carries two secrets (passwordHash, sessionToken) that must never leave it.
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { backupTables } from "convex-hourly-backup";

export const vRole = v.union(v.literal("customer"), v.literal("admin"));
export const vOrderStatus = v.union(
  v.literal("pending"),
  v.literal("paid"),
  v.literal("shipped"),
  v.literal("delivered"),
  v.literal("cancelled"),
);

export const vUserFields = {
  email: v.string(),
  name: v.string(),
  phone: v.optional(v.string()),
  role: vRole,
  address: v.optional(v.string()),
  city: v.optional(v.string()),
  state: v.optional(v.string()),
  pincode: v.optional(v.string()),
  // Required. The backup never holds it (OMITTED_FIELDS): a restore gives
  // restored users RESTORE_PLACEHOLDERS.users.passwordHash (convex/backupConfig.ts),
  // which no password matches, so they sign in again with a password reset.
  passwordHash: v.string(),
  sessionToken: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
};

export const vProductFields = {
  name: v.string(),
  description: v.string(),
  price: v.number(),
  category: v.string(),
  images: v.array(v.string()),
  stock: v.int64(),
  sizes: v.array(v.string()),
  colors: v.array(v.string()),
  // Free-form attributes (supplier data, integrations); may hold nested secrets.
  attributes: v.optional(v.any()),
  // The product's picture in file storage: backed up with the files (fileStorage, on by default).
  imageId: v.optional(v.id("_storage")),
};

export const vOrderItem = v.object({
  productId: v.id("products"),
  quantity: v.number(),
  price: v.number(),
});

export const vShippingAddress = v.object({
  name: v.string(),
  address: v.string(),
  city: v.string(),
  state: v.string(),
  pincode: v.string(),
});

export const vOrderFields = {
  odid: v.string(),
  userId: v.id("users"),
  items: v.array(vOrderItem),
  totalAmount: v.number(),
  status: vOrderStatus,
  paymentMethod: v.string(),
  shippingAddress: vShippingAddress,
  // Payment provider payload; may hold nested secrets (e.g. a card token).
  payment: v.optional(v.any()),
  createdAt: v.number(),
  updatedAt: v.number(),
};


export default defineSchema({
  // The backup's change log (change capture): see lib/changeLog/schema.ts.
  ...backupTables,
  // Written by shop.ts (sign-up, profile edits); read by the app; never deleted by the backup.
  users: defineTable(vUserFields).index("by_email", ["email"]),
  // Written by shop.ts (catalogue admin).
  products: defineTable(vProductFields).index("by_category", ["category"]),
  // Written by shop.ts (checkout, fulfilment); references users and products.
  orders: defineTable(vOrderFields)
    .index("by_user", ["userId"])
    .index("by_odid", ["odid"]),
});
