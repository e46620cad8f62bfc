// The demo's command line: the size of the example shop, how much of it
// changes between the two backup runs, and the seed of the generated data.
// A bad flag throws UsageError, which the entry point prints with USAGE.
import { parseArgs } from "node:util";
import { DEFAULT_SHOP, type ShopSize } from "../../harness/shopData";

export const USAGE = `Usage: npm run demo -- [--users N] [--products N] [--orders N] [--fraction F] [--deletes N] [--inserts N] [--pictures N] [--seed N]
  --users, --products, --orders  size of the example shop (default ${DEFAULT_SHOP.users}, ${DEFAULT_SHOP.products}, ${DEFAULT_SHOP.orders})
  --fraction                     share of documents updated between the two runs (default 0.01)
  --deletes, --inserts           orders deleted and placed between the two runs (default 10 each)
  --pictures                     product pictures replaced between the two runs (default 5)
  --seed                         seed of the generated data (default 1)`;

type Options = ShopSize & { fraction: number; deletes: number; inserts: number; pictures: number; seed: number };

export function parseOptions(): Options {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        users: { type: "string", default: String(DEFAULT_SHOP.users) },
        products: { type: "string", default: String(DEFAULT_SHOP.products) },
        orders: { type: "string", default: String(DEFAULT_SHOP.orders) },
        fraction: { type: "string", default: "0.01" },
        deletes: { type: "string", default: "10" },
        inserts: { type: "string", default: "10" },
        pictures: { type: "string", default: "5" },
        seed: { type: "string", default: "1" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const integer = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${text}".`);
    return n;
  };
  const fraction = Number(values.fraction);
  if (!(fraction >= 0 && fraction <= 1)) throw new UsageError(`--fraction must be between 0 and 1, got "${values.fraction}".`);
  return {
    users: integer("users", values.users, 1),
    products: integer("products", values.products, 1),
    orders: integer("orders", values.orders, 1),
    fraction,
    deletes: integer("deletes", values.deletes, 0),
    inserts: integer("inserts", values.inserts, 0),
    pictures: integer("pictures", values.pictures, 0),
    seed: integer("seed", values.seed, 0),
  };
}

export class UsageError extends Error {}
