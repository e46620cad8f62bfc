// doctor (src/cli/doctor): a static check of an app's convex/ folder. Each
// fixture app holds problems doctor must name with their file:line and fix;
// the example shop (convex/) is clean. The CLI's exit code and summary line
// are checked once, through the real command.
// @vitest-environment node
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runDoctor } from "../packages/convex-hourly-backup/src/cli/doctor/run";
import { formatFindings, summaryLine } from "../packages/convex-hourly-backup/src/cli/doctor/findings";
import { cli } from "./support/cliRun";

const app = (name: string) => fileURLToPath(new URL(`./fixtures/apps/${name}`, import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("doctor", () => {
  test("the example shop: no finding", async () => {
    const { findings, functionsModule } = await runDoctor(ROOT);
    expect(findings).toEqual([]);
    expect(functionsModule).toBe("functions");
  });

  test("an ordinary app before init: raw builders, a Triggers builder file, required secrets, a component", async () => {
    const { findings } = await runDoctor(app("ordinary"));
    const lines = findings.map((f) => `${f.kind} ${f.where}`);
    expect(lines).toEqual([
      "unrecordedMutation convex/apiKeys.ts:4",
      "lossyComposition convex/posts.ts:4",
      "lossyComposition convex/posts.ts:9",
      "unrecordedMutation convex/reminders.ts:5",
      "unrecordedMutation convex/users.ts:5",
      "component convex/convex.config.ts:5",
      "redactedRequired convex/schema.ts",
      "redactedRequired convex/schema.ts",
      "redactedRequired convex/schema.ts",
    ]);
    const text = formatFindings(findings);
    expect(text).toContain('users.ts:5: createUser: defined with mutation (./_generated/server\'s mutation), which records no changes');
    expect(text).toContain('fix: import { mutation } from "./functions" instead');
    expect(text).toContain("withChangeCapture(rawMutation, { wrapDB: triggers.wrapDB })");
    // The nested field too, each with the placeholder to add.
    for (const field of ["users.passwordHash", "users.oauth.refreshToken", "apiKeys.secret"]) {
      expect(text).toContain(`${field} is required, and the backup never holds it`);
    }
    expect(text).toContain('restorePlaceholders: { users: { "oauth.refreshToken"');
    expect(summaryLine(findings)).toBe(
      "doctor: 8 problems (3 mutations that record no changes, 2 ctx.db wrappers that lose writes, 3 required redacted fields without a restore placeholder) " +
        "(and 1 note: components whose tables are in no restore point); run `npx convex-hourly-backup doctor` for each one's file, line and fix.",
    );
  });

  test("library builders, customMutation over a raw builder, settings naming nothing, known components", async () => {
    const { findings } = await runDoctor(app("problems"));
    const text = formatFindings(findings);
    expect(findings.map((f) => `${f.kind} ${f.where}`)).toEqual([
      "unrecordedMutation convex/authed.ts:7",
      "unrecordedMutation convex/generic.ts:4",
      "unrecordedMutation convex/migrations.ts:4",
      "component convex/convex.config.ts:6",
      "component convex/convex.config.ts:7",
      "config convex/backup.ts",
      "config convex/backup.ts",
      "config convex/backup.ts",
    ]);
    expect(text).toContain("fix: wrap that builder: withChangeCapture(customMutation(rawMutation, ...))");
    expect(text).toContain("new Migrations(components.migrations, { internalMutation })");
    expect(text).toContain("rebuild the aggregate from the restored table");
    expect(text).toContain("never --replace-all");
    expect(text).toContain("excludedTables names tables the schema does not have: item");
    expect(text).toContain("omittedFields.items names fields items does not have: nmae");
    expect(text).toContain("restorePlaceholders names table orders");
  });

  test("Triggers composed with the recorder outside: the lossy builder is named, the wrapDB one is not", async () => {
    const { findings } = await runDoctor(app("triggers"));
    expect(findings.map((f) => `${f.kind} ${f.where}`)).toEqual(["lossyComposition convex/lossyComposition.ts:13"]);
  });

  test("the command exits 1 on a problem and prints where and the fix", async () => {
    const bad = await cli(["doctor", "--dir", app("triggers")]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("convex/lossyComposition.ts:13: addPost:");
    expect(bad.stdout).toContain("fix: put the recorder innermost");
  });
});
