// Which builder each mutation of convex/ is defined with, read from the syntax
// tree and followed through imports between the app's files: a builder made by
// withChangeCapture records the mutation's writes; the raw builders
// (./_generated/server, mutationGeneric), a customMutation over them, and a
// library's own builder record nothing, so those writes reach the backup only
// at the weekly reconciliation. A ctx.db wrapper (Triggers) applied outside the
// recorder loses the writes its triggers make (docs/triggers.md).
import { dirname, relative, resolve } from "node:path";
import type { Expression, Node, SourceFile } from "ts-morph";
import type { AppProject } from "./project";
import type { Finding } from "./findings";

/** What a builder expression is, for change capture. */
export type BuilderKind =
  | "captured" // withChangeCapture(...), composed right
  | "raw" // ./_generated/server's mutation / internalMutation
  | "generic" // convex/server's mutationGeneric / internalMutationGeneric
  | "rawCustom" // customMutation over a raw builder, ctx.db untouched
  | "rawCustomDb" // customMutation over a raw builder that wraps ctx.db (Triggers)
  | "lossy" // withChangeCapture over a customMutation that wraps ctx.db
  | "other"; // a query, an action, or nothing doctor can follow

export type Builder = { kind: BuilderKind; name: string };

const RAW_MUTATIONS = new Set(["mutation", "internalMutation"]);
const GENERIC_MUTATIONS = new Set(["mutationGeneric", "internalMutationGeneric"]);
const CUSTOM_MUTATIONS = new Set(["customMutation", "zCustomMutation"]);
const OTHER = { kind: "other", name: "" } as const;

export const isGeneratedServer = (spec: string) => /(^|\/)_generated\/server(\.js)?$/.test(spec);

export class BuilderResolver {
  private readonly byPath = new Map<string, SourceFile>();

  constructor(private readonly app: AppProject) {
    for (const file of app.files) this.byPath.set(file.getFilePath(), file);
  }

