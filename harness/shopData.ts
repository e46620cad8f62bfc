// A deterministic example shop, seeded and changed through the primary's own
// mutations (shop.ts). The demo, the benchmark and the tests share it. With
// `pictures`, products also get pictures in file storage (shopImages.ts):
// every PICTURE_EVERY-th product its own, the product halfway between its
// category's placeholder (one content under many ids).
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { PrimaryDeployment } from "./deployments";
import { categoryPlaceholder, PICTURE_TYPE, productPicture } from "./shopImages";

export type ShopSize = { users: number; products: number; orders: number };
export type ShopIds = { users: Id<"users">[]; products: Id<"products">[]; orders: Id<"orders">[] };

/** The default demo shop: about 2k users, 5k products, 10k orders. */
export const DEFAULT_SHOP: ShopSize = { users: 2_000, products: 5_000, orders: 10_000 };
const BATCH = 500;
/** With pictures: product i has its own when i % PICTURE_EVERY is 0, its category's placeholder when it is half of it. */
export const PICTURE_EVERY = 10;
const FILES_PER_CALL = 100;

/** mulberry32: small, fast, reproducible. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CITIES = ["Mumbai", "Pune", "Delhi", "Chennai", "Kolkata", "Jaipur", "Kochi", "Indore"];
const CATEGORIES = ["shirts", "shoes", "bags", "watches", "jackets", "jeans"];
const WORDS = "soft cotton classic slim fit breathable durable handmade premium everyday limited edition".split(" ");

function words(rand: () => number, n: number): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
}

function hex(rand: () => number, length: number): string {
  let out = "";
  while (out.length < length) out += Math.floor(rand() * 16).toString(16);
  return out;
}

function user(rand: () => number, i: number) {
  const now = Date.now();
  return {
    email: `user${i}@example.com`,
    name: `User ${i}`,
    phone: `+91${String(9_000_000_000 + i)}`,
    role: i % 50 === 0 ? ("admin" as const) : ("customer" as const),
    address: `${i} ${words(rand, 2)} road`,
    city: CITIES[i % CITIES.length]!,
    state: "MH",
    pincode: String(400_000 + (i % 999)),
    passwordHash: `$2b$10$${hex(rand, 53)}`,
    sessionToken: hex(rand, 64),
    createdAt: now,
    updatedAt: now,
  };
}

function product(rand: () => number, i: number) {
  return {
    name: `Product ${i} ${words(rand, 2)}`,
    description: words(rand, 40),
    price: Math.round(rand() * 500_00) / 100,
    category: CATEGORIES[i % CATEGORIES.length]!,
    images: [1, 2, 3].map((n) => `https://cdn.example.com/p/${i}/${n}.jpg`),
    stock: BigInt(Math.floor(rand() * 1000)),
    sizes: ["S", "M", "L", "XL"],
    colors: ["black", "white", "navy"].slice(0, 1 + (i % 3)),
    attributes: { supplier: { name: `Supplier ${i % 40}`, apiKey: `sk_live_${hex(rand, 24)}` }, weightGrams: 200 + (i % 700) },
  };
}

function order(rand: () => number, i: number, ids: Pick<ShopIds, "users" | "products">) {
  const now = Date.now();
  const items = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
    productId: ids.products[Math.floor(rand() * ids.products.length)]!,
    quantity: 1 + Math.floor(rand() * 3),
    price: Math.round(rand() * 500_00) / 100,
  }));
  const city = CITIES[i % CITIES.length]!;
  return {
    odid: `OD${String(100_000 + i)}`,
    userId: ids.users[Math.floor(rand() * ids.users.length)]!,
    items,
    totalAmount: items.reduce((sum, item) => sum + item.price * item.quantity, 0),
    status: "paid" as const,
    paymentMethod: i % 3 === 0 ? "cod" : "card",
    shippingAddress: { name: `User ${i}`, address: `${i} ${words(rand, 2)} road`, city, state: "MH", pincode: "400001" },
    payment: { provider: "examplepay", cardToken: `tok_${hex(rand, 24)}`, last4: String(1000 + (i % 9000)) },
    createdAt: now,
    updatedAt: now,
  };
}

async function inBatches<T, R>(items: T[], insert: (batch: T[]) => Promise<R[]>, size = BATCH): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await insert(items.slice(i, i + size))));
  return out;
}

/** Stores files on the primary as an app's action would (ctx.storage.store), a batch per call. */
export async function storeFiles(primary: PrimaryDeployment, files: Uint8Array<ArrayBuffer>[], type = PICTURE_TYPE): Promise<Id<"_storage">[]> {
  return inBatches(files, (batch) =>
    primary.t.run(async (ctx) => {
      const ids: Id<"_storage">[] = [];
      for (const bytes of batch) ids.push(await ctx.storage.store(new Blob([bytes], { type })));
      return ids;
    }),
  FILES_PER_CALL);
}

/** Which picture product i gets, if any: its own, its category's placeholder, or none. */
function pictureOf(seed: number, i: number): Uint8Array<ArrayBuffer> | null {
  if (i % PICTURE_EVERY === 0) return productPicture(seed, i);
  if (i % PICTURE_EVERY === PICTURE_EVERY / 2) return categoryPlaceholder(CATEGORIES[i % CATEGORIES.length]!);
  return null;
}

