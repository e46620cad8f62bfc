// convex-hourly-backup unpin <run|label>: hands a pinned restore point back
// to the retention policy (pins:unpin on the backup deployment, with the
// restore credential). Its label stays until retention deletes the run.
import { BIN, EXIT_OK, keepSecret, parseFlags, type Command } from "../common";
import { parsePointName, pointTitle } from "../pointName";
import { commandConnection } from "../restore/config";
import { RestoreSource } from "../restore/restoreSource";

const USAGE = `Usage: ${BIN} unpin <run | label> [--url <url>] [--secret <secret>]

Unpins a restore point: from now on the retention policy decides whether it
is kept (BACKUP_RETENTION on the backup deployment; \`status\` shows the
policy in force). Retention's next hourly pass deletes it if the
policy does not keep it, and from then on it cannot be restored. Its label
stays as long as the run does.

  <run | label>        the point: a run number (status lists them), its label,
                       latest, an ISO time or a run id
  --url <url>          backup deployment URL (default: BACKUP_URL from the
                       environment, .env.local or .env)
  --secret <secret>    the backup deployment's BACKUP_RESTORE_SECRET (default:
                       BACKUP_RESTORE_SECRET from the same places)
  -h, --help           this text

Exit codes: 0 unpinned (or not pinned); 1 failed, with the reason (no such
run, the backup unreachable or the secret wrong); 2 bad usage.`;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      url: { type: "string" },
      secret: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    true,
  );
  keepSecret(values.secret);
  const selector = parsePointName(positionals);
  const connection = commandConnection({ url: values.url, secret: values.secret });
  const unpinned = await new RestoreSource(connection).unpin(selector);
  const title = pointTitle(unpinned);
  console.log(
    unpinned.changed
      ? `Unpinned ${title}: the retention policy decides from its next pass whether it is kept.`
      : `${title[0]!.toUpperCase()}${title.slice(1)} was not pinned: nothing changed.`,
  );
  return EXIT_OK;
}

export const unpin: Command = {
  name: "unpin",
  summary: "hand a pinned restore point back to the retention policy",
  usage: USAGE,
  run,
};