  /** The app file a relative import names, if it is one of convex/'s. */
  importedFile(from: SourceFile, spec: string): SourceFile | undefined {
    if (!spec.startsWith(".")) return undefined;
    const base = resolve(dirname(from.getFilePath()), spec).replace(/\.js$/, "");
    for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}.js`, `${base}/index.ts`]) {
      const file = this.byPath.get(candidate);
      if (file !== undefined) return file;
    }
    return undefined;
  }

  /** What the identifier `name` is in `file`, followed through imports (depth-limited). */
  identifier(file: SourceFile, name: string, depth = 0): Builder {
    if (depth > 8) return OTHER;
    for (const decl of file.getImportDeclarations()) {
      const spec = decl.getModuleSpecifierValue();
      for (const named of decl.getNamedImports()) {
        if ((named.getAliasNode()?.getText() ?? named.getName()) !== name) continue;
        const imported = named.getName();
        if (isGeneratedServer(spec)) return RAW_MUTATIONS.has(imported) ? { kind: "raw", name: imported } : OTHER;
        if (spec === "convex/server") return GENERIC_MUTATIONS.has(imported) ? { kind: "generic", name: imported } : OTHER;
        const target = this.importedFile(file, spec);
        return target === undefined ? OTHER : this.exported(target, imported, depth + 1);
      }
    }
    const local = file.getVariableDeclaration(name);
    const init = local?.getInitializer();
    return init === undefined ? OTHER : this.expression(file, init, depth + 1);
  }

  private exported(file: SourceFile, name: string, depth: number): Builder {
    for (const decl of file.getExportDeclarations()) {
      for (const spec of decl.getNamedExports()) {
        if ((spec.getAliasNode()?.getText() ?? spec.getName()) !== name) continue;
        const from = decl.getModuleSpecifierValue();
        if (from === undefined) return this.identifier(file, spec.getName(), depth + 1);
        const target = this.importedFile(file, from);
        return target === undefined ? OTHER : this.exported(target, spec.getName(), depth + 1);
      }
    }
    return this.identifier(file, name, depth + 1);
  }

  /** What a builder expression is. */
  expression(file: SourceFile, expr: Expression, depth = 0): Builder {
    const { Node: N } = this.app.tsm;
    if (N.isParenthesizedExpression(expr) || N.isAsExpression(expr) || N.isSatisfiesExpression(expr)) {
      return this.expression(file, expr.getExpression(), depth);
    }
    if (N.isIdentifier(expr)) return this.identifier(file, expr.getText(), depth);
    if (!N.isCallExpression(expr)) return OTHER;
    const callee = expr.getExpression().getText().split(".").at(-1) ?? "";
    const [first, second] = expr.getArguments() as Node[];
    if (callee === "withChangeCapture") {
      const inner = first !== undefined && N.isExpression(first) ? this.expression(file, first, depth + 1) : OTHER;
      return { kind: inner.kind === "rawCustomDb" ? "lossy" : "captured", name: "withChangeCapture" };
    }
    if (CUSTOM_MUTATIONS.has(callee)) {
      const inner = first !== undefined && N.isExpression(first) ? this.expression(file, first, depth + 1) : OTHER;
      if (inner.kind === "captured") return inner;
      if (inner.kind === "raw" || inner.kind === "generic") {
        const wrapsDb = second !== undefined && /\bwrapDB\b|\bdb\s*:/.test(second.getText());
        return { kind: wrapsDb ? "rawCustomDb" : "rawCustom", name: callee };
      }
    }
    return OTHER;
  }
}

/** Every mutation definition of the app whose builder records no changes. */
export function builderFindings(app: AppProject, functionsModule: string): Finding[] {
  const { Node: N } = app.tsm;
  const resolver = new BuilderResolver(app);
  const findings: Finding[] = [];
  for (const file of app.files) {
    file.forEachDescendant((node) => {
      if (N.isNewExpression(node) && node.getExpression().getText() === "Migrations") {
        const options = node.getArguments()[1];
        if (options === undefined || !/\binternalMutation\b/.test(options.getText())) {
          findings.push({
            kind: "unrecordedMutation",
            where: app.where(file, node.getStartLineNumber()),
            problem: "new Migrations(...) without { internalMutation }: its migrations are built with the raw internalMutationGeneric and record no changes.",
            fix: `pass the wrapped builder: new Migrations(components.migrations, { internalMutation }) with internalMutation imported from "${relativeModule(file, app, functionsModule)}".`,
          });
        }
        return;
      }
      if (!N.isCallExpression(node)) return;
      const [definition] = node.getArguments();
      const callee = node.getExpression();
      if (!N.isIdentifier(callee) || definition === undefined) return;
      const isDefinition =
        (N.isObjectLiteralExpression(definition) && definition.getProperty("handler") !== undefined) ||
        N.isArrowFunction(definition) ||
        N.isFunctionExpression(definition);
      if (!isDefinition) return;
      const builder = resolver.identifier(file, callee.getText());
      const finding = definitionFinding(builder, callee.getText(), relativeModule(file, app, functionsModule));
      if (finding === null) return;
      const name = node.getFirstAncestorByKind(app.tsm.SyntaxKind.VariableDeclaration)?.getName() ?? "default";
      findings.push({ ...finding, where: app.where(file, node.getStartLineNumber()), problem: `${name}: ${finding.problem}` });
    });
  }
  return findings;
}

function definitionFinding(builder: Builder, used: string, functions: string): Omit<Finding, "where"> | null {
  const missed = "its writes reach the backup only at the weekly reconciliation (reported as missedByLog)";
  switch (builder.kind) {
    case "raw":
      return {
        kind: "unrecordedMutation",
        problem: `defined with ${used} (./_generated/server's ${builder.name}), which records no changes: ${missed}.`,
        fix: `import { ${builder.name} } from "${functions}" instead (npx convex-hourly-backup init does it).`,
      };
    case "generic":
      return {
        kind: "unrecordedMutation",
        problem: `defined with ${used} (convex/server's ${builder.name}), which records no changes: ${missed}.`,
        fix: `build it with withChangeCapture(${builder.name}) from convex-hourly-backup, or import the wrapped builder from "${functions}".`,
      };
    case "rawCustom":
      return {
        kind: "unrecordedMutation",
        problem: `defined with ${used}, a ${builder.name} over a raw builder, which records no changes: ${missed}.`,
        fix: `wrap that builder: withChangeCapture(${builder.name}(rawMutation, ...)).`,
      };
    case "rawCustomDb":
      return {
        kind: "lossyComposition",
        problem: `defined with ${used}, a ${builder.name} that wraps ctx.db (Triggers) over a raw builder: no write is recorded.`,
        fix: "give the wrapper to the change recorder: withChangeCapture(rawMutation, { wrapDB: triggers.wrapDB }) (docs/triggers.md).",
      };
    case "lossy":
      return {
        kind: "lossyComposition",
        problem: `defined with ${used}, withChangeCapture over a builder that wraps ctx.db (Triggers): the writes the wrapper makes (triggers') are not recorded.`,
        fix: "put the recorder innermost: withChangeCapture(rawMutation, { wrapDB: triggers.wrapDB }) (docs/triggers.md).",
      };
    default:
      return null;
  }
}

/** "./functions" as a file in `file`'s folder imports it. */
export function relativeModule(file: SourceFile, app: AppProject, functionsModule: string): string {
  const target = resolve(app.convexDir, functionsModule);
  let rel = relative(dirname(file.getFilePath()), target).replaceAll("\\", "/");
  if (!rel.startsWith(".")) rel = `./${rel}`;
  return rel;
}
