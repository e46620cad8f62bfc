// convex-hourly-backup verify: runs the app's backup:verify through
// `npx convex run` (the app's own credentials pick the deployment), streams
// its output, and exits 1 when it reports a difference.
import { BIN, CliError, EXIT_FAILED, EXIT_OK, parseFlags, tableList, type Command } from "../common";
import { convexRun, DEFAULT_FUNCTION_MODULE, functionModule } from "../convexRun";

const USAGE = `Usage: ${BIN} verify [--tables a,b] [--prod] [--function-module <module>]

Runs \`npx convex run ${DEFAULT_FUNCTION_MODULE}:verify\` from the app's folder: it reads every page of the
primary the way a backup run does and compares it with what the backup
stores, writing nothing. Per table it reports documents missing, extra and
different; the output of \`npx convex run\` is shown as it comes.

  --tables a,b                 only these tables (default: every backed-up table)
  --prod                       the app's production deployment (else its dev
                               deployment, or the one CONVEX_DEPLOY_KEY names)
  --function-module <module>   the module that exports the backup functions
                               (default: ${DEFAULT_FUNCTION_MODULE}, i.e. convex/${DEFAULT_FUNCTION_MODULE}.ts)
  -h, --help                   this text

Exit codes: 0 the backup matches the primary; 1 verify found a difference
(ok: false) or the command failed; 2 bad usage.`;

type TableVerdict = { table: string; missing: number; extra: number; different: number; rangesDiffering?: number };

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    tables: { type: "string" },
    prod: { type: "boolean", default: false },
    "function-module": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  const tables = tableList("--tables", values.tables);
  const fn = `${functionModule(values["function-module"])}:verify`;
  const result = (await convexRun(fn, tables === undefined ? {} : { tables }, { prod: values.prod })) as {
    ok?: unknown;
    tables?: TableVerdict[];
  } | null;
  if (result === null || typeof result !== "object" || typeof result.ok !== "boolean") {
    throw new CliError(`${fn} returned no verdict (ok): is --function-module the module that exports the backup's verify?`);
  }
  if (result.ok) {
    console.error(`verify: the backup matches the primary (${result.tables?.length ?? 0} tables).`);
    return EXIT_OK;
  }
  const differing = (result.tables ?? [])
    .filter((t) => t.missing + t.extra + t.different > 0 || (t.rangesDiffering ?? 0) > 0)
    .map((t) => `${t.table} (${t.missing} missing, ${t.extra} extra, ${t.different} different)`);
  console.error(
    `verify found differences: ${differing.join(", ") || "see the report above"}. The next backup run repairs what changed ` +
      `on the primary; \`${BIN} run --reconcile\` repairs anything else.`,
  );
  return EXIT_FAILED;
}

export const verify: Command = {
  name: "verify",
  summary: "compare the primary with the backup via npx convex run backup:verify (exit 1 on a difference)",
  usage: USAGE,
  run,
};