/**
 * Seeds users, products and orders (orders reference both) through shop.ts;
 * with `pictures`, first stores the products' pictures in file storage.
 */
export async function seedShop(primary: PrimaryDeployment, size: ShopSize, seed = 1, options: { pictures?: boolean } = {}): Promise<ShopIds> {
  const rand = randomSource(seed);
  const t = primary.t;
  const users = await inBatches(Array.from({ length: size.users }, (_, i) => user(rand, i)), (docs) =>
    t.mutation(internal.shop.insertUsers, { docs }),
  );
  const pictures = options.pictures === true ? Array.from({ length: size.products }, (_, i) => pictureOf(seed, i)) : [];
  const stored = await storeFiles(primary, pictures.filter((p) => p !== null));
  const imageIds = pictures.map((p) => (p === null ? undefined : stored.shift()));
  const productDocs = Array.from({ length: size.products }, (_, i) => {
    const doc = product(rand, i);
    return imageIds[i] === undefined ? doc : { ...doc, imageId: imageIds[i] };
  });
  const products = await inBatches(productDocs, (docs) => t.mutation(internal.shop.insertProducts, { docs }));
  const orders = await inBatches(
    Array.from({ length: size.orders }, (_, i) => order(rand, i, { users, products })),
    (docs) => t.mutation(internal.shop.insertOrders, { docs }),
  );
  return { users, products, orders };
}

export type ChangeReport = {
  updated: number;
  deleted: number;
  inserted: number;
  sessionRotations: number;
  /** Products whose own picture was replaced by a new one (the old file deleted); their bytes. */
  picturesReplaced: number;
  pictureBytes: number;
};

/**
 * An hour of shop activity: `fraction` of all documents updated (spread over
 * the three tables), `deletes` orders deleted, `inserts` orders placed, some
 * session tokens rotated (invisible to the backup: the token is redacted),
 * and `pictures` products with their own picture given a new one (the old
 * file deleted from storage).
 */
export async function changeShop(
  primary: PrimaryDeployment,
  ids: ShopIds,
  options: { fraction: number; deletes: number; inserts: number; seed?: number; pictures?: number },
): Promise<ChangeReport> {
  const rand = randomSource(options.seed ?? 2);
  const t = primary.t;
  const pick = <T>(list: T[], n: number): T[] => {
    const chosen = new Set<T>();
    while (chosen.size < Math.min(n, list.length)) chosen.add(list[Math.floor(rand() * list.length)]!);
    return [...chosen];
  };
  const deletedOrders = pick(ids.orders, options.deletes);
  const deletedSet = new Set(deletedOrders);
  const liveOrders = ids.orders.filter((id) => !deletedSet.has(id));
  const users = pick(ids.users, Math.round(ids.users.length * options.fraction));
  const products = pick(ids.products, Math.round(ids.products.length * options.fraction));
  const orders = pick(liveOrders, Math.round(ids.orders.length * options.fraction));
  for (const userId of users) {
    await t.mutation(internal.shop.updateUserProfile, { userId, city: CITIES[Math.floor(rand() * CITIES.length)]! + " East" });
  }
  const rotated = pick(ids.users, Math.max(1, Math.round(ids.users.length * options.fraction)));
  for (const userId of rotated) {
    await t.mutation(internal.shop.rotateSession, { userId, sessionToken: hex(rand, 64) });
  }
  for (const productId of products) {
    await t.mutation(internal.shop.setProductPrice, { productId, price: Math.round(rand() * 500_00) / 100 + 0.01 });
  }
  for (const orderId of orders) {
    await t.mutation(internal.shop.setOrderStatus, { orderId, status: "shipped" });
  }
  await t.mutation(internal.shop.deleteDocuments, { orders: deletedOrders });
  const newOrders = Array.from({ length: options.inserts }, (_, i) => order(rand, ids.orders.length + i, ids));
  const inserted = await t.mutation(internal.shop.insertOrders, { docs: newOrders });
  ids.orders = [...liveOrders, ...inserted];
  // New pictures: stored first (an upload), then the product points at them and the old file goes.
  const withPicture = ids.products.map((id, i) => ({ id, i })).filter(({ i }) => i % PICTURE_EVERY === 0);
  const replaced = pick(withPicture, options.pictures ?? 0);
  const newPictures = replaced.map(({ i }) => productPicture(options.seed ?? 2, i, 1));
  const newIds = await storeFiles(primary, newPictures);
  for (const [k, { id }] of replaced.entries()) {
    await t.mutation(internal.shop.setProductImage, { productId: id, imageId: newIds[k]! });
  }
  const changedProducts = new Set([...products, ...replaced.map(({ id }) => id)]);
  return {
    updated: users.length + changedProducts.size + orders.length,
    deleted: deletedOrders.length,
    inserted: inserted.length,
    sessionRotations: rotated.length,
    picturesReplaced: replaced.length,
    pictureBytes: newPictures.reduce((sum, p) => sum + p.length, 0),
  };
}
