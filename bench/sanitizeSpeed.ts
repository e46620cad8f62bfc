// Times the sanitizer (redaction) alone on a mix of about 20k documents: the
// shop's users, products and orders as harness/shopData.ts seeds them, plus
// chat messages, request logs with headers and JSON bodies, and settings rows
// with env lists and config text. With --base <another checkout>, the two
// sanitizers run interleaved in one process, so a change's cost is a ratio of
// runs under the same load.
//   npx tsx --conditions=convex-hourly-backup-source bench/sanitizeSpeed.ts --rounds 9 [--base /path/to/other/checkout]
// (run from the checkout to measure; each checkout needs its node_modules, a symlink will do)
import { parseArgs } from "node:util";
import type { Value } from "convex/values";
import { randomSource } from "../harness/shopData";
import type { DEFAULT_REDACTION } from "../packages/convex-hourly-backup/src/app/redaction/defaults";
import type { RedactionReport, Sanitizer } from "../packages/convex-hourly-backup/src/app/sanitize";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "9" }, base: { type: "string" } } });
type Doc = { [key: string]: Value };
type Sanitize = (table: string, doc: Doc, report: RedactionReport) => Doc;

const rand = randomSource(7);
const WORDS = "soft cotton classic slim fit breathable durable handmade premium everyday limited edition".split(" ");
const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");
const at = 1_765_000_000_000;
const system = (i: number) => ({ _id: hex(32), _creationTime: at + i });

const MAKERS: [string, number, (i: number) => Doc][] = [
  ["users", 2_000, (i) => ({
    ...system(i), email: `user${i}@example.com`, name: `User ${i}`, phone: `+91${9_000_000_000 + i}`, role: "customer",
    address: `${i} ${words(2)} road`, city: "Pune", state: "MH", pincode: String(400_000 + (i % 999)),
    passwordHash: `$2b$10$${hex(53)}`, sessionToken: hex(64), createdAt: at, updatedAt: at,
  })],
  ["products", 5_000, (i) => ({
    ...system(i), name: `Product ${i} ${words(2)}`, description: words(40), price: 12.5, category: "shirts",
    images: [1, 2, 3].map((n) => `https://cdn.example.com/p/${i}/${n}.jpg`), stock: BigInt(i), sizes: ["S", "M", "L", "XL"],
    colors: ["black", "white"], attributes: { supplier: { name: `Supplier ${i % 40}`, apiKey: `sk_live_${hex(24)}` }, weightGrams: 200 + (i % 700) },
  })],
  ["orders", 10_000, (i) => ({
    ...system(i), odid: `OD${100_000 + i}`, userId: hex(32), items: [{ productId: hex(32), quantity: 2, price: 3.5 }, { productId: hex(32), quantity: 1, price: 9 }],
    totalAmount: 16, status: "paid", paymentMethod: "card",
    shippingAddress: { name: `User ${i}`, address: `${i} ${words(2)} road`, city: "Pune", state: "MH", pincode: "400001" },
    payment: { provider: "examplepay", cardToken: `tok_${hex(24)}`, last4: "4242" }, createdAt: at, updatedAt: at,
  })],
  ["messages", 2_000, (i) => ({
    ...system(i), threadId: hex(32), role: i % 2 ? "user" : "assistant",
    text: `${words(30)}. See https://docs.example.com/a/${i}?page=2 at 12:30, note: ${words(8)}`,
    usage: { promptTokens: 120, completionTokens: 80 }, mapPin: { lat: 18.5, lng: 73.8 },
  })],
  ["logs", 1_000, (i) => ({
    ...system(i), level: "info", message: `GET /api/items/${i} 200 in 12ms`,
    request: {
      headers: [["Accept", "application/json"], ["User-Agent", "Mozilla/5.0"], ["Authorization", `Bearer ${hex(40)}`]],
      body: JSON.stringify({ query: words(3), page: i % 10, filters: { city: "Pune" } }),
    },
  })],
  ["settings", 200, (i) => ({
    ...system(i), env: [{ name: "NODE_ENV", value: "production" }, { name: "DATABASE_PASSWORD", value: hex(20) }],
    notes: `host: db.internal\nport: 5432\nuser: app\n${words(10)}`, dotenv: `FOO=1\nBAR=${words(1)}\nLOG_LEVEL=debug`,
  })],
];
const mix = MAKERS.flatMap(([table, count, make]) => Array.from({ length: count }, (_, i) => [table, make(i)] as const));

/** Milliseconds of CPU time for one pass over the mix. */
function round([sanitize, report]: [Sanitize, () => RedactionReport]): number {
  const start = process.cpuUsage();
  const into = report();
  for (const [table, doc] of mix) sanitize(table, doc, into);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** A checkout's sanitizer with its default settings (each loaded the same way, so they compare fairly). */
async function sanitizerAt(root: string): Promise<[Sanitize, () => RedactionReport]> {
  type Module = { Sanitizer: typeof Sanitizer; RedactionReport: typeof RedactionReport };
  const sanitize = (await import(`${root}/packages/convex-hourly-backup/src/app/sanitize.ts`)) as Module;
  const defaults = (await import(`${root}/packages/convex-hourly-backup/src/app/redaction/defaults.ts`)) as { DEFAULT_REDACTION: typeof DEFAULT_REDACTION };
  const s = new sanitize.Sanitizer(defaults.DEFAULT_REDACTION, { users: ["passwordHash", "sessionToken"] });
  return [(table, doc, report) => s.sanitizeDocument(table, doc, report), () => new sanitize.RedactionReport()];
}

const roots = values.base === undefined ? [process.cwd()] : [values.base, process.cwd()];
const contenders = await Promise.all(roots.map(async (root) => [root, await sanitizerAt(root)] as const));
for (const [, sanitizer] of contenders) round(sanitizer); // warm up
const times = contenders.map((): number[] => []);
for (let r = 0; r < Number(values.rounds); r++) contenders.forEach(([, sanitizer], i) => times[i]!.push(round(sanitizer)));

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
console.log(`${mix.length} documents, ${values.rounds} interleaved rounds, CPU ms per pass (median, min):`);
contenders.forEach(([name], i) => {
  const m = median(times[i]!);
  console.log(`  ${name.padEnd(40)} ${m.toFixed(0)} ms (min ${Math.min(...times[i]!).toFixed(0)}), ${Math.round(mix.length / (m / 1000))} docs/s`);
});
if (contenders.length === 2) console.log(`  ratio (this checkout / base): ${(median(times[1]!) / median(times[0]!)).toFixed(3)}`);
