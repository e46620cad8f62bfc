// convex-hourly-backup run: a backup now, through `npx convex run
// backup:runNow` (the app's own credentials pick the deployment), its
// output streamed as it comes. With --label or --pin it then names and pins
// the point the run made on the backup deployment, with the restore secret
// (the primary's BACKUP_SECRET only appends: runNow takes no label or pin).
import { BIN, CliError, EXIT_FAILED, EXIT_OK, keepSecret, parseFlags, tableList, UsageError, type Command } from "../common";
import { parseLabel, pointTitle } from "../pointName";
import { convexRun, DEFAULT_FUNCTION_MODULE, functionModule } from "../convexRun";
import { commandConnection } from "../restore/config";
import { RestoreSource } from "../restore/restoreSource";

const USAGE = `Usage: ${BIN} run [--dry-run] [--reconcile] [--tables a,b] [--label <label>] [--pin] [--prod] [--function-module <module>] [--url <url>] [--secret <secret>]

Runs \`npx convex run ${DEFAULT_FUNCTION_MODULE}:runNow\` from the app's folder: a backup run now,
as the hourly cron does. The output of \`npx convex run\` (the run's summary)
is shown as it comes.

  --dry-run                    what would change and what is redacted; writes nothing
  --reconcile                  compare every table (and the backup's own copy) now
  --tables a,b                 only these tables (the others are carried over)
  --label <label>              name the restore point this run makes (restore
                               --label, history and status show it), e.g.
                               before-migration-42; unique among kept points
  --pin                        retention keeps that restore point until
                               \`${BIN} unpin\`
  --prod                       the app's production deployment (else its dev
                               deployment, or the one CONVEX_DEPLOY_KEY names)
  --function-module <module>   the module that exports the backup functions
                               (default: ${DEFAULT_FUNCTION_MODULE}, i.e. convex/${DEFAULT_FUNCTION_MODULE}.ts)
  -h, --help                   this text

Exit codes: 0 the run completed (and, with --label or --pin, its point was
named and pinned), handed over to a scheduled continuation, found another
run in progress, or the dry run finished; 1 the command failed (the run's
error is in the output above), or --label/--pin found no completed point to
mark (the output says how to mark it later); 2 bad usage.`;

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    "dry-run": { type: "boolean", default: false },
    reconcile: { type: "boolean", default: false },
    tables: { type: "string" },
    label: { type: "string" },
    pin: { type: "boolean", default: false },
    prod: { type: "boolean", default: false },
    "function-module": { type: "string" },
    url: { type: "string" },
    secret: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  keepSecret(values.secret);
  const tables = tableList("--tables", values.tables);
  const fn = `${functionModule(values["function-module"])}:runNow`;
  const args_: Record<string, unknown> = {};
  if (values["dry-run"]) args_.dryRun = true;
  if (values.reconcile) args_.reconcile = true;
  if (tables !== undefined) args_.tables = tables;
  const label = values.label === undefined ? undefined : parseLabel("--label", values.label);
  if (values["dry-run"] && (label !== undefined || values.pin)) throw new UsageError("--dry-run makes no restore point: it takes no --label or --pin.");
  // The restore credential is found before the run starts: a missing one fails with nothing done.
  const marks = label !== undefined || values.pin ? new RestoreSource(commandConnection({ url: values.url, secret: values.secret })) : null;
  const result = (await convexRun(fn, args_, { prod: values.prod })) as { status?: unknown; runId?: unknown } | null;
  if (result === null || typeof result !== "object" || typeof result.status !== "string") {
    throw new CliError(`${fn} returned no run summary: is --function-module the module that exports the backup's runNow?`);
  }
  if (result.status === "alreadyRunning") console.error("run: another run holds the lease; nothing was done.");
  else if (result.status === "continued") console.error("run: the time budget ran out; a scheduled continuation finishes the run.");
  if (marks === null) return EXIT_OK;
  const later = `\`${BIN} pin <run>${label === undefined ? "" : ` --label ${label}`}\``;
  if (result.status !== "completed" || typeof result.runId !== "string") {
    console.error(`run: no restore point was completed by this call, so none was ${label === undefined ? "pinned" : "labelled"}: once it is, ${later}.`);
    return EXIT_FAILED;
  }
  const selector = { kind: "runId" as const, runId: result.runId };
  const marked = values.pin ? await marks.pin(selector, label) : await marks.label(selector, label!);
  const what = [label === undefined ? null : `labelled "${label}"`, values.pin ? "pinned (retention keeps it until unpinned)" : null];
  console.log(`run: ${pointTitle(marked)} is a restore point ${what.filter((w) => w !== null).join(" and ")}.`);
  return EXIT_OK;
}

export const runCommand: Command = {
  name: "run",
  summary: "a backup run now via npx convex run backup:runNow (--dry-run, --reconcile)",
  usage: USAGE,
  run,
};
