// Benchmark only: the ideal hourly run, and a month of hourly backups
// projected from the measured runs, beside what Convex includes.
import { HOUR_MS, planRetention, RETENTION_POLICY, type RunInfo } from "../packages/convex-hourly-backup/src/backup/retentionPolicy";
import { MAX_ROWS_PER_STEP } from "../packages/convex-hourly-backup/src/backup/lib/retentionBudget";
import { billableOf, GIB, rawOf, ZERO_IO, type DeploymentIo, type RunIo } from "./ioFigures";

/** Hourly runs in a 30-day month. */
export const RUNS_PER_MONTH = 720;
/**
 * Scheduled reconciliations in the same month: none by default since rolling verification
 * (issue 18) compares every document within verifyEveryHours; the column stays for reconcileEveryHours users.
 */
export const RECONCILIATIONS_PER_MONTH = 0;
/** The verification windows the projection shows (defineBackup's verifyEveryHours). */
export const VERIFY_WINDOWS = [24, 168] as const;
export const PROJECTION_SIZES = [10_000, 100_000, 1_000_000] as const;

/**
 * Database I/O included per month, per team (both deployments add up when
 * they are in the same team). Source: docs.convex.dev/production/state/limits,
 * "Database bandwidth: document and index data transferred between Convex
 * functions and the underlying database".
 */
export const PLANS = [
  {
    name: "Starter",
    includedBytes: 1 * GIB,
    note:
      "approximate: 1 GiB/month in the stored copies of the limits page we could read; an older copy says 5 GiB " +
      "(and rounds each document up to 1 KiB); check convex.dev/pricing for today's figure",
  },
  { name: "Professional", includedBytes: 50 * GIB, note: "50 GiB/month included, then about $0.20 per GiB" },
] as const;

export const IDEAL_DEFINITION =
  "ideal 1 %-changed hour: for each changed document (updated, inserted or deleted; session-token rotations, " +
  "which leave the backup unchanged, excluded) one read on the primary, one read of its previous version on " +
  "the backup and one write on the backup, each the size of a mean shop document (primary bytes read / " +
  "documents read in the bare copy): raw at that size, billable rounded up to 1 KiB per document " +
  "(the mean of the rounded sizes)";

/** A mean document, raw and rounded up to 1 KiB, from a run that read every document once. */
export type MeanDocument = { raw: number; billable: number };

export function meanDocument(io: DeploymentIo): MeanDocument {
  const docs = Math.max(1, io.docsRead);
  return { raw: io.bytesRead / docs, billable: io.billableRead / docs };
}

export function idealChangedHour(changedDocs: number, doc: MeanDocument): RunIo {
  const c = changedDocs;
  return {
    primary: { ...ZERO_IO, docsRead: c, bytesRead: c * doc.raw, billableRead: c * doc.billable },
    backup: {
      ...ZERO_IO,
      docsRead: c,
      bytesRead: c * doc.raw,
      billableRead: c * doc.billable,
      docsWritten: c,
      bytesWritten: c * doc.raw,
      billableWritten: c * doc.billable,
    },
  };
}

/**
 * Run records a retention pass reads to plan, once the default policy has
 * run for long enough: the kept restore points (every hour for keepAllHours,
 * then the newest of each day, then of each week) and the hour it drops.
 * Simulated with the product's own planRetention over hourly runs.
 */
export function steadyStateRunRecords(): number {
  const weeks = RETENTION_POLICY.weeklyWeeks + 2;
  const start = Date.UTC(2025, 0, 6);
  const hours = weeks * 7 * 24;
  const runs: RunInfo[] = Array.from({ length: hours }, (_, i) => ({ seq: i + 1, startedAt: start + i * HOUR_MS, status: "completed" }));
  const now = start + hours * HOUR_MS;
  const plan = planRetention(runs, RETENTION_POLICY, now, { newestCompletedSeq: hours, highestSeq: hours, following: null });
  return plan.kept.size + 1;
}

/** Billable and raw bytes, per deployment. */
export type Cost = { primary: { billable: number; raw: number }; backup: { billable: number; raw: number } };

