import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { allBackupText, currentBackup } from "./support/backupContents";

let d: Deployments;
let ids: ShopIds;
beforeEach(async () => {
  d = await startDeployments();
  ids = await seedShop(d.primary, { users: 5, products: 5, orders: 5 });
});
afterEach(async () => {
  await d.close();
});

// A canary under a secret-looking key at every nesting depth Convex allows
// (16), in arrays and objects, plus the users table's omitted fields.
function nestedCanaries(depth: number): Record<string, unknown> {
  let node: Record<string, unknown> = { leaf: "kept", password: `CANARY-depth-${depth}` };
  for (let level = depth - 1; level >= 1; level--) {
    node = {
      keep: level,
      child: node,
      list: [{ apiKey: `CANARY-list-${level}`, fine: "yes" }],
      Client_Secret: `CANARY-snake-${level}`,
      "access-token": `CANARY-kebab-${level}`,
    };
  }
  return node;
}

test("secret canaries planted at every depth never reach the backup, and are not logged", async () => {
  const logs: string[] = [];
  const spies = (["log", "info", "warn", "error"] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(" "));
    }),
  );
  await d.primary.t.run(async (ctx) => {
    await ctx.db.patch("users", ids.users[0]!, { passwordHash: "CANARY-passwordHash", sessionToken: "CANARY-sessionToken" });
    await ctx.db.patch("products", ids.products[0]!, { attributes: nestedCanaries(14) });
    await ctx.db.patch("orders", ids.orders[0]!, {
      payment: { provider: "x", cardToken: "CANARY-cardToken", card: { CVV: "CANARY-cvv", brand: "visa" } },
    });
  });
  const summary = await d.primary.t.action(internal.backup.runNow, {});
  spies.forEach((spy) => spy.mockRestore());

  const stored = await allBackupText(d);
  expect(stored).not.toContain("CANARY");
  expect(logs.join("\n")).not.toContain("CANARY");
  expect(JSON.stringify(summary)).not.toContain("CANARY");
  // The shared secret itself is not stored in the backup either.
  expect(stored).not.toContain(d.secret);
  expect(logs.join("\n")).not.toContain(d.secret);

  // Redaction drops the fields and keeps everything else, at every depth.
  const backup = await currentBackup(d);
  const user = backup.get("users")!.get(ids.users[0]!)!;
  expect(user).not.toHaveProperty("passwordHash");
  expect(user).not.toHaveProperty("sessionToken");
  expect(user).toHaveProperty("email");
  let node = backup.get("products")!.get(ids.products[0]!)!.attributes as Record<string, unknown>;
  for (let level = 1; level < 14; level++) {
    expect(Object.keys(node).sort()).toEqual(["child", "keep", "list"]);
    expect(node.list).toEqual([{ fine: "yes" }]);
    node = node.child as Record<string, unknown>;
  }
  expect(node).toEqual({ leaf: "kept" });
  expect(backup.get("orders")!.get(ids.orders[0]!)!.payment).toEqual({ provider: "x", card: { brand: "visa" } });
});

test("ordinary data named like a secret reaches the backup whole; new secret kinds do not (issue 11)", async () => {
  // Every key here was dropped by the old letter patterns; all are data.
  const ordinary = {
    className: "A", businessName: "Acme", addressNumber: 12, processName: "p", grossNetAmount: 9.5,
    totalTokens: 120, promptTokens: 80, maxTokens: 1000, tokenizer: "cl100k", tokenCount: 3,
    messages: [{ role: "user", tokens: 12 }, { role: "assistant", tokens: 30 }],
    cookieConsent: true, authorizationStatus: "ok", passwordChangedAt: 1_700_000_000_000, secretary: "Ann",
    credentialsExpireAt: 1_800_000_000_000, tokenType: "Bearer", pinned: true, pinCode: "400001", saltLevel: 2,
    keyboard: "qwerty", monkey: "yes", card: { brand: "visa", last4: "4242" }, images: ["https://cdn.example.com/a.jpg"],
  };
  const secrets = {
    pwd: "CANARY-pwd", "api key": "CANARY-spaced", "private.key": "CANARY-dotted", recoveryCodes: ["CANARY-rc1"],
    card: { number: "CANARY-4242", cvc: "CANARY-cvc" }, webhook: "https://u:CANARY-pass@hooks.example.com/x",
  };
  await d.primary.t.run(async (ctx) => {
    await ctx.db.patch("products", ids.products[0]!, { attributes: ordinary });
    await ctx.db.patch("products", ids.products[1]!, { attributes: { ...ordinary, ...secrets, card: { ...ordinary.card, ...secrets.card } } });
  });
  await d.primary.t.action(internal.backup.runNow, {});

  expect(await allBackupText(d)).not.toContain("CANARY");
  const products = (await currentBackup(d)).get("products")!;
  expect(products.get(ids.products[0]!)!.attributes).toEqual(ordinary);
  expect(products.get(ids.products[1]!)!.attributes).toEqual({ ...ordinary, webhook: "https://[redacted]@hooks.example.com/x" });
});
