// The stale-backup alert's rules (issue 13) as pure functions: the threshold
// ALERT_AFTER_MINUTES sets, the verdict on the newest restore point, the
// incident's next state, the messages due, and the sentences a user reads in
// the log and in the chat channel. alerts.ts does the reading and writing.
import type { Doc } from "../_generated/dataModel";

export const DEFAULT_ALERT_AFTER_MINUTES = 120;

export type AlertState = Omit<Doc<"alertState">, "_id" | "_creationTime">;
export type Incident = NonNullable<AlertState["incident"]>;
export type Recovery = NonNullable<AlertState["recovery"]>;
export type PostKind = "incident" | "recovery" | "retention";
export type Post = { kind: PostKind; openedAt: number; text: string };

/** The threshold ALERT_AFTER_MINUTES sets (default two hours), and a warning when its value is unusable. */
export function alertThreshold(value: string | undefined): { ms: number; warning: string | null } {
  const fallback = DEFAULT_ALERT_AFTER_MINUTES * 60_000;
  if (value === undefined || value.trim() === "") return { ms: fallback, warning: null };
  const minutes = Number(value.trim());
  if (Number.isFinite(minutes) && minutes > 0) return { ms: Math.round(minutes * 60_000), warning: null };
  return {
    ms: fallback,
    warning:
      `[backup alert] WARNING: ALERT_AFTER_MINUTES is not a positive number of minutes ` +
      `(${JSON.stringify(value.slice(0, 40))}): using the default, ${DEFAULT_ALERT_AFTER_MINUTES}.`,
  };
}

/** What one check sees on the backup deployment. */
export type Observation = {
  now: number;
  alertAfterMs: number;
  /** The newest completed run (the newest restore point), or null. */
  newest: { seq: number; finishedAt: number } | null;
  /** The newest run when it is newer than `newest`: in progress, interrupted or failed. */
  unfinished: { seq: number; startedAt: number; status: string } | null;
  /**
   * With no completed run: since when the backup has been without one, the
   * first check or the first run's start, whichever came first. A freshly
   * deployed backup is given the whole threshold for its first run.
   */
  emptySince: number;
  /** The primary the backups come from, as its runs name it. */
  source: string | null;
};

export type Verdict = { stale: boolean; ageMs: number; staleSince: number };

/** Stale: the newest restore point (or, with none, the wait for one) is older than the threshold. */
export function judge(o: Observation): Verdict {
  const since = o.newest?.finishedAt ?? o.emptySince;
  return { stale: o.now - since > o.alertAfterMs, ageMs: Math.max(0, o.now - since), staleSince: since + o.alertAfterMs };
}

/**
 * The state after this check. A stale verdict opens an incident unless one is
 * open. A fresh one closes the open incident; its recovery message is due
 * only if its alert was delivered (a user who never heard of the incident
 * gets no recovery either) and a restore point exists (a threshold raised
 * while none exists closes the incident silently).
 */
export function nextState(state: AlertState, verdict: Verdict, o: Observation): { state: AlertState; opened: boolean; closed: boolean } {
  if (verdict.stale) {
    if (state.incident !== null) return { state, opened: false, closed: false };
    const incident: Incident = { openedAt: o.now, staleSince: verdict.staleSince, notified: false };
    return { state: { ...state, incident }, opened: true, closed: false };
  }
  if (state.incident === null) return { state, opened: false, closed: false };
  const { openedAt, staleSince, notified } = state.incident;
  // A pending recovery is always delivered before a later incident's alert (posts go in order),
  // so a notified incident never finds an older recovery still pending here.
  const recovery: Recovery | null =
    notified && o.newest !== null ? { openedAt, staleSince, seq: o.newest.seq, finishedAt: o.newest.finishedAt } : state.recovery;
  return { state: { ...state, incident: null, recovery }, opened: false, closed: true };
}

/** The webhook messages still to deliver, oldest first: a pending recovery, then the open incident's alert. */
export function duePosts(state: AlertState, verdict: Verdict, o: Observation): Post[] {
  const posts: Post[] = [];
  if (state.recovery !== null) {
    posts.push({ kind: "recovery", openedAt: state.recovery.openedAt, text: recoveryText(state.recovery, o.source) });
  }
  if (state.incident !== null && !state.incident.notified) {
    posts.push({ kind: "incident", openedAt: state.incident.openedAt, text: alertText(verdict, o) });
  }
  return posts;
}

const ADVICE = "Check the primary deployment's backup:runNow cron and its logs (npx convex logs, on the primary).";

const of = (source: string | null) => (source === null ? "" : ` of ${source}`);

function staleSentence(verdict: Verdict, o: Observation): string {
  const limit = formatAge(o.alertAfterMs);
  const newest =
    o.newest !== null
      ? `no new restore point for ${formatAge(verdict.ageMs)}: the newest (run ${o.newest.seq}) finished at ` +
        `${iso(o.newest.finishedAt)}, more than ${limit} ago`
      : `no restore point at all, ${formatAge(verdict.ageMs)} after ${iso(o.emptySince)} ` +
        `(the first check or the first run), more than ${limit}`;
  const unfinished =
    o.unfinished === null
      ? ""
      : `; run ${o.unfinished.seq} started at ${iso(o.unfinished.startedAt)} and has not completed (${o.unfinished.status})`;
  return newest + unfinished;
}

/** The ERROR line every check logs while backups are stale. */
export function staleLine(verdict: Verdict, o: Observation): string {
  return `[backup alert] ERROR: backups${of(o.source)} have stopped: ${staleSentence(verdict, o)}. ${ADVICE}`;
}

/** The line a check logs when backups are fine (or the first restore point is not yet due). */
export function freshLine(verdict: Verdict, o: Observation): string {
  if (o.newest === null) {
    return `[backup alert] no restore point yet: an alert is raised if none completes by ${iso(verdict.staleSince)}.`;
  }
  return (
    `[backup alert] ok: the newest restore point (run ${o.newest.seq}) finished ${formatAge(verdict.ageMs)} ago ` +
    `(alert after ${formatAge(o.alertAfterMs)}).`
  );
}

/** The line the check that closes an incident logs. */
export function recoveredLine(incident: Incident, o: Observation): string {
  return o.newest === null
    ? `[backup alert] the alert is closed: the threshold (ALERT_AFTER_MINUTES) is no longer passed.`
    : `[backup alert] recovered: run ${o.newest.seq} completed at ${iso(o.newest.finishedAt)}; ` +
        `backups had been stale since ${iso(incident.staleSince)}.`;
}

function alertText(verdict: Verdict, o: Observation): string {
  return `Convex backup alert: backups${of(o.source)} have stopped: ${staleSentence(verdict, o)}. ${ADVICE}`;
}

function recoveryText(recovery: Recovery, source: string | null): string {
  return (
    `Convex backup alert recovered: backups${of(source)} are running again. Run ${recovery.seq} completed at ` +
    `${iso(recovery.finishedAt)}, a new restore point; backups had been stale for ` +
    `${formatAge(recovery.finishedAt - recovery.staleSince)} (since ${iso(recovery.staleSince)}).`
  );
}

const iso = (time: number) => new Date(time).toISOString();

/** "45 min", "2 h 15 min", "3.5 days" (as backup:status writes ages). */
export function formatAge(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}
