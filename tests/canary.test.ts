// Secrets never leave: unique canaries in every redacted field and in the
// shared secret itself, through successful runs, failing runs and a restore,
// appear in no backup table, no log line, no error message and no restore ZIP.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync, strFromU8 } from "fflate";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop, type ShopIds } from "../harness/shopData";
import { writeRestoreZip } from "../packages/convex-hourly-backup/src/cli/restore/writeRestoreZip";
import { allBackupText } from "./support/backupContents";

// The shared secret is itself a canary: 40 recognisable characters.
const SECRET = "CANARY-SHARED-SECRET-0123456789abcdefghij";
// And so is the restore secret, which only the backup deployment holds.
const RESTORE_SECRET = "CANARY-RESTORE-SECRET-0123456789abcdefgh";
const canary = (name: string) => `CANARY-${name}-${Math.random().toString(36).slice(2)}`;

let d: Deployments;
let ids: ShopIds;
let dir: string;
beforeEach(async () => {
  d = await startDeployments({ secret: SECRET, restoreSecret: RESTORE_SECRET });
  ids = await seedShop(d.primary, { users: 5, products: 5, orders: 5 });
  dir = mkdtempSync(join(tmpdir(), "canary-"));
});
afterEach(async () => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
  await d.close();
});

// Secret keys of every kind redaction knows (issue 11), each holding a canary.
const SECRET_KEYS = [
  "pwd", "pass", "passphrase", "salt", "otp", "totp", "pin", "jwt", "bearer", "signingKey", "webhookSigningKey",
  "encryptionKey", "hmacKey", "privateKey", "mnemonic", "seedPhrase", "socialSecurityNumber", "ssn", "iban",
  "connectionString", "clientSecret", "accessToken", "refresh_token", "cookie", "authorization", "cvv", "cardNumber",
  "api key", "card number", "private.key", "x-api-key",
];

// Secrets written into ordinary text, each a canary in the shape redaction recognises.
function secretValues(): Record<string, string> {
  const id = Math.random().toString(36).slice(2, 10);
  return {
    jwt: `eyJhbGciOiJIUzI1NiJ9.eyJCANARYjwt${id}.CANARYsig${id}`,
    bearer: `Bearer CANARY-bearer-${id}`,
    basic: `Basic CANARYbasic${id}0==`,
    stripe: `sk_live_CANARYstripe${id}`,
    github: `ghp_CANARYgithub${id}0123456789`,
    slack: `xoxb-CANARY-slack-${id}`,
    aws: "AKIACANARY0123456789",
    google: `AIzaCANARYgoogle${id}0123456789abcdefgh`,
    gitlab: `glpat-CANARYgitlab${id}012345`,
    npm: `npm_CANARYnpm${id}012345678901234567`,
    url: `https://admin:CANARY-urlpass-${id}@example.com/x`,
    query: `https://app.example.com/reset?token=CANARY-query-${id}&lang=en`,
    sig: `https://cdn.example.com/f?exp=1&sig=CANARY-sig-${id}`,
    postgres: `postgres://app:CANARY-pg-${id}@db.example.com:5432/shop`,
    mongo: `mongodb+srv://u:CANARY-mongo-${id}@cluster0.example.net/db`,
    redis: `redis://:CANARY-redis-${id}@cache:6379/0`,
    pem: `-----BEGIN PRIVATE KEY-----\nCANARY-pem-${id}\n-----END PRIVATE KEY-----`,
    json: JSON.stringify({ user: "u", password: `CANARY-json-${id}` }),
    jsonInText: `request body {"password": "CANARY-jsontext-${id}"} sent`,
  };
}

