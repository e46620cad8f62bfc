// Benchmark only: the primary's documents page by page, raw (no sanitizing,
// no hashing), as the seed brief's backup fetched them. One paginate per
// transaction and 1,000 documents a page, inside Convex's read limits.
import type { PrimaryDeployment } from "../harness/deployments";

export const SHOP_TABLES = ["users", "products", "orders"] as const;
export type ShopTable = (typeof SHOP_TABLES)[number];
export const RAW_PAGE_DOCS = 1_000;

export type RawDoc = Record<string, unknown> & { _id: string; _creationTime: number };

export async function* rawPages(primary: PrimaryDeployment, table: ShopTable): AsyncGenerator<RawDoc[]> {
  let cursor: string | null = null;
  for (;;) {
    const page: { page: RawDoc[]; isDone: boolean; continueCursor: string } = await primary.t.run(async (ctx) => {
      const result = await ctx.db.query(table).order("asc").paginate({ cursor, numItems: RAW_PAGE_DOCS });
      return { page: result.page as unknown as RawDoc[], isDone: result.isDone, continueCursor: result.continueCursor };
    });
    yield page.page;
    if (page.isDone) return;
    cursor = page.continueCursor;
  }
}

/** What the seed brief leaves out: "Passwords and session tokens are NOT backed up". */
export function withoutPasswordsAndTokens(table: ShopTable, doc: RawDoc): RawDoc {
  if (table !== "users") return doc;
  const { passwordHash: _passwordHash, sessionToken: _sessionToken, ...kept } = doc;
  return kept as RawDoc;
}
