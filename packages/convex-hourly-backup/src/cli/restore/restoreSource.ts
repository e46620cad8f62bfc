// The backup deployment as the restore sees it: its restore-side public
// functions (restore:getRestorePoint, readPage, getSchema, readDocuments;
// history:versions; pins:pin, unpin) over ConvexHttpClient. Every failure
// becomes a RestoreError whose message says what failed and never holds the
// secret.
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import type { Value } from "convex/values";
import type { BackupErrorData } from "../../shared/protocol";
import { MAX_DOCUMENT_IDS, type DocumentsRead, type PinnedRun, type RestorePage, type RestorePoint, type RunSelector } from "../../backup/lib/restoreProtocol";
import type { HistoryCursor, HistoryPage } from "../../backup/lib/historyProtocol";
import type { BackupConnection } from "./config";
import type { FileDownloadUrls } from "../../shared/files";

/** An error meant for the person running the restore; `code` is the backup's ConvexError code, if any. */
export class RestoreError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "RestoreError";
  }
}

/** A run's sequence number: digits only, far shorter than any run id (a Convex id is 31+ characters). */
const SEQ = /^\d{1,15}$/;
/** YYYY-MM-DD, optionally THH:MM[:SS[.sss]] (or a space for T), optionally Z or ±HH:MM. */
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * "latest" (the newest whole point), "latest-any" (the newest point), a run's sequence number (digits only), an ISO 8601 time (the
 * newest completed run that started at or before it; without a zone, a date
 * or date-time is local time), or a run id (anything else).
 */
export function parseRunSelector(run: string): RunSelector {
  const text = run.trim();
  if (text === "") throw new RestoreError('--run is empty: give "latest", a run number, a run id or an ISO time.');
  if (text === "latest") return { kind: "latest" };
  if (text === "latest-any") return { kind: "latest", any: true };
  if (SEQ.test(text)) return { kind: "seq", seq: Number(text) };
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return { kind: "atOrBefore", time: parseTime(text) };
  return { kind: "runId", runId: text };
}

function parseTime(text: string): number {
  const invalid = () => new RestoreError(`--run "${text}" looks like a time but is not valid ISO 8601.`);
  const match = ISO_TIME.exec(text);
  if (match === null) throw invalid();
  const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = "0", zone] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) throw invalid();
  const ms = Math.floor(Number(`0.${fraction}`) * 1000);
  if (zone !== undefined) {
    // Date.parse reads a zone exactly; only the separator needs to be ISO's.
    const time = Date.parse(text.replace(" ", "T"));
    if (Number.isNaN(time)) throw invalid();
    return time;
  }
  // No zone: local time, as the help says (Date.parse would read a bare date as UTC).
  const local = new Date(y, mo - 1, d, h, mi, s, ms);
  local.setFullYear(y); // years 0..99 would otherwise mean 1900..1999
  return local.getTime();
}

export class RestoreSource {
  private readonly client: ConvexHttpClient;
  requests = 0;

  constructor(private readonly connection: BackupConnection) {
    this.client = new ConvexHttpClient(connection.url, { skipConvexDeploymentUrlCheck: true, logger: false });
  }

  getRestorePoint(selector: RunSelector): Promise<RestorePoint> {
    return this.call("restore:getRestorePoint", { selector });
  }

  readPage(args: { seq: number; table: string; cursor: string | null; numItems: number }): Promise<RestorePage> {
    return this.call("restore:readPage", args);
  }

  /** The primary's schema JSON a run stored (its restore point's schemaHash), or null. */
  getSchema(hash: string): Promise<string | null> {
    return this.call("restore:getSchema", { hash });
  }

  /** Some of `ids` as restore point `seq` held them (restore:readDocuments; `next` says how far it got). */
  readDocuments(args: { seq: number; table: string; ids: string[] }): Promise<DocumentsRead> {
    return this.call("restore:readDocuments", args);
  }

  /** All of `ids` as restore point `seq` held them, a bounded call at a time: each yields its documents and the ids it lacked. */
  async *documentsAt(seq: number, table: string, ids: readonly string[]): AsyncGenerator<Pick<DocumentsRead, "documents" | "missing">> {
    for (let start = 0; start < ids.length; ) {
      const read = await this.readDocuments({ seq, table, ids: ids.slice(start, start + MAX_DOCUMENT_IDS) });
      if (read.next < 1) throw new RestoreError("The backup deployment read no document of the ids asked for.");
      yield read;
      start += read.next;
    }
  }

  /** A page of one document's history across the kept restore points. */
  history(args: { table: string; docId: string; cursor: HistoryCursor | null }): Promise<HistoryPage> {
    return this.call("history:versions", args);
  }

  pin(selector: RunSelector, label?: string): Promise<PinnedRun> {
    return this.call("pins:pin", { selector, ...(label === undefined ? {} : { label }) }, "mutation");
  }

  /** Names a restore point without pinning it. */
  label(selector: RunSelector, label: string): Promise<PinnedRun> {
    return this.call("pins:label", { selector, label }, "mutation");
  }

  unpin(selector: RunSelector): Promise<PinnedRun> {
    return this.call("pins:unpin", { selector }, "mutation");
  }

  private async call<R>(path: string, args: Record<string, Value>, kind: "query" | "mutation" = "query"): Promise<R> {
    this.requests += 1;
    const withSecret = { ...args, secret: this.connection.secret };
    try {
      return (
        kind === "query"
          ? await this.client.query(makeFunctionReference<"query">(path), withSecret)
          : await this.client.mutation(makeFunctionReference<"mutation">(path), withSecret)
      ) as R;
    } catch (error) {
      throw this.describe(path, error);
    }
  }

  private describe(path: string, error: unknown): RestoreError {
    const { url, secret } = this.connection;
    const scrub = (text: string) => text.split(secret).join("***");
    const data = (error as { data?: unknown }).data as Partial<BackupErrorData> | undefined;
    if (data !== null && typeof data === "object") {
      const code = data.code ?? "ERROR";
      return new RestoreError(scrub(`The backup deployment refused ${path}: ${code}: ${data.message ?? ""}`.trim()), code);
    }
    const message = error instanceof Error ? error.message : String(error);
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    if (error instanceof TypeError || typeof cause === "string") {
      const reason = typeof cause === "string" ? cause : message;
      return new RestoreError(scrub(`The backup deployment at ${url} is unreachable: ${reason}`));
    }
    return new RestoreError(scrub(`The backup deployment at ${url} failed on ${path}: ${message.slice(0, 300)}`));
  }

  /** URLs of the backup's files by SHA-256 (files:downloadUrls; null for a content it does not hold). */
  fileDownloadUrls(sha256s: string[]): Promise<FileDownloadUrls> {
    return this.call("files:downloadUrls", { sha256s });
  }
}
