// Issue 19 item 6: configuration naming what the schema lacks fails loudly.
// BACKUP_EXCLUDED_TABLES=order (for orders) used to be ignored, and orders
// backed up; a misspelt omitted field copied the secret it meant to drop.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { internal } from "../convex/_generated/api";
import schema from "../convex/schema";
import { OMITTED_FIELDS, RESTORE_PLACEHOLDERS } from "../convex/backupConfig";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { configProblems } from "../packages/convex-hourly-backup/src/app/configCheck";

describe("configProblems (what runNow and doctor check)", () => {
  test("the shop's own configuration has none", () => {
    expect(configProblems(schema, { omittedFields: OMITTED_FIELDS, restorePlaceholders: RESTORE_PLACEHOLDERS }, {})).toEqual([]);
  });

  test("each name the schema lacks is one problem naming it; paths under v.any() are accepted", () => {
    const problems = configProblems(
      schema,
      {
        excludedTables: ["sesions"],
        omittedFields: { users: ["passwordHash", "pasword"], userz: ["x"] },
        restorePlaceholders: {
          users: { passwordHash: "!x", "profile.token": "t" },
          orders: { "shippingAddress.pincode": "0", "shippingAddress.zip": "0", "items[].price": 0, "payment.card.number": "0" },
          order: { status: "paid" },
        },
      },
      { BACKUP_EXCLUDED_TABLES: " order, products ,, " },
    );
    expect(problems).toEqual([
      expect.stringMatching(/^excludedTables names tables the schema does not have: sesions \(the schema's tables: users, products, orders/),
      expect.stringMatching(/^BACKUP_EXCLUDED_TABLES names tables the schema does not have: order \(/),
      "omittedFields.users names fields users does not have: pasword.",
      expect.stringMatching(/^omittedFields names table userz, which the schema does not have/),
      "restorePlaceholders.users names paths users does not have: profile.token.",
      "restorePlaceholders.orders names paths orders does not have: shippingAddress.zip.",
      expect.stringMatching(/^restorePlaceholders names table order, which the schema does not have/),
    ]);
  });
});

describe("runNow refuses a bad configuration before reading anything", () => {
  let d: Deployments;
  beforeAll(async () => {
    d = await startDeployments();
    await seedShop(d.primary, { users: 2, products: 2, orders: 2 });
  }, 60_000);
  afterAll(async () => {
    await d.close();
  });

  test("BACKUP_EXCLUDED_TABLES=order: the run and the dry run fail naming it; the backup holds nothing", async () => {
    d.primary.env.BACKUP_EXCLUDED_TABLES = "order";
    for (const args of [{}, { dryRun: true }]) {
      await expect(d.primary.t.action(internal.backup.runNow, args)).rejects.toThrow(
        /nothing was backed up\. BACKUP_EXCLUDED_TABLES names tables the schema does not have: order \(the schema's tables: users, products, orders/,
      );
    }
    expect(await d.backup.t.run(async (ctx) => (await ctx.db.query("runs").collect()).length)).toBe(0);
    // Fixed, it runs, and leaves orders out.
    d.primary.env.BACKUP_EXCLUDED_TABLES = "orders";
    const summary = await d.primary.t.action(internal.backup.runNow, {});
    expect(summary.tables.map((t) => t.table)).not.toContain("orders");
  });
});