const costOf = (io: RunIo): Cost => ({
  primary: { billable: billableOf(io.primary), raw: rawOf(io.primary) },
  backup: { billable: billableOf(io.backup), raw: rawOf(io.backup) },
});

function combine(parts: [Cost, number][]): Cost {
  const out: Cost = { primary: { billable: 0, raw: 0 }, backup: { billable: 0, raw: 0 } };
  for (const [cost, factor] of parts) {
    for (const side of ["primary", "backup"] as const) {
      out[side].billable += cost[side].billable * factor;
      out[side].raw += cost[side].raw * factor;
    }
  }
  return out;
}

export const totalBillable = (c: Cost) => c.primary.billable + c.backup.billable;
export const totalRaw = (c: Cost) => c.primary.raw + c.backup.raw;

export type ProjectionInputs = {
  /** Documents the measured runs were made at. */
  docs: number;
  idle: RunIo;
  changed: RunIo;
  /** The retention pass after the changed hour, and what its planning read. */
  retention: RunIo;
  retentionPlanning: { steps: number; recordsBillable: number; recordsRaw: number; recordCount: number };
  reconcileUnchanged: RunIo;
  baseline: RunIo;
  ideal: RunIo;
  /**
   * Billable bytes of one hourly run's verification (primary, backup), per window: a measured day of idle hourly
   * runs' cost per document compared, times a pass (every document) over verifyEveryHours runs
   * (bench/verificationDay.ts, perRunOfPass).
   */
  verification: Record<(typeof VERIFY_WINDOWS)[number], { primary: number; backup: number }>;
  /**
   * Billable bytes of the verification inside the measured idle and changed hours (whatever slice each
   * happened to hold: in whole pages, a run's slice is not the mean), and of the new-documents check of a
   * 1 %-inserted hour with no slice due: the hourly run is reckoned without the first two, with the third.
   */
  runVerification: Record<"idle" | "changed" | "insertsCheck", { primary: number; backup: number }>;
  /** The app's own change-log rows written in the measured 1 %-changed hour (billable, raw). */
  logRows: { billable: number; raw: number };
};

export type ProjectionRow = {
  docs: number;
  hourly: Cost;
  retention: Cost;
  reconciliation: Cost;
  /** The app's change-log rows (primary writes), a month. */
  logRows: Cost;
  /** Verification (slices and the new-documents check) a month, per window; total includes it at 24, total168 at 168. */
  verification24: Cost;
  verification168: Cost;
  total: Cost;
  total168: Cost;
  ideal: Cost;
  baseline: Cost;
};

export const PROJECTION_METHOD = [
  `a month = ${RUNS_PER_MONTH} hourly runs with 1 % of documents changed each, their ${RUNS_PER_MONTH} retention passes and ` +
    "no scheduled reconciliation (rolling verification replaced it), the app's own change-log rows, and each run's verification " +
    "(the primary's readPage/readDocs and the backup's diffRange/applyRange), at verifyEveryHours 24 and 168, each measured over a day of idle hourly runs.",
  "Scaled from the measured runs at the benchmark's size N to M documents:",
  "  hourly run  = idle hour + (1 %-changed hour - idle hour) x M/N   (the idle hour is the fixed cost of a run; each without",
  "                the verification it held, plus the measured new-documents check of a 1 %-inserted hour x M/N)",
  "  retention   = (measured pass - its planning reads) x M/N + planning reads of the steady-state run records",
  "                (records kept by the default policy + the one it drops, at the measured mean record size, read once per",
  `                step; a step per ${MAX_ROWS_PER_STEP} rows deleted)`,
  "  reconcile   = (reconciliation of unchanged data - idle hour) x M/N  (configuration changes and runNow only; 0 scheduled)",
  "  verify H    = a run's verification share at H (a measured idle day's cost per document compared x N / H) x M/N  (billable; raw at the run's",
  "                raw/billable ratio)",
  "  log rows    = the change-log rows the wrapped mutations wrote in the 1 %-changed hour x M/N (primary writes)",
  "  ideal       = ideal 1 %-changed hour x M/N;  seed-style = its hourly upsert of everything x M/N",
  "Everything but a run's fixed cost is per document or per page of 1,000 documents, hence linear in M; sizes above N are extrapolated.",
];

