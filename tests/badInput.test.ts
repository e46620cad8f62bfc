// The bad-input suite: every public function of the backup deployment, called
// the way an attacker or a broken client would. Each call is refused and
// nothing is written.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { startDeployments, randomSecret, type Deployments, PRIMARY_CLOUD_URL } from "../harness/deployments";
import { canonicalJson, rangeDigest, sha256 } from "../packages/convex-hourly-backup/src/shared/digest";
import { zeroCounts, type DocEntry } from "../packages/convex-hourly-backup/src/shared/protocol";

let d: Deployments;
let client: ConvexHttpClient;
let runId: string;
const holder = "test-holder";

beforeAll(async () => {
  d = await startDeployments();
  client = new ConvexHttpClient(d.backup.server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
  const begun = (await call("mutation", "runs:beginRun", { secret: d.secret, holder, leaseMs: 3_600_000, tables: ["users"], source: PRIMARY_CLOUD_URL })) as {
    runId: string;
  };
  runId = begun.runId;
});
afterAll(async () => {
  await d.close();
});

function call(kind: "query" | "mutation", path: string, args: Record<string, unknown>) {
  return kind === "query"
    ? client.query(makeFunctionReference<"query">(path), args)
    : client.mutation(makeFunctionReference<"mutation">(path), args);
}

async function entry(doc: Record<string, unknown>): Promise<DocEntry> {
  const json = canonicalJson(doc as never);
  return { id: doc._id as string, creationTime: doc._creationTime as number, hash: await sha256(json), json };
}

const checkpoint = {
  table: "users", cursor: null, after: null, done: false,
  counts: zeroCounts("users"),
};
const openRange = { after: null, upTo: null };

/** Valid arguments (but for the secret) for every public function of the backup deployment. */
function validArgs(): Record<string, ["query" | "mutation", Record<string, unknown>]> {
  return {
    "runs:beginRun": ["mutation", { holder: "other", leaseMs: 1000, tables: ["users"], source: PRIMARY_CLOUD_URL }],
    "runs:checkpoint": ["mutation", { runId, holder, leaseMs: 1000, checkpoint }],
    "runs:releaseRun": ["mutation", { runId, holder }],
    "runs:finishRun": ["mutation", { runId, holder, tables: [], configuredTables: [] }],
    "sync:diffRange": ["mutation", { table: "users", range: openRange, digest: "x" }],
    "sync:retireTable": ["mutation", { runId, holder, table: "products" }],
    "sync:applyChanges": ["mutation", { runId, holder, batchId: "c", table: "users", upserts: [], deletedIds: [] }],
    "status:recentRuns": ["query", { limit: 5 }],
    "restore:getRestorePoint": ["query", { selector: { kind: "latest" } }],
    "restore:readPage": ["query", { seq: 1, table: "users", cursor: null, numItems: 10 }],
    "restore:getSchema": ["query", { hash: "x" }],
    "restore:readDocuments": ["query", { seq: 1, table: "users", ids: ["user1"] }],
    "history:versions": ["query", { table: "users", docId: "user1", cursor: null }],
    "pins:pin": ["mutation", { selector: { kind: "seq", seq: 1 }, label: "a-label" }],
    "pins:label": ["mutation", { selector: { kind: "seq", seq: 1 }, label: "a-label" }],
    "pins:unpin": ["mutation", { selector: { kind: "seq", seq: 1 } }],
    "sync:applyRange": ["mutation", {
      runId, holder, batchId: "b", table: "users", range: openRange, digest: "x", upserts: [], deletedIdTags: [], replace: false,
    }],
    // File storage: the primary copies files in; the restore reads them back.
    "files:missing": ["query", { sha256s: [FILE_SHA256] }],
    "files:uploadUrl": ["mutation", { runId, holder }],
    "files:recordFile": ["mutation", { runId, holder, storageId: "x", sha256: FILE_SHA256, size: 1 }],
    "files:downloadUrls": ["query", { sha256s: [FILE_SHA256] }],
  };
}
const FILE_SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

async function writtenRows() {
  return d.backup.t.run(async (ctx) => ({
    runs: JSON.stringify(await ctx.db.query("runs").collect()),
    versions: (await ctx.db.query("versions").collect()).length,
    contents: (await ctx.db.query("contents").collect()).length,
    batches: (await ctx.db.query("batches").collect()).length,
  }));
}

let before: Awaited<ReturnType<typeof writtenRows>>;
beforeEach(async () => {
  before = await writtenRows();
});

test("the suite covers every public function the backup deployment has", async () => {
  const publicFunctions: string[] = [];
  for (const [file, load] of Object.entries(d.backup.modules.glob)) {
    if (file.includes("_generated")) continue;
    const module = file.split("/convex/").at(-1)!.replace(/\.ts$/, "");
    for (const [name, fn] of Object.entries(await load())) {
      if ((fn as { isPublic?: boolean }).isPublic) publicFunctions.push(`${module}:${name}`);
    }
  }
  expect(publicFunctions.sort()).toEqual(Object.keys(validArgs()).sort());
});

describe("secrets", () => {
  const variants: [string, (real: string) => string | undefined][] = [
    ["no secret", () => undefined],
    ["an empty secret", () => ""],
    ["a short secret", () => "abc"],
    ["a wrong secret", () => randomSecret()],
    ["a right-length wrong secret", (real) => real.slice(0, -1) + (real.endsWith("A") ? "B" : "A")],
  ];
  for (const [name, make] of variants) {
    test(`${name} is refused by every public function, writing nothing`, async () => {
      for (const [path, [kind, args]] of Object.entries(validArgs())) {
        const secret = make(d.secret);
        const request = call(kind, path, secret === undefined ? args : { ...args, secret });
        if (secret === undefined) {
          await expect(request, path).rejects.toThrow(); // argument validation
        } else {
          await expect(request, path).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
        }
        expect(await writtenRows()).toEqual(before);
      }
    });
  }
});

// Two credentials (issue 13, least privilege): the primary's BACKUP_SECRET
// appends runs and reads run records; BACKUP_RESTORE_SECRET, which the
// primary never holds, reads restore points and pins or unpins them.
const APPEND_MODULES = ["runs", "sync"];
const APPEND_FILES = ["files:missing", "files:uploadUrl", "files:recordFile"];
const EITHER = ["status:recentRuns"];
const isAppendPath = (path: string) => APPEND_MODULES.includes(path.split(":")[0]!) || APPEND_FILES.includes(path);
const restorePaths = () => Object.keys(validArgs()).filter((path) => !isAppendPath(path) && !EITHER.includes(path));

describe("least privilege", () => {
  test("the primary's BACKUP_SECRET is refused by every function that reads restore points or pins them", async () => {
    expect(restorePaths().length).toBeGreaterThanOrEqual(3);
    for (const path of restorePaths()) {
      const [kind, args] = validArgs()[path]!;
      await expect(call(kind, path, { ...args, secret: d.secret }), path).rejects.toMatchObject({
        data: { code: "UNAUTHORIZED", message: expect.stringMatching(/can only append runs/) },
      });
      expect(await writtenRows()).toEqual(before);
    }
  });

  test("the restore secret reads restore points and status, and cannot append", async () => {
    await expect(call("query", "restore:getSchema", { secret: d.restoreSecret, hash: "x" })).resolves.toBeNull();
    await expect(call("query", "status:recentRuns", { secret: d.restoreSecret, limit: 1 })).resolves.toBeDefined();
    await expect(call("query", "status:recentRuns", { secret: d.secret, limit: 1 })).resolves.toBeDefined();
    for (const path of Object.keys(validArgs()).filter(isAppendPath)) {
      const [kind, args] = validArgs()[path]!;
      await expect(call(kind, path, { ...args, secret: d.restoreSecret }), path).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
      expect(await writtenRows()).toEqual(before);
    }
  });

  test("restore reads are refused while BACKUP_RESTORE_SECRET is unset, or equal to BACKUP_SECRET", async () => {
    const restoreSecret = d.backup.env.BACKUP_RESTORE_SECRET;
    try {
      for (const value of [undefined, d.secret]) {
        d.backup.env.BACKUP_RESTORE_SECRET = value;
        for (const path of restorePaths()) {
          const [kind, args] = validArgs()[path]!;
          await expect(call(kind, path, { ...args, secret: d.secret }), path).rejects.toMatchObject({
            data: { code: "BACKUP_RESTORE_SECRET_NOT_CONFIGURED", message: expect.not.stringContaining(d.secret) },
          });
        }
      }
    } finally {
      d.backup.env.BACKUP_RESTORE_SECRET = restoreSecret;
    }
    expect(await writtenRows()).toEqual(before);
  });
});

describe("malformed batches are refused whole", () => {
  const apply = (overrides: Record<string, unknown>) =>
    call("mutation", "sync:applyRange", { ...validArgs()["sync:applyRange"]![1], secret: d.secret, ...overrides });
  const user = (n: number, extra: Record<string, unknown> = {}) => ({
    _id: `user${n}`, _creationTime: 1000 + n, email: `u${n}@x`, ...extra,
  });

  async function expectInvalid(overrides: Record<string, unknown>, message: RegExp) {
    await expect(apply(overrides)).rejects.toMatchObject({ data: { code: "INVALID_BATCH", message: expect.stringMatching(message) } });
    expect(await writtenRows()).toEqual(before);
  }

  test("wrong types and missing fields (argument validation)", async () => {
    await expect(apply({ upserts: "not a list" })).rejects.toThrow();
    await expect(apply({ upserts: [{ id: "x" }] })).rejects.toThrow();
    await expect(call("mutation", "sync:applyRange", { secret: d.secret, runId })).rejects.toThrow();
    expect(await writtenRows()).toEqual(before);
  });

  test("a table this run does not back up, or an invalid table name", async () => {
    await expectInvalid({ table: "orders" }, /does not back up that table/);
    await expectInvalid({ table: "no such table!" }, /not a valid Convex table name/);
  });

  test("illegal field names", async () => {
    // Written by hand: Convex's own encoder refuses to produce these.
    const base = '"_creationTime":1001,"_id":"user1","email":"u1@x"';
    for (const extra of ['"_private":1', '"nested":{"$where":1}', '"":1', '"nested":[{"b\u00e4d":1}]']) {
      const json = `{${base},${extra}}`;
      const e = { id: "user1", creationTime: 1001, hash: await sha256(json), json };
      await expectInvalid({ upserts: [e], digest: await rangeDigest([e.hash]) }, /field name Convex does not allow/);
    }
  });

  test("a forged _id, a forged hash, a key outside the range, duplicates, broken JSON", async () => {
    const good = await entry(user(1));
    await expectInvalid({ upserts: [{ ...good, id: "user2" }] }, /does not carry the _id/);
    await expectInvalid({ upserts: [{ ...good, hash: good.hash.replace(/^./, "A") === good.hash ? "B" + good.hash.slice(1) : "A" + good.hash.slice(1) }] }, /hash does not match/);
    await expectInvalid({ upserts: [good], range: { after: { creationTime: 5000, id: "z" }, upTo: null } }, /outside the batch's key range/);
    await expectInvalid({ upserts: [good, good] }, /appears twice/);
    await expectInvalid({ upserts: [{ ...good, json: "{not json" }] }, /not valid JSON/);
    await expectInvalid({ deletedIdTags: ["toolongtag"] }, /wrong length/);
  });

  test("too many documents, too many bytes", async () => {
    const tiny = await entry(user(1));
    const many = Array.from({ length: 2_001 }, (_, i) => ({ ...tiny, id: `user${i}` }));
    await expectInvalid({ upserts: many }, /at most 2000/);
    const big = "x".repeat(900_000);
    const large = await Promise.all(Array.from({ length: 12 }, (_, i) => entry(user(i, { big }))));
    await expectInvalid({ upserts: large }, /exceeds/);
  });

  test("a request over Convex's 16 MiB body limit", async () => {
    const huge = { id: "user1", creationTime: 1, hash: "x", json: "x".repeat(17 * 1024 * 1024) };
    await expect(apply({ upserts: [huge] })).rejects.toThrow(/16 MiB/);
    expect(await writtenRows()).toEqual(before);
  });

  test("a batch that would leave the range unlike the primary's digest", async () => {
    const e = await entry(user(1));
    await expect(apply({ upserts: [e], digest: "not-the-digest" })).rejects.toMatchObject({ data: { code: "RANGE_MISMATCH" } });
    expect(await writtenRows()).toEqual(before);
  });

  test("more deletions than one call may close", async () => {
    await expectInvalid({ deletedIdTags: Array.from({ length: 2_001 }, () => "abcdef") }, /at most 2000/);
  });

  test("more changes from the change log than one call may apply", async () => {
    const changes = { runId, holder, batchId: "c2", table: "users", upserts: [], deletedIds: Array.from({ length: 501 }, (_, i) => `user${i}`) };
    await expect(call("mutation", "sync:applyChanges", { ...changes, secret: d.secret })).rejects.toMatchObject({
      data: { code: "INVALID_BATCH", message: expect.stringMatching(/at most 500/) },
    });
    expect(await writtenRows()).toEqual(before);
  });

  test("a batch for a run that is not running or not held", async () => {
    const e = await entry(user(1));
    const digest = await rangeDigest([e.hash]);
    await expect(apply({ upserts: [e], digest, holder: "someone-else" })).rejects.toMatchObject({ data: { code: "LEASE_LOST" } });
    await expect(apply({ upserts: [e], digest, runId: "nonsense" })).rejects.toMatchObject({ data: { code: "RUN_NOT_ACTIVE" } });
    expect(await writtenRows()).toEqual(before);
  });
});

describe("run records accept only valid table names", () => {
  const expectRefused = async (path: string, args: Record<string, unknown>) => {
    await expect(call("mutation", path, { secret: d.secret, ...args })).rejects.toMatchObject({ data: { code: "INVALID_BATCH" } });
    expect(await writtenRows()).toEqual(before);
  };
  const bad = ["no such table!", "", "_system", "x".repeat(65)];

  test("beginRun", async () => {
    for (const name of bad) await expectRefused("runs:beginRun", { ...validArgs()["runs:beginRun"]![1], tables: [name] });
    await expectRefused("runs:beginRun", { ...validArgs()["runs:beginRun"]![1], tables: ["users", "users"] });
  });

  test("checkpoint", async () => {
    for (const name of [...bad, "orders"]) {
      await expectRefused("runs:checkpoint", { runId, holder, leaseMs: 1000, checkpoint: { ...checkpoint, table: name, counts: zeroCounts(name) } });
    }
  });

  test("finishRun", async () => {
    for (const name of bad) {
      await expectRefused("runs:finishRun", { runId, holder, tables: [zeroCounts(name)], configuredTables: [] });
      await expectRefused("runs:finishRun", { runId, holder, tables: [], configuredTables: [name] });
    }
    // A table the run never planned cannot be reported as backed up.
    await expectRefused("runs:finishRun", { runId, holder, tables: [zeroCounts("orders")], configuredTables: ["orders"] });
  });
});
