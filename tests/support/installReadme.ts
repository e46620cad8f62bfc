// The steps of README.md's "Add it to your app", read from its markers so the
// install test (tests/install.test.ts) follows exactly what a newcomer reads:
//   <!-- install:file <path> -->  the next code block is that file's contents
//   <!-- install:schema -->       the next code block is what the app's
//                                 convex/schema.ts gains (an import, a spread)
//   <!-- install:command -->      the next code block holds shell commands
// A marker without a code block under it, or a code block of the section
// without a marker, is an error naming its line: the test follows every
// block there (and tests/install.test.ts names the markers it relies on).
import { readFileSync } from "node:fs";

export type ReadmeStep =
  | { kind: "file"; path: string; contents: string; line: number }
  | { kind: "schema"; contents: string; line: number }
  | { kind: "command"; commands: string[]; line: number };

export const SECTION = "## Add it to your app";
const MARKER = /^\s*<!--\s*install:(file|schema|command)(?:\s+(\S+))?\s*-->\s*$/;

/** The section's steps in README order. */
export function readInstallSteps(readmePath: string): ReadmeStep[] {
  const lines = readFileSync(readmePath, "utf8").split("\n");
  const start = lines.findIndex((l) => l.trim() === SECTION);
  if (start === -1) throw new Error(`README.md has no "${SECTION}" section: the install test follows it.`);
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end === -1) end = lines.length;
  const steps: ReadmeStep[] = [];
  const marked = new Set<number>();
  for (let i = start + 1; i < end; i++) {
    const match = MARKER.exec(lines[i]!);
    if (match === null) continue;
    const [, kind, arg] = match as unknown as [string, "file" | "schema" | "command", string | undefined];
    const where = `README.md line ${i + 1} (<!-- install:${kind}${arg ? ` ${arg}` : ""} -->)`;
    const { text: block, fenceLine } = codeBlockAfter(lines, i + 1, end, where);
    marked.add(fenceLine);
    if (kind === "file") {
      if (arg === undefined) throw new Error(`${where}: install:file needs the file's path.`);
      steps.push({ kind, path: arg, contents: block, line: i + 1 });
    } else if (kind === "schema") {
      steps.push({ kind, contents: block, line: i + 1 });
    } else {
      const commands = block
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
      if (commands.length === 0) throw new Error(`${where}: the code block holds no command.`);
      steps.push({ kind, commands, line: i + 1 });
    }
  }
  let inBlock = false;
  for (let i = start + 1; i < end; i++) {
    if (!/^\s*```/.test(lines[i]!)) continue;
    if (!inBlock && !marked.has(i)) {
      throw new Error(
        `README.md line ${i + 1}: a code block in "${SECTION}" has no <!-- install:file|schema|command --> marker ` +
          "above it; tests/install.test.ts follows every block of that section.",
      );
    }
    inBlock = !inBlock;
  }
  return steps;
}

/** The fenced block right after a marker (blank lines allowed between), its indentation removed. */
function codeBlockAfter(lines: string[], from: number, end: number, where: string): { text: string; fenceLine: number } {
  let i = from;
  while (i < end && lines[i]!.trim() === "") i++;
  const fence = /^(\s*)```\S*\s*$/.exec(lines[i] ?? "");
  if (i >= end || fence === null) throw new Error(`${where}: no code block follows the marker.`);
  const indent = fence[1]!;
  const fenceLine = i;
  const body: string[] = [];
  for (i++; i < end; i++) {
    const line = lines[i]!;
    if (line.trim() === "```") return { text: body.join("\n") + "\n", fenceLine };
    if (line.trim() !== "" && !line.startsWith(indent)) throw new Error(`${where}: code block line ${i + 1} is not indented like its fence.`);
    body.push(line.slice(indent.length));
  }
  throw new Error(`${where}: the code block is not closed.`);
}

/**
 * A command line as words: whitespace-separated, '...' and "..." quoted
 * (no escapes inside single quotes, as in a POSIX shell), `&&` its own word.
 */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === "'" || c === '"') {
      const close = command.indexOf(c, i + 1);
      if (close === -1) throw new Error(`Unclosed ${c} in: ${command}`);
      word = (word ?? "") + command.slice(i + 1, close);
      i = close;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "&" && command[i + 1] === "&") {
      if (word !== null) words.push(word);
      words.push("&&");
      word = null;
      i++;
    } else if (c === "\\" || c === "|" || c === ";" || c === ">" || c === "<" || c === "$" || c === "`") {
      throw new Error(`The install test runs README commands without a shell; "${c}" is not supported in: ${command}`);
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** A command line split at `&&` into its commands' words. */
export function commandChain(command: string): string[][] {
  const chain: string[][] = [[]];
  for (const word of shellWords(command)) {
    if (word === "&&") chain.push([]);
    else chain.at(-1)!.push(word);
  }
  if (chain.some((c) => c.length === 0)) throw new Error(`An empty command in: ${command}`);
  return chain;
}

/** Replaces the README's `<name>` placeholders with the values a user would type; an unknown one is an error. */
export function fillPlaceholders(command: string, values: Record<string, string>): string {
  return command.replace(/<([a-z][a-z0-9-]*)>/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`The install test has no value for the README placeholder ${whole} in: ${command}`);
    return value;
  });
}