/** A verification share as a Cost: raw estimated at the run's own raw/billable ratio. */
function verificationCost(share: { primary: number; backup: number }, run: RunIo): Cost {
  const ratio = (io: RunIo["primary"]) => (billableOf(io) === 0 ? 1 : rawOf(io) / billableOf(io));
  return {
    primary: { billable: share.primary, raw: share.primary * ratio(run.primary) },
    backup: { billable: share.backup, raw: share.backup * ratio(run.backup) },
  };
}

export function projectMonth(inputs: ProjectionInputs, steadyRecords = steadyStateRunRecords()): ProjectionRow[] {
  const { docs, retentionPlanning: plan } = inputs;
  const idle = costOf(inputs.idle);
  const changed = costOf(inputs.changed);
  const retention = costOf(inputs.retention);
  const reconcile = costOf(inputs.reconcileUnchanged);
  const perRecord = {
    billable: plan.recordCount === 0 ? 0 : plan.recordsBillable / plan.recordCount,
    raw: plan.recordCount === 0 ? 0 : plan.recordsRaw / plan.recordCount,
  };
  const planningMeasured: Cost = {
    primary: { billable: 0, raw: 0 },
    backup: { billable: plan.steps * plan.recordsBillable, raw: plan.steps * plan.recordsRaw },
  };
  return PROJECTION_SIZES.map((size) => {
    const scale = size / docs;
    const v24 = verificationCost(inputs.verification[24], inputs.changed);
    const v168 = verificationCost(inputs.verification[168], inputs.changed);
    // The measured runs hold what verification they held: taken out, the new-documents check of the
    // changed hour's inserts put in, and each window's slices added per window.
    const rv = inputs.runVerification;
    const idleBare = combine([[idle, 1], [verificationCost(rv.idle, inputs.idle), -1]]);
    const changedBare = combine([[changed, 1], [verificationCost(rv.changed, inputs.changed), -1]]);
    const insertsCheck = verificationCost(rv.insertsCheck, inputs.changed);
    const hourly = combine([[idleBare, 1], [changedBare, scale], [idleBare, -scale], [insertsCheck, scale]]);
    // A pass takes a step per MAX_ROWS_PER_STEP rows written (deleted or marked); each step plans afresh.
    const steps = Math.max(1, Math.ceil((inputs.retention.backup.docsWritten * scale) / MAX_ROWS_PER_STEP));
    const planningSteady: Cost = {
      primary: { billable: 0, raw: 0 },
      backup: { billable: steps * steadyRecords * perRecord.billable, raw: steps * steadyRecords * perRecord.raw },
    };
    const pass = combine([[retention, scale], [planningMeasured, -scale], [planningSteady, 1]]);
    const scan = combine([[reconcile, scale], [idle, -scale]]);
    const logRows: Cost = { primary: { billable: inputs.logRows.billable, raw: inputs.logRows.raw }, backup: { billable: 0, raw: 0 } };
    const month = {
      hourly: combine([[hourly, RUNS_PER_MONTH]]),
      retention: combine([[pass, RUNS_PER_MONTH]]),
      reconciliation: combine([[scan, RECONCILIATIONS_PER_MONTH]]),
      logRows: combine([[logRows, RUNS_PER_MONTH * scale]]),
      verification24: combine([[v24, RUNS_PER_MONTH * scale]]),
      verification168: combine([[v168, RUNS_PER_MONTH * scale]]),
    };
    const fixed = combine([[month.hourly, 1], [month.retention, 1], [month.reconciliation, 1], [month.logRows, 1]]);
    return {
      docs: size,
      ...month,
      total: combine([[fixed, 1], [month.verification24, 1]]),
      total168: combine([[fixed, 1], [month.verification168, 1]]),
      ideal: combine([[costOf(inputs.ideal), RUNS_PER_MONTH * scale]]),
      baseline: combine([[costOf(inputs.baseline), RUNS_PER_MONTH * scale]]),
    };
  });
}
