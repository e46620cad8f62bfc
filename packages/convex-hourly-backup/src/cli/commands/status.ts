// convex-hourly-backup status: the backup deployment's recent runs and the
// age of its newest restore point, read straight from the backup (its
// status:recentRuns query, with the shared secret), the way the app's
// backup:status reads them: the same BackupTarget, readBackupStatus and
// statusLines. Exits 1 when the newest restore point is stale.
import { DEFAULT_STATUS_LIMIT, readBackupStatus, STALE_AFTER_MS, statusLines, formatAge } from "../../app/backupStatus";
import { BackupTarget, DEFAULT_REQUEST_TIMEOUT_MS } from "../../app/backupTarget";
import { DEFAULT_RETRY_POLICY } from "../../app/retry";
import { MAX_STATUS_RUNS } from "../../shared/protocol";
import { BIN, EXIT_FAILED, EXIT_OK, keepSecret, parseFlags, UsageError, type Command } from "../common";
import { commandConnection, STATUS_SECRET_VARS } from "../restore/config";

const USAGE = `Usage: ${BIN} status [--limit <n>] [--json] [--url <url>] [--secret <secret>]

Asks the backup deployment for its last runs and prints one line per run
(start time, state, labels and pin, duration, bytes sent, scanned/changed/
deleted per table), a line listing every pinned point, a line on retention
(runs and versions waiting to be pruned, the last prune; a WARNING when it
has made no progress for a day), then the age of the newest completed run
(the newest restore point), one line per table saying what that point holds
(made by the change log or a reconciliation, last verified when, missed by
the change log in 7 days), and a WARNING naming the files it lacks, if any.

  --limit <n>          how many runs (1..${MAX_STATUS_RUNS}, default ${DEFAULT_STATUS_LIMIT})
  --json               print the report as JSON instead
  --url <url>          backup deployment URL (default: BACKUP_URL from the
                       environment, .env.local or .env)
  --secret <secret>    BACKUP_RESTORE_SECRET or the primary's BACKUP_SECRET
                       (default: either, from the same places)
  -h, --help           this text

Exit codes: 0 the newest restore point finished within the last
${formatAge(STALE_AFTER_MS)}; 1 it is older (stale), there is none yet, or the
backup could not be read (unreachable, wrong secret); 2 bad usage.`;

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    limit: { type: "string" },
    json: { type: "boolean", default: false },
    url: { type: "string" },
    secret: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  keepSecret(values.secret);
  const limit = values.limit === undefined ? DEFAULT_STATUS_LIMIT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_STATUS_RUNS) {
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_STATUS_RUNS}, got "${values.limit}".`);
  }
  const connection = commandConnection({ url: values.url, secret: values.secret }, { secretVars: STATUS_SECRET_VARS });
  const target = new BackupTarget(
    // `source` names a primary in the calls that write; status only reads.
    { ...connection, requestTimeoutMs: Math.min(DEFAULT_REQUEST_TIMEOUT_MS, 30_000), source: BIN },
    { ...DEFAULT_RETRY_POLICY, maxAttempts: 3, maxTotalMs: 15_000 },
  );
  const status = await readBackupStatus(target, limit, () => Date.now());
  if (values.json) console.log(JSON.stringify(status, null, 2));
  else for (const line of statusLines(status)) console.log(line.text);
  return status.stale ? EXIT_FAILED : EXIT_OK;
}

export const status: Command = {
  name: "status",
  summary: "print the backup's recent runs and the age of the newest restore point (exit 1 when stale)",
  usage: USAGE,
  run,
};
