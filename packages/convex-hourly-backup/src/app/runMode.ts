// How a run finds what changed. With change capture installed (the app's
// schema spreads `backupTables` and its mutations use the wrapped builders)
// a run drains the change log: it reads and sends only what changed. A
// reconciliation scan compares every page of every table instead, catching
// writes the log cannot see (dashboard edits, `npx convex import`, unwrapped
// or third-party mutations). It runs on the first run, when the backup
// configuration changed, when asked, every reconcileEveryHours if set (off
// by default: a change-log run's rolling verification compares every
// document within verifyEveryHours, verification.ts); and every run when the
// app has no change capture.
import { canonicalJson, sha256 } from "../shared/digest";
import type { LogCursor, LogState } from "../shared/protocol";


export type ModeInputs = {
  changeCapture: boolean;
  configHash: string;
  /** Infinity: no scheduled reconciliation. */
  reconcileEveryMs: number;
  /** backup:runNow's `reconcile` flag. */
  asked: boolean;
  /** backup:runNow named some tables only. */
  partial: boolean;
  now: number;
};

/**
 * A run limited to some tables scans them and leaves the log alone: draining
 * it would skip the other tables' rows. The next full run drains them.
 */
export const PARTIAL_RUN = "tables named";

/** The log state of a new run, from the previous restore point's. `logEnd` is read only when a scan needs it. */
export async function chooseLogState(
  previous: LogState | null,
  inputs: ModeInputs,
  logEnd: () => Promise<LogCursor | null>,
): Promise<LogState> {
  const { changeCapture, configHash, now } = inputs;
  if (!changeCapture) return { mode: "scan", reason: "no change capture", cursor: null, reconciledAt: now, configHash };
  if (inputs.partial) {
    // Not a reconciliation of everything: the previous point's log state stands.
    return { mode: "scan", reason: PARTIAL_RUN, cursor: previous?.cursor ?? null, reconciledAt: previous?.reconciledAt ?? null, configHash: previous?.configHash ?? configHash };
  }
  const reason =
    inputs.asked ? "asked"
    : previous === null ? "first run"
    : previous.cursor === null ? "change capture turned on"
    : previous.configHash !== configHash ? "configuration changed"
    : Number.isFinite(inputs.reconcileEveryMs) && (previous.reconciledAt === null || now - previous.reconciledAt >= inputs.reconcileEveryMs) ? "scheduled"
    : null;
  if (reason === null) return { ...previous!, mode: "log", reason: "change log" };
  // A scan starts from the log as it stands: rows after this are drained by the next run.
  const cursor = previous?.cursor ?? (await logEnd());
  return { mode: "scan", reason, cursor, reconciledAt: now, configHash };
}

/** A digest of what decides the backup's contents: a change forces a reconciliation scan. */
export function configHash(parts: Record<string, unknown>): Promise<string> {
  return sha256(canonicalJson(JSON.parse(JSON.stringify(parts))));
}
