// alerts:check - run every 15 minutes by crons.ts: an alert when backups stop
// (issue 13). When the newest completed run is older than ALERT_AFTER_MINUTES
// (default 120), every check logs an ERROR line; with ALERT_WEBHOOK_URL set,
// one webhook message goes out per incident and one when a new restore point
// ends it. What is due and what was delivered are recorded by the mutations
// below and the post is this action's fetch: a failed post is sent again at
// the next check, a delivered one never (unless the action dies between the
// post and its record).
//   npx convex run alerts:check
import { v, type Infer } from "convex/values";
import { env, internalAction, internalMutation, type DatabaseReader } from "./_generated/server";
import { internal } from "./_generated/api";
import {
  alertThreshold,
  duePosts,
  freshLine,
  judge,
  nextState,
  recoveredLine,
  staleLine,
  type AlertState,
  type Observation,
} from "./lib/alertRules";
import { parseWebhook, postMessage } from "./lib/webhook";
import { checkRetention, retentionDelivered } from "./lib/retentionHealth";
import { parseRetention } from "./lib/retentionConfig";
import { observeRuns } from "./lib/runAlerts";
import { canonicalJson } from "../shared/digest";

/** How long a check holds the right to post: more than two posts' timeouts, far less than the 15 minutes between checks. */
export const POST_CLAIM_MS = 60_000;

// "drift": a run found writes the change log had missed; "files": a run's point lacks files it
// could not copy (lib/runAlerts.ts).
// "retention": retention has made no progress for a day while work waits (lib/retentionHealth.ts).
const vPostKind = v.union(v.literal("incident"), v.literal("recovery"), v.literal("drift"), v.literal("files"), v.literal("retention"));
const vPost = v.object({ kind: vPostKind, openedAt: v.number(), text: v.string() });

const vEvaluation = v.object({
  stale: v.boolean(),
  /** This check opened an incident. */
  opened: v.boolean(),
  /** The check's line: an ERROR while stale. */
  line: v.string(),
  /** The line of a check that closed an incident. */
  recovered: v.union(v.string(), v.null()),
  /** Webhook messages not yet delivered, oldest first. */
  due: v.array(vPost),
  /** Set when this check may post `due` (no other check is posting): the claim to release. */
  claim: v.union(v.number(), v.null()),
  /** Retention's WARNING while it is stalled, and the line of the check that saw the stall end. */
  retention: v.object({ line: v.union(v.string(), v.null()), recovered: v.union(v.string(), v.null()) }),
  /** WARNING lines of the run incidents this check opened (change-log drift, files not copied). */
  drift: v.array(v.string()),
});

const vCheckResult = v.object({
  stale: v.boolean(),
  /** Webhook messages delivered by this check. */
  sent: v.number(),
  /** Messages still to deliver (retried at the next check while ALERT_WEBHOOK_URL is set). */
  pending: v.number(),
});
type Evaluation = Infer<typeof vEvaluation>;
type CheckResult = Infer<typeof vCheckResult>;

export const check = internalAction({
  args: {},
  returns: vCheckResult,
  handler: async (ctx): Promise<CheckResult> => {
    // Step 1: the deployment's settings.
    const threshold = alertThreshold(env.ALERT_AFTER_MINUTES);
    if (threshold.warning !== null) console.warn(threshold.warning);
    const { webhook, problem } = parseWebhook(env.ALERT_WEBHOOK_URL);
    if (problem !== null) console.error(problem);

    // Step 2: the verdict and the incident's state, in one transaction.
    const evaluation: Evaluation = await ctx.runMutation(internal.alerts.evaluate, {
      alertAfterMs: threshold.ms,
      deliver: webhook !== null,
    });
    const { stale, due, claim } = evaluation;
    if (stale) console.error(evaluation.line);
    else console.log(evaluation.line);
    if (evaluation.recovered !== null) console.log(evaluation.recovered);
    if (evaluation.retention.line !== null) console.warn(evaluation.retention.line);
    if (evaluation.retention.recovered !== null) console.log(evaluation.retention.recovered);
    for (const line of evaluation.drift) console.warn(line);
    if (evaluation.opened && webhook === null && problem === null) {
      console.log("[backup alert] ALERT_WEBHOOK_URL is not set: these log lines are the only alert.");
    }
    if (webhook === null || claim === null) return { stale, sent: 0, pending: due.length };

    // Step 3: post in order; the first failure leaves it and the rest to the next check.
    let sent = 0;
    try {
      for (const post of due) {
        const result = await postMessage(webhook, post.text);
        if (!result.ok) {
          console.error(
            `[backup alert] the ${post.kind} message was not delivered to the webhook on ${webhook.host}: ` +
              `${result.reason}. It is sent again at the next check.`,
          );
          break;
        }
        await ctx.runMutation(internal.alerts.recordDelivered, { kind: post.kind, openedAt: post.openedAt });
        sent += 1;
        console.log(`[backup alert] ${post.kind} message delivered to the webhook on ${webhook.host}.`);
      }
    } finally {
      await ctx.runMutation(internal.alerts.releaseClaim, { claim });
    }
    return { stale, sent, pending: due.length - sent };
  },
});

