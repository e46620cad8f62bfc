// The example shop's own functions. Internal: in a real app these sit behind
// your auth layer; here the demo, benchmark and tests call them directly.
import { v } from "convex/values";
import { internalMutation } from "./functions";
import {
  vOrderFields,
  vOrderStatus,
  vProductFields,
  vUserFields,
} from "./schema";

// Seeding: one mutation per batch, well inside the 16,000-writes limit.
export const insertUsers = internalMutation({
  args: { docs: v.array(v.object(vUserFields)) },
  returns: v.array(v.id("users")),
  handler: async (ctx, { docs }) =>
    Promise.all(docs.map((doc) => ctx.db.insert("users", doc))),
});

export const insertProducts = internalMutation({
  args: { docs: v.array(v.object(vProductFields)) },
  returns: v.array(v.id("products")),
  handler: async (ctx, { docs }) =>
    Promise.all(docs.map((doc) => ctx.db.insert("products", doc))),
});

export const insertOrders = internalMutation({
  args: { docs: v.array(v.object(vOrderFields)) },
  returns: v.array(v.id("orders")),
  handler: async (ctx, { docs }) =>
    Promise.all(docs.map((doc) => ctx.db.insert("orders", doc))),
});

export const updateUserProfile = internalMutation({
  args: {
    userId: v.id("users"),
    name: v.optional(v.string()),
    phone: v.optional(v.string()),
    city: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { userId, ...fields }) => {
    await ctx.db.patch("users", userId, { ...fields, updatedAt: Date.now() });
    return null;
  },
});

// Rotates the session token: a change the backup must see as "unchanged",
// because the token never leaves the primary.
export const rotateSession = internalMutation({
  args: { userId: v.id("users"), sessionToken: v.string() },
  returns: v.null(),
  handler: async (ctx, { userId, sessionToken }) => {
    await ctx.db.patch("users", userId, { sessionToken });
    return null;
  },
});

export const setProductPrice = internalMutation({
  args: { productId: v.id("products"), price: v.number() },
  returns: v.null(),
  handler: async (ctx, { productId, price }) => {
    await ctx.db.patch("products", productId, { price });
    return null;
  },
});

export const setOrderStatus = internalMutation({
  args: { orderId: v.id("orders"), status: vOrderStatus },
  returns: v.null(),
  handler: async (ctx, { orderId, status }) => {
    await ctx.db.patch("orders", orderId, { status, updatedAt: Date.now() });
    return null;
  },
});

export const deleteDocuments = internalMutation({
  args: {
    users: v.optional(v.array(v.id("users"))),
    products: v.optional(v.array(v.id("products"))),
    orders: v.optional(v.array(v.id("orders"))),
  },
  returns: v.null(),
  handler: async (ctx, { users = [], products = [], orders = [] }) => {
    for (const id of users) await ctx.db.delete("users", id);
    for (const id of products) await ctx.db.delete("products", id);
    for (const id of orders) await ctx.db.delete("orders", id);
    return null;
  },
});

// Replaces a product's picture: the new file is already in storage (uploaded
// through an upload URL, or stored by an action); the old one is deleted. Older
// restore points keep the old picture.
export const setProductImage = internalMutation({
  args: { productId: v.id("products"), imageId: v.id("_storage") },
  returns: v.null(),
  handler: async (ctx, { productId, imageId }) => {
    const product = await ctx.db.get("products", productId);
    if (product === null) throw new Error("No such product.");
    await ctx.db.patch("products", productId, { imageId });
    if (product.imageId !== undefined && product.imageId !== imageId) await ctx.storage.delete(product.imageId);
    return null;
  },
});
