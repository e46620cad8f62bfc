// Retention's health (issue 19): what the policy no longer keeps but is still
// stored, the newest prune pass, and a stall: work waits and no prune step
// has made progress for RETENTION_STALL_MS. status shows it; alerts.check
// logs a WARNING while it lasts and posts one webhook message per incident.
// The live part plans the oldest page of run records as a prune would
// (retentionPage.ts), so a prune that never runs, or fails every time, is
// seen too; alerts.check pays for that read only once a day has passed
// without progress.
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";
import { formatRetention, type RetentionConfig } from "./retentionConfig";
import { Budget } from "./retentionBudget";
import { planPage } from "./retentionPage";
import { readRetentionState, type RetentionState } from "./retentionState";
import { formatAge, type Post } from "./alertRules";
import { MAX_WAITING_VERSIONS, RETENTION_STALL_MS, type RetentionHealth } from "../../shared/protocol";

/** Index ranges status spends counting waiting versions, at most (one per closing run). */
const MAX_COUNT_RANGES = 1_000;

/**
 * `watchSince`: when watching began (the alert's first check), counted from
 * when no prune step has ever made progress.
 */
export async function readRetentionHealth(
  db: DatabaseReader,
  now: number,
  config: RetentionConfig,
  watchSince: number | null,
  options: { countVersions: boolean },
): Promise<RetentionHealth> {
  const state = await readRetentionState(db);
  const health: RetentionHealth = {
    policy: config.policy === null ? null : formatRetention(config.policy),
    policyError: config.error,
    oldestWaiting: null,
    runsWaiting: 0,
    versionsWaiting: 0,
    atLeast: false,
    lastPrune: state?.pass ?? null,
    lastProgressAt: state?.lastProgressAt ?? null,
    stalled: false,
  };
  if (config.policy !== null) {
    const page = await planPage(db, config.policy, now, { from: 0, keptBelow: 0 }, new Budget());
    const oldest = page.plan.dropped.length === 0 ? undefined : page.runs.find((run) => run.seq === page.plan.dropped[0]);
    health.oldestWaiting = oldest === undefined ? null : { seq: oldest.seq, startedAt: oldest.startedAt };
    health.runsWaiting = page.plan.dropped.length;
    health.atLeast = page.next !== null;
    if (options.countVersions) {
      const counted = await countWaitingVersions(db, page.gaps);
      health.versionsWaiting = counted.count;
      health.atLeast ||= counted.atLeast;
    }
  }
  const since = health.lastProgressAt ?? watchSince;
  const waiting = health.runsWaiting > 0 || config.error !== null;
  health.stalled = waiting && since !== null && now - since > RETENTION_STALL_MS;
  return health;
}

/** Versions no kept run needs in the page's gaps (what the prune deletes next), up to MAX_WAITING_VERSIONS. */
async function countWaitingVersions(
  db: DatabaseReader,
  gaps: readonly { after: number; upTo: number }[],
): Promise<{ count: number; atLeast: boolean }> {
  let count = 0;
  let ranges = 0;
  for (const gap of gaps) {
    for (let toSeq = gap.after + 1; toSeq <= gap.upTo; toSeq++) {
      if (count >= MAX_WAITING_VERSIONS || ranges >= MAX_COUNT_RANGES) return { count, atLeast: true };
      ranges += 1;
      const versions = await db
        .query("versions")
        .withIndex("by_to_seq", (q) => q.eq("toSeq", toSeq).gt("fromSeq", gap.after))
        .take(MAX_WAITING_VERSIONS - count);
      count += versions.length;
    }
  }
  return { count, atLeast: false };
}

export type RetentionCheck = {
  stalled: boolean;
  /** The WARNING a check logs while retention is stalled, or null. */
  line: string | null;
  /** The line of the check that saw a stall end. */
  recovered: string | null;
  /** The incident's webhook message while undelivered. */
  due: Post[];
};

/**
 * alerts.evaluate's part for retention: the verdict, the incident's next state
 * (written here), the message due. Reads one row unless a day has passed
 * without progress.
 */
export async function checkRetention(db: DatabaseWriter, now: number, config: RetentionConfig, firstCheckAt: number): Promise<RetentionCheck> {
  const stored = await readRetentionState(db);
  const since = stored?.lastProgressAt ?? firstCheckAt;
  const health = now - since > RETENTION_STALL_MS ? await readRetentionHealth(db, now, config, firstCheckAt, { countVersions: false }) : null;
  const stalled = health?.stalled === true;
  const incident = stored?.incident ?? null;
  const next: RetentionState["incident"] = stalled
    ? (incident ?? { openedAt: now, stalledSince: since + RETENTION_STALL_MS, notified: false })
    : null;
  if (next !== incident) {
    if (stored === null) await db.insert("retentionState", { pass: null, lastProgressAt: null, incident: next });
    else await db.patch("retentionState", stored._id, { incident: next });
  }
  const line = health !== null && stalled ? stallSentence(health, now, since) : null;
  return {
    stalled,
    line: line === null ? null : `[backup alert] WARNING: ${line}`,
    recovered: incident !== null && !stalled ? "[backup alert] retention is making progress again: the stall is over." : null,
    due: next !== null && !next.notified && line !== null ? [{ kind: "retention", openedAt: next.openedAt, text: `Convex backup alert: ${line}` }] : [],
  };
}

/** The webhook message of the incident opened at `openedAt` was delivered. */
export async function retentionDelivered(db: DatabaseWriter, openedAt: number): Promise<void> {
  const stored = await readRetentionState(db);
  if (stored?.incident?.openedAt === openedAt) await db.patch("retentionState", stored._id, { incident: { ...stored.incident, notified: true } });
}

/** What a stalled retention means for the user, and what to do. */
export function stallSentence(health: RetentionHealth, now: number, since: number): string {
  const oldest = health.oldestWaiting;
  const waiting =
    health.policyError !== null
      ? `${health.policyError} Retention does not prune until it is fixed`
      : `${health.runsWaiting}${health.atLeast ? " or more" : ""} runs the policy no longer keeps are still stored` +
        (oldest === null ? "" : ` (the oldest, run ${oldest.seq}, started ${new Date(oldest.startedAt).toISOString()})`) +
        `; check retention:prune in the backup deployment's logs (npx convex logs, on the backup)`;
  return `retention on the backup deployment has made no progress for ${formatAge(now - since)}: ${waiting}. Storage grows until it prunes again.`;
}
