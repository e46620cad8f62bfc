// How the benchmark splits N documents across the shop's tables:
// about 12 % users, 30 % products, 58 % orders.
import type { ShopSize } from "../harness/shopData";

export function shopSizeFor(docs: number): ShopSize {
  const users = Math.max(1, Math.round(docs * 0.12));
  const products = Math.max(1, Math.round(docs * 0.3));
  return { users, products, orders: Math.max(1, docs - users - products) };
}
