// convex-hourly-backup pin <run|label> [--label <label>]: retention keeps a
// restore point, whatever its policy, until `unpin` (pins:pin on the backup
// deployment, with the restore credential). --label gives it a name (unique
// among kept points) that restore --label, history and status show.
import { BIN, EXIT_OK, keepSecret, parseFlags, type Command } from "../common";
import { parseLabel, parsePointName, pointTitle } from "../pointName";
import { commandConnection } from "../restore/config";
import { RestoreSource } from "../restore/restoreSource";
import { MAX_LABEL_LENGTH, MAX_PINNED } from "../../shared/protocol";

const USAGE = `Usage: ${BIN} pin <run | label> [--label <label>] [--url <url>] [--secret <secret>]

Pins a restore point: retention keeps it, and every document version it
needs, whatever its policy says, until \`${BIN} unpin\`. Only a completed run
can be pinned (not one running, or one retention is already deleting).
\`${BIN} status\` lists the pinned points.

  <run | label>        the point: a run number (status lists them), its label,
                       latest, an ISO time (the newest run started at or before
                       it) or a run id
  --label <label>      also name it: a letter, then letters, digits, ".", "_"
                       or "-", at most ${MAX_LABEL_LENGTH} (e.g. before-migration-42); unique
                       among kept points; replaces the label it had
  --url <url>          backup deployment URL (default: BACKUP_URL from the
                       environment, .env.local or .env)
  --secret <secret>    the backup deployment's BACKUP_RESTORE_SECRET (default:
                       BACKUP_RESTORE_SECRET from the same places)
  -h, --help           this text

A backup run now, then its point labelled and pinned, in one step:
  ${BIN} run --label before-migration-42 --pin
Only BACKUP_RESTORE_SECRET labels and pins: the primary's BACKUP_SECRET
cannot (it only appends runs).

Exit codes: 0 pinned (or pinned already); 1 not pinned, with the reason (no
such point, not completed, the label taken, ${MAX_PINNED} points pinned already, the
backup unreachable or the secret wrong); 2 bad usage.`;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      label: { type: "string" },
      url: { type: "string" },
      secret: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    true,
  );
  keepSecret(values.secret);
  const selector = parsePointName(positionals);
  const label = values.label === undefined ? undefined : parseLabel("--label", values.label);
  const connection = commandConnection({ url: values.url, secret: values.secret });
  const pinned = await new RestoreSource(connection).pin(selector, label);
  const when = new Date(pinned.startedAt).toISOString();
  const title = pointTitle(pinned);
  console.log(
    pinned.changed
      ? `Pinned ${title} (started ${when}): retention keeps it until \`${BIN} unpin ${pinned.seq}\`.`
      : `${title[0]!.toUpperCase()}${title.slice(1)} (started ${when}) was pinned already${label === undefined ? "" : `; its label is now "${label}"`}.`,
  );
  return EXIT_OK;
}

export const pin: Command = {
  name: "pin",
  summary: "keep a restore point whatever retention says (--label names it), until unpin",
  usage: USAGE,
  run,
};
