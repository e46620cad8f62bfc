// Triggers and change capture (docs/triggers.md): a convex-helpers trigger on
// posts writes postCounts; with withChangeCapture(raw, { wrapDB }) that write
// is in the next hourly point, read from the change log. The composition that
// compiles the other way round (tests/fixtures/apps/triggers/convex/
// lossyComposition.ts) loses it: the point after it disagrees with the primary.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { makeFunctionReference } from "convex/server";
import type { Value } from "convex/values";
import { startDeployments, type Deployments } from "../harness/deployments";
import { restoreRun, snapshotPrimary, type Snapshot } from "./support/pointInTime";

const FIXTURE = fileURLToPath(new URL("./fixtures/apps/triggers/convex", import.meta.url));
const TABLES = ["posts", "postCounts"];
type Counts = { table: string; scanned: number; changed: number; deleted: number };
type Summary = { status: string; mode?: string; tables: Counts[] };

const addPost = makeFunctionReference<"mutation", { author: string; title: string }, string>("posts:addPost");
const lossyAddPost = makeFunctionReference<"mutation", { author: string; title: string }, string>("lossyComposition:addPost");
const runNow = makeFunctionReference<"action", Record<string, never>, Summary>("backup:runNow");

let d: Deployments;
beforeEach(async () => {
  d = (await startDeployments({ primaryDir: FIXTURE })) as unknown as Deployments;
});
afterEach(async () => {
  await d.close();
});

const changed = (summary: Summary, table: string) => summary.tables.find((t) => t.table === table)?.changed;
const counts = async () => {
  const latest = await restoreRun(d, "latest");
  return [...(latest.get("postCounts") ?? new Map<string, Value>()).values()].map((doc) => {
    const { author, count } = doc as { author: string; count: number };
    return `${author}:${count}`;
  });
};
const primaryCounts = (snapshot: Snapshot) =>
  [...snapshot.get("postCounts")!.values()].map((doc) => `${(doc as { author: string }).author}:${(doc as { count: number }).count}`);

describe("convex-helpers Triggers with withChangeCapture(raw, { wrapDB: triggers.wrapDB })", () => {
  test("a trigger's write to another table is in the next hourly point, read from the log", async () => {
    await d.primary.t.mutation(addPost, { author: "ada", title: "one" });
    await d.primary.t.mutation(addPost, { author: "bob", title: "two" });
    expect(await d.primary.t.action(runNow, {})).toMatchObject({ status: "completed", mode: "scan" });

    await d.primary.t.mutation(addPost, { author: "ada", title: "three" });
    const run2 = await d.primary.t.action(runNow, {});
    expect(run2).toMatchObject({ status: "completed", mode: "log" });
    expect(changed(run2, "posts")).toBe(1);
    expect(changed(run2, "postCounts")).toBe(1);
    const primary = await snapshotPrimary(d, TABLES);
    expect(primaryCounts(primary).sort()).toEqual(["ada:2", "bob:1"]);
    expect((await counts()).sort()).toEqual(["ada:2", "bob:1"]);
    expect((await restoreRun(d, "latest")).get("posts")).toEqual(primary.get("posts"));
  });

  test("the composition that compiles the other way round loses the trigger's write (what docs/triggers.md warns of)", async () => {
    await d.primary.t.mutation(addPost, { author: "ada", title: "one" });
    await d.primary.t.action(runNow, {});

    await d.primary.t.mutation(lossyAddPost, { author: "ada", title: "two" });
    const run2 = await d.primary.t.action(runNow, {});
    expect(run2).toMatchObject({ status: "completed", mode: "log" });
    expect(changed(run2, "posts")).toBe(1);
    expect(changed(run2, "postCounts")).toBe(0);
    expect(primaryCounts(await snapshotPrimary(d, TABLES))).toEqual(["ada:2"]);
    expect(await counts()).toEqual(["ada:1"]);
  });
});

test("docs/triggers.md shows the fixture's code verbatim (tsc compiles the fixture)", () => {
  const page = readFileSync(fileURLToPath(new URL("../docs/triggers.md", import.meta.url)), "utf8");
  const snippets = [...page.matchAll(/<!-- snippet (\S+) -->\n```ts\n([\s\S]*?)```\n/g)];
  expect(snippets.map((m) => m[1])).toEqual([
    "tests/fixtures/apps/triggers/convex/functions.ts",
    "tests/fixtures/apps/triggers/convex/triggers.ts",
  ]);
  for (const [, path, code] of snippets) {
    expect(code, path).toBe(readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), "utf8"));
  }
});
