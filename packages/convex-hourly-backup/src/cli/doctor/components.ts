// Components declared in convex/convex.config.ts (`app.use(component, ...)`):
// their tables live in the component, not in the app, so the backup reads none
// of them and no restore point holds them. What to do depends on the component.
import type { SourceFile } from "ts-morph";
import type { Finding } from "./findings";

/** Advice per known component, by the package its convex.config comes from. */
const KNOWN: Record<string, string> = {
  "@convex-dev/aggregate":
    "after a restore, rebuild the aggregate from the restored table (clear it, then insert every document again, e.g. a migration calling insertIfDoesNotExist); " +
    "restore with `npx convex import --replace` (only the app's tables), never --replace-all, which empties the component's tables too",
  "@convex-dev/migrations":
    "it holds migration progress only; build its migrations with the wrapped internalMutation (new Migrations(components.migrations, { internalMutation })) so their writes are captured, and restore with --replace",
  "@convex-dev/workpool": "queued work is not restored: restore with --replace (not --replace-all) and re-enqueue what was in flight",
  "@convex-dev/workflow": "running workflows are not restored: restore with --replace (not --replace-all) and restart the workflows that were in flight",
  "@convex-dev/action-retrier": "pending retries are not restored: restore with --replace (not --replace-all)",
  "@convex-dev/crons": "crons registered at runtime are not restored: restore with --replace (not --replace-all), or register them again",
  "@convex-dev/rate-limiter": "rate-limit state is not restored (it refills): restore with --replace (not --replace-all)",
  "@convex-dev/sharded-counter":
    "counts are not restored: restore with --replace (not --replace-all), then recount from the restored tables",
  "@convex-dev/presence": "presence is transient: restore with --replace (not --replace-all)",
  "@convex-dev/auth": "restore with --replace (not --replace-all)",
};

const GENERIC =
  "restore with `npx convex import --replace` (not --replace-all, which empties the component's tables), then rebuild or re-sync the component's data from the restored tables";

/** One finding per `app.use(...)` in convex.config.ts. */
export function componentFindings(config: SourceFile, where: (line: number) => string): Finding[] {
  const findings: Finding[] = [];
  const imports = new Map<string, string>();
  for (const decl of config.getImportDeclarations()) {
    const def = decl.getDefaultImport()?.getText();
    if (def !== undefined) imports.set(def, decl.getModuleSpecifierValue());
    for (const named of decl.getNamedImports()) imports.set(named.getAliasNode()?.getText() ?? named.getName(), decl.getModuleSpecifierValue());
  }
  config.forEachDescendant((node) => {
    if (node.getKindName() !== "CallExpression") return;
    const text = node.getChildAtIndex(0).getText();
    if (!/\.use$/.test(text)) return;
    const call = node as unknown as { getArguments(): { getText(): string }[]; getStartLineNumber(): number };
    const [first] = call.getArguments();
    if (first === undefined) return;
    const from = imports.get(first.getText()) ?? first.getText();
    const pkg = /^(@[^/]+\/[^/]+|[^./][^/]*)/.exec(from)?.[1];
    const advice = (pkg !== undefined && KNOWN[pkg]) || GENERIC;
    findings.push({
      kind: "component",
      where: where(call.getStartLineNumber()),
      problem: `component ${first.getText()} (${from}): its tables are in no restore point (the backup reads only the app's own tables).`,
      fix: advice + ".",
    });
  });
  return findings;
}
