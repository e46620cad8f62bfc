// How pin, unpin and restore --label name a restore point on the command
// line: the restore's --run forms (latest, a run number, an ISO time, a run
// id), or a label. A label starts with a letter, so it is never read as a
// number or a time; text that is no run id is looked up as a label by the
// backup deployment.
import type { RunSelector } from "../backup/lib/restoreProtocol";
import { labelProblem } from "../shared/protocol";
import { UsageError } from "./common";
import { parseRunSelector } from "./restore/restoreSource";

/** The single <run|label> positional of pin and unpin. */
export function parsePointName(positionals: readonly string[]): RunSelector {
  if (positionals.length === 0) throw new UsageError("name the restore point: a run number (status lists them), a label, latest, an ISO time or a run id.");
  if (positionals.length > 1) throw new UsageError(`one restore point at a time (got ${positionals.length}: ${positionals.join(" ")}).`);
  try {
    return parseRunSelector(positionals[0]!);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** --label <label>, checked as the backup checks it. */
export function parseLabel(flag: string, label: string): string {
  const problem = labelProblem(label);
  if (problem !== null) throw new UsageError(`${flag}: ${problem}`);
  return label;
}

/** run 42 "before-migration-42" */
export function pointTitle(point: { seq: number; label: string | null | undefined }): string {
  return `run ${point.seq}${point.label === null || point.label === undefined ? "" : ` "${point.label}"`}`;
}
