// init's edits of the app's mutation builders, on the syntax tree:
//   - the builders file: an existing custom-builder file (customMutation over
//     the raw builders, e.g. customCtx(triggers.wrapDB)) is rewritten to
//     withChangeCapture(raw, { wrapDB }) or withChangeCapture(customMutation(...));
//     else convex/functions.ts is written;
//   - every other file's `mutation` / `internalMutation` imports from
//     ./_generated/server move to the builders file (an import of query and
//     mutation together is split).
import { join } from "node:path";
import type { CallExpression, SourceFile } from "ts-morph";
import { BuilderResolver, isGeneratedServer, relativeModule } from "../doctor/builders";
import type { AppProject } from "../doctor/project";
import { FUNCTIONS_FILE } from "./templates";

const BUILDERS = ["mutation", "internalMutation"] as const;

/** The builders file's module (relative to convex/, no extension), made or fixed. */
export function ensureBuilders(app: AppProject): string {
  const resolver = new BuilderResolver(app);
  const { Node: N } = app.tsm;
  for (const file of app.files) {
    const declaration = file.getVariableDeclaration("mutation");
    if (declaration === undefined || !declaration.isExported()) continue;
    const kind = resolver.identifier(file, "mutation").kind;
    if (kind === "captured") return moduleOf(app, file);
    if (kind !== "rawCustom" && kind !== "rawCustomDb" && kind !== "lossy") continue;
    // An existing custom-builder file: wrap each builder it exports.
    for (const name of BUILDERS) {
      const init = file.getVariableDeclaration(name)?.getInitializer();
      if (init === undefined || !N.isCallExpression(init)) continue;
      rewriteBuilder(app, init);
    }
    if (file.getImportDeclaration((d) => d.getModuleSpecifierValue() === "convex-hourly-backup") === undefined) {
      file.addImportDeclaration({ moduleSpecifier: "convex-hourly-backup", namedImports: ["withChangeCapture"] });
    }
    dropUnusedImports(app, file, ["customCtx", "customMutation"]);
    return moduleOf(app, file);
  }
  const path = join(app.convexDir, "functions.ts");
  const existing = app.files.find((f) => f.getFilePath() === path);
  if (existing !== undefined) throw new Error("convex/functions.ts exists and exports no mutation builder: add the wrapped builders by hand (README).");
  app.files.push(app.project.createSourceFile(path, FUNCTIONS_FILE));
  return "functions";
}

/** customMutation(raw, customCtx(x.wrapDB)) -> withChangeCapture(raw, { wrapDB: x.wrapDB }); other customizations wrapped whole. */
function rewriteBuilder(app: AppProject, call: CallExpression): void {
  const { Node: N } = app.tsm;
  const callee = call.getExpression().getText();
  if (callee === "withChangeCapture") {
    // withChangeCapture(customMutation(raw, customCtx(x.wrapDB))): the recorder outside; put it inside.
    const [inner] = call.getArguments();
    if (inner !== undefined && N.isCallExpression(inner)) call.replaceWithText(wrapped(app, inner) ?? call.getText());
    return;
  }
  const text = wrapped(app, call);
  if (text !== null) call.replaceWithText(text);
}

function wrapped(app: AppProject, call: CallExpression): string | null {
  const { Node: N } = app.tsm;
  const [raw, customization] = call.getArguments();
  if (raw === undefined) return null;
  if (customization !== undefined && N.isCallExpression(customization) && customization.getExpression().getText() === "customCtx") {
    const [wrap] = customization.getArguments();
    if (wrap !== undefined && /\.wrapDB$/.test(wrap.getText())) return `withChangeCapture(${raw.getText()}, { wrapDB: ${wrap.getText()} })`;
  }
  return `withChangeCapture(${call.getText()})`;
}

/** Removes the named imports the file no longer uses (customCtx, customMutation after the rewrite). */
function dropUnusedImports(app: AppProject, file: SourceFile, names: readonly string[]): void {
  const { Node: N, SyntaxKind } = app.tsm;
  for (const decl of file.getImportDeclarations()) {
    for (const named of decl.getNamedImports()) {
      if (!names.includes(named.getName())) continue;
      const local = named.getAliasNode()?.getText() ?? named.getName();
      const referenced = file
        .getDescendantsOfKind(SyntaxKind.Identifier)
        .some((n) => n.getText() === local && !N.isImportSpecifier(n.getParent()));
      if (!referenced) named.remove();
    }
    if (decl.getNamedImports().length === 0 && decl.getDefaultImport() === undefined && decl.getNamespaceImport() === undefined) decl.remove();
  }
}

function moduleOf(app: AppProject, file: SourceFile): string {
  return file.getFilePath().slice(app.convexDir.length + 1).replace(/\.(ts|tsx|js|mjs)$/, "");
}

/** Moves every `mutation` / `internalMutation` import from ./_generated/server to the builders file. */
export function convertImports(app: AppProject, functionsModule: string): void {
  const builders = join(app.convexDir, functionsModule);
  for (const file of app.files) {
    if (file.getFilePath().replace(/\.(ts|tsx|js|mjs)$/, "") === builders) continue;
    const moved: { name: string; alias?: string }[] = [];
    for (const decl of file.getImportDeclarations()) {
      if (!isGeneratedServer(decl.getModuleSpecifierValue()) || decl.isTypeOnly()) continue;
      for (const named of decl.getNamedImports()) {
        if (!(BUILDERS as readonly string[]).includes(named.getName()) || named.isTypeOnly()) continue;
        moved.push({ name: named.getName(), alias: named.getAliasNode()?.getText() });
        named.remove();
      }
      if (decl.getNamedImports().length === 0 && decl.getDefaultImport() === undefined && decl.getNamespaceImport() === undefined) decl.remove();
    }
    if (moved.length === 0) continue;
    const spec = relativeModule(file, app, functionsModule);
    const existing = file.getImportDeclaration((d) => d.getModuleSpecifierValue() === spec);
    if (existing !== undefined) existing.addNamedImports(moved);
    else file.addImportDeclaration({ moduleSpecifier: spec, namedImports: moved });
  }
}