test("canaries reach no backup table, log line, error message or restore ZIP", async () => {
  const planted = {
    passwordHash: canary("passwordHash"),
    sessionToken: canary("sessionToken"),
    apiKey: canary("apiKey"),
    cardToken: canary("cardToken"),
    nestedPassword: canary("nestedPassword"),
  };
  const keyed = Object.fromEntries(SECRET_KEYS.map((key) => [key, canary(key)]));
  const values = secretValues();
  await d.primary.t.run(async (ctx) => {
    await ctx.db.patch("users", ids.users[0]!, { passwordHash: planted.passwordHash, sessionToken: planted.sessionToken });
    await ctx.db.patch("products", ids.products[0]!, {
      attributes: {
        supplier: { apiKey: planted.apiKey },
        deep: [{ x: { password: planted.nestedPassword } }],
        // Secret keys at the top of a free-form field, in an array, and under a record key that is data.
        ...keyed,
        list: [keyed],
        byEmail: { "ann@example.com": keyed },
        // Secret shapes in ordinary text, alone and in arrays.
        notes: values,
        noteList: Object.values(values),
      },
    });
    await ctx.db.patch("products", ids.products[1]!, {
      attributes: { request: { headers: [["Authorization", canary("header")], ["Content-Type", "application/json"]] } },
    });
    await ctx.db.patch("orders", ids.orders[0]!, {
      payment: {
        cardToken: planted.cardToken,
        card: { number: canary("cardNumber"), cvc: canary("cvc"), brand: "visa" },
        paymentCard: { number: canary("paymentCardNumber") },
        callbackUrl: values.query,
        raw: values.json,
      },
    });
  });

  const seen: string[] = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void seen.push(args.map(String).join(" ")));
  }
  const errors: string[] = [];
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      errors.push(error instanceof Error ? `${error.message}\n${error.stack}` : String(error));
    }
  };
  const runNow = () => d.primary.t.action(internal.backup.runNow, {});

  // A good run, a change, a run that fails on a dead backup, a wrong secret,
  // a run with a backup that refuses, then a good run and a restore.
  await runNow();
  await d.primary.t.mutation(internal.shop.rotateSession, { userId: ids.users[0]!, sessionToken: canary("rotated") });
  await d.backup.server.goDown();
  await attempt(runNow);
  await d.backup.server.comeBack();
  d.primary.env.BACKUP_SECRET = "CANARY-WRONG-SECRET-0123456789abcdefghijk";
  await attempt(runNow);
  d.primary.env.BACKUP_SECRET = SECRET;
  d.backup.server.faults.add({ path: "sync:applyRange", fault: { kind: "status", status: 503 }, times: Infinity });
  await d.primary.t.mutation(internal.shop.setProductPrice, { productId: ids.products[1]!, price: 2.5 });
  await attempt(runNow);
  d.backup.server.faults.clear();
  await attempt(runNow);
  const out = join(dir, "restore.zip");
  await attempt(() => writeRestoreZip({ url: d.backup.server.url, secret: RESTORE_SECRET, run: "latest", out }));
  // The primary's secret cannot read the backup: refused, and never echoed.
  await attempt(() => writeRestoreZip({ url: d.backup.server.url, secret: SECRET, run: "latest", out: join(dir, "y.zip") }));
  await attempt(() => writeRestoreZip({ url: d.backup.server.url, secret: "CANARY-WRONG-SECRET-0123456789abcdefghijk", run: "latest", out: join(dir, "x.zip") }));
  vi.restoreAllMocks();

  expect(errors.length).toBeGreaterThanOrEqual(4);
  const zip = unzipSync(readFileSync(out));
  const zipText = Object.values(zip).map((bytes) => strFromU8(bytes)).join("\n");
  expect(zipText).toContain(ids.users[0]!); // the restore did run
  const places = {
    backup: await allBackupText(d),
    logs: seen.join("\n"),
    errors: errors.join("\n"),
    zip: zipText,
  };
  for (const [where, text] of Object.entries(places)) {
    expect(text, where).not.toContain("CANARY");
  }
  // The data around the secrets did get through: the backup holds the redacted texts.
  expect(places.backup).toContain("https://[redacted]@example.com/x");
  expect(places.backup).toContain("postgres://[redacted]@db.example.com:5432/shop");
  expect(places.backup).toContain("Content-Type");
});
