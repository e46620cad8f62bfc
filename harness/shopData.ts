// A deterministic example shop, seeded and changed through the primary's own
// mutations (shop.ts). The demo, the benchmark and the tests share it.
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { PrimaryDeployment } from "./deployments";

export type ShopSize = { users: number; products: number; orders: number };
export type ShopIds = { users: Id<"users">[]; products: Id<"products">[]; orders: Id<"orders">[] };

/** The default demo shop: about 2k users, 5k products, 10k orders. */
export const DEFAULT_SHOP: ShopSize = { users: 2_000, products: 5_000, orders: 10_000 };
const BATCH = 500;

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

async function inBatches<T, R>(items: T[], insert: (batch: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(...(await insert(items.slice(i, i + BATCH))));
  return out;
}

/** Seeds users, products and orders (orders reference both) through shop.ts. */
export async function seedShop(primary: PrimaryDeployment, size: ShopSize, seed = 1): Promise<ShopIds> {
  const rand = randomSource(seed);
  const t = primary.t;
  const users = await inBatches(Array.from({ length: size.users }, (_, i) => user(rand, i)), (docs) =>
    t.mutation(internal.shop.insertUsers, { docs }),
  );
  const products = await inBatches(Array.from({ length: size.products }, (_, i) => product(rand, i)), (docs) =>
    t.mutation(internal.shop.insertProducts, { docs }),
  );
  const orders = await inBatches(
    Array.from({ length: size.orders }, (_, i) => order(rand, i, { users, products })),
    (docs) => t.mutation(internal.shop.insertOrders, { docs }),
  );
  return { users, products, orders };
}

export type ChangeReport = { updated: number; deleted: number; inserted: number; sessionRotations: number };

/**
 * An hour of shop activity: `fraction` of all documents updated (spread over
 * the three tables), `deletes` orders deleted, `inserts` orders placed, and
 * some session tokens rotated (invisible to the backup: the token is redacted).
 */
export async function changeShop(
  primary: PrimaryDeployment,
  ids: ShopIds,
  options: { fraction: number; deletes: number; inserts: number; seed?: number },
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
  return {
    updated: users.length + products.length + orders.length,
    deleted: deletedOrders.length,
    inserted: inserted.length,
    sessionRotations: rotated.length,
  };
}
