// What every subcommand of `convex-hourly-backup` shares: its shape, the
// exit codes, flag parsing that turns every mistake into a UsageError, and
// the one-line error report (never a stack trace, never a secret).
import { parseArgs, type ParseArgsConfig } from "node:util";

export const BIN = "convex-hourly-backup";

/** 0: done (and nothing wrong found). 1: the operation failed or found a problem. 2: bad usage. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export type Command = {
  name: string;
  /** One line for `convex-hourly-backup --help`. */
  summary: string;
  /** The whole `--help` text, exit codes included. */
  usage: string;
  /** Runs with the arguments after the subcommand's name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
};

/** A mistake on the command line: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure explained to the user in its message: exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** node:util parseArgs, strict, with its errors as UsageError (first sentence only: one line). */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.split(/\.\s/)[0]!.replace(/\.$/, "") + ".");
  }
}

/** Secrets any message may hold, replaced by *** before printing. */
const secrets = new Set<string>();

export function keepSecret(secret: string | undefined): void {
  if (secret !== undefined && secret.trim().length >= 4) secrets.add(secret.trim());
}

export function scrub(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out;
}

/** An error as one line for stderr. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return scrub(message).replace(/\s*\n\s*/g, " ").trim() || "unknown error";
}

/** a,b , c -> ["a", "b", "c"]; an empty list is a usage error. */
export function tableList(flag: string, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const tables = text.split(",").map((t) => t.trim()).filter((t) => t !== "");
  if (tables.length === 0) throw new UsageError(`${flag} lists no table.`);
  return tables;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
