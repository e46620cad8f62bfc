// The retention lines of backup:status and `convex-hourly-backup status`
// (issue 19): what the policy no longer keeps but is still stored, the last
// prune, and a WARNING when retention has stalled or BACKUP_RETENTION is
// refused. The backup deployment measures; this only words it.
import { RETENTION_STALL_MS, type PruneTotals, type RetentionHealth } from "../shared/protocol";

type Line = { warning: boolean; text: string };

const iso = (time: number) => new Date(time).toISOString();

export function retentionLines(health: RetentionHealth, now: number, formatAge: (ms: number) => string): Line[] {
  const more = health.atLeast ? " or more" : "";
  const oldest = health.oldestWaiting;
  const waiting =
    health.runsWaiting === 0
      ? health.atLeast
        ? "no run waiting among the oldest run records read"
        : "nothing waiting to be pruned"
      : `${health.runsWaiting}${more} runs no longer kept are still stored (the oldest: run ${oldest?.seq}, started ` +
        `${oldest === null ? "?" : iso(oldest.startedAt)}), with ${health.versionsWaiting}${more} versions no kept point needs`;
  const pass = health.lastPrune;
  const last =
    pass === null
      ? "no prune recorded yet"
      : `last prune ${pass.finishedAt === null ? `started ${iso(pass.startedAt)}, not finished (last step ${iso(pass.lastStepAt)})` : `finished ${iso(pass.finishedAt)}`}: ` +
        `removed ${removedText(pass.removed)} in ${pass.steps} step${pass.steps === 1 ? "" : "s"}`;
  const lines: Line[] = [
    { warning: false, text: `[backup status] retention (${health.policy ?? "BACKUP_RETENTION refused"}): ${waiting}; ${last}.` },
  ];
  if (health.policyError !== null) {
    lines.push({ warning: true, text: `[backup status] WARNING: ${health.policyError} Retention does not prune until it is fixed.` });
  }
  if (health.stalled) {
    const since = health.lastProgressAt;
    lines.push({
      warning: true,
      text:
        `[backup status] WARNING: retention has made no progress ${since === null ? "since it was first watched" : `for ${formatAge(now - since)}`} ` +
        `(more than ${formatAge(RETENTION_STALL_MS)}) while runs wait to be pruned: storage grows. ` +
        `Check retention:prune in the backup deployment's logs (npx convex logs, on the backup).`,
    });
  }
  return lines;
}

function removedText(removed: PruneTotals): string {
  const parts = [
    `${removed.deletedRuns} runs`,
    `${removed.deletedVersions} versions`,
    ...(removed.deletedFiles > 0 ? [`${removed.deletedFiles} files`] : []),
  ];
  return parts.join(", ");
}