export const evaluate = internalMutation({
  args: {
    alertAfterMs: v.number(),
    /** A webhook is configured: claim the due messages for this check. */
    deliver: v.boolean(),
  },
  returns: vEvaluation,
  handler: async (ctx, { alertAfterMs, deliver }): Promise<Evaluation> => {
    const now = Date.now();
    const stored = await ctx.db.query("alertState").first();
    const state: AlertState =
      stored === null ? { firstCheckAt: now, incident: null, recovery: null } : withoutSystemFields(stored);
    // Step 1: what the check sees, and the verdict.
    const observation = await observe(ctx.db, now, alertAfterMs, state.firstCheckAt);
    const verdict = judge(observation);
    // Step 2: the incident's next state and the messages it leaves due.
    const next = nextState(state, verdict, observation);
    const { drift, files } = await observeRuns(ctx.db, { drift: state.drift, files: state.files }, observation.source, deliver);
    next.state = { ...next.state, drift: drift.state, files: files.state };
    const runPosts = [
      ...drift.state.pending.map((post) => ({ kind: "drift" as const, ...post })),
      ...files.state.pending.map((post) => ({ kind: "files" as const, ...post })),
    ];
    const retention = await checkRetention(ctx.db, now, parseRetention(env.BACKUP_RETENTION), next.state.firstCheckAt);
    const due = [...duePosts(next.state, verdict, observation), ...runPosts, ...retention.due];
    const claimed = deliver && due.length > 0 && !((next.state.postingUntil ?? 0) > now);
    const claim = claimed ? now + POST_CLAIM_MS : null;
    const written: AlertState = claim === null ? next.state : { ...next.state, postingUntil: claim };
    // Step 3: write only what changed (a quiet check writes nothing).
    if (stored === null) await ctx.db.insert("alertState", written);
    else if (canonicalJson(written) !== canonicalJson(state)) {
      await ctx.db.replace("alertState", stored._id, written);
    }
    return {
      stale: verdict.stale,
      opened: next.opened,
      line: verdict.stale ? staleLine(verdict, observation) : freshLine(verdict, observation),
      recovered: next.closed && state.incident !== null ? recoveredLine(state.incident, observation) : null,
      due,
      claim,
      retention: { line: retention.line, recovered: retention.recovered },
      drift: [...drift.opened, ...files.opened],
    };
  },
});

export const recordDelivered = internalMutation({
  args: { kind: vPostKind, openedAt: v.number() },
  returns: v.null(),
  handler: async (ctx, { kind, openedAt }) => {
    const state = await ctx.db.query("alertState").first();
    if (kind === "retention") await retentionDelivered(ctx.db, openedAt);
    if (state === null) return null;
    if (kind === "incident" && state.incident?.openedAt === openedAt) {
      await ctx.db.patch("alertState", state._id, { incident: { ...state.incident, notified: true } });
    } else if (kind === "recovery" && state.recovery?.openedAt === openedAt) {
      await ctx.db.patch("alertState", state._id, { recovery: null });
    } else if (kind === "drift" || kind === "files") {
      const runAlert = state[kind];
      if (runAlert !== undefined) {
        const pending = runAlert.pending.filter((post) => post.openedAt !== openedAt);
        await ctx.db.patch("alertState", state._id, { [kind]: { ...runAlert, pending } });
      }
    }
    return null;
  },
});

export const releaseClaim = internalMutation({
  args: { claim: v.number() },
  returns: v.null(),
  handler: async (ctx, { claim }) => {
    const state = await ctx.db.query("alertState").first();
    if (state !== null && state.postingUntil === claim) {
      await ctx.db.patch("alertState", state._id, { postingUntil: undefined });
    }
    return null;
  },
});

/** Three index ranges at most, however many runs the backup holds. */
async function observe(db: DatabaseReader, now: number, alertAfterMs: number, firstCheckAt: number): Promise<Observation> {
  const newest = await db
    .query("runs")
    .withIndex("by_status", (q) => q.eq("status", "completed"))
    .order("desc")
    .first();
  const latest = await db.query("runs").withIndex("by_seq").order("desc").first();
  const first = newest === null ? await db.query("runs").withIndex("by_seq").order("asc").first() : null;
  return {
    now,
    alertAfterMs,
    newest: newest === null ? null : { seq: newest.seq, finishedAt: newest.finishedAt ?? newest.startedAt },
    unfinished:
      latest !== null && latest.seq > (newest?.seq ?? 0)
        ? { seq: latest.seq, startedAt: latest.startedAt, status: latest.status }
        : null,
    emptySince: Math.min(firstCheckAt, first?.startedAt ?? firstCheckAt),
    source: latest?.source ?? newest?.source ?? null,
  };
}

function withoutSystemFields<T extends { _id: unknown; _creationTime: unknown }>(doc: T): Omit<T, "_id" | "_creationTime"> {
  const { _id, _creationTime, ...fields } = doc;
  return fields;
}
