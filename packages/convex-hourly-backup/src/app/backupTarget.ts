// The backup deployment as the primary's action sees it: configuration from
// the environment and one typed method per public function. Each call counts
// the bytes it sends and is retried on transient failures; errors name what
// failed and where, never the secret.
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference, type FunctionReference } from "convex/server";
import type { Infer, ObjectType, PropertyValidators, Value } from "convex/values";
import { MIN_SECRET_LENGTH } from "../shared/protocol";
import type {
  applyChangesArgs,
  applyRangeArgs,
  checkpointArgs,
  diffRangeArgs,
  finishRunArgs,
  releaseRunArgs,
  vApplyRangeResult,
  vBeginRunResult,
  vDiffRangeResult,
  beginRunArgs,
  BackupErrorData,
  recentRunsArgs,
  RecentRunsResult,
  retireTableArgs,
  TableCounts,
  vRetireTableResult,
} from "../shared/protocol";
import { utf8Length } from "../shared/digest";
import type { fileUploadUrlArgs, filesMissingArgs, recordFileArgs, vRecordFileResult } from "../shared/files";
import { DEFAULT_RETRY_POLICY, parseRetryAfter, ThrottledError, TransientError, withRetries, type RetryPolicy } from "./retry";

export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

export type BackupConfig = {
  url: string;
  secret: string;
  requestTimeoutMs: number;
  /** Names this primary to the backup, which serves one source only. */
  source: string;
};

/** BACKUP_URL, BACKUP_SECRET (and BACKUP_REQUEST_TIMEOUT_MS) from the deployment's environment, checked. */
export function readBackupConfig(): BackupConfig {
  // The app's environment, as its convex.config.ts may declare it (primaryEnv).
  const env = process.env;
  const url = env.BACKUP_URL;
  const secret = env.BACKUP_SECRET;
  if (url === undefined || url.trim() === "") {
    throw new Error(
      "BACKUP_URL is not set: run `npx convex env set BACKUP_URL https://<backup-deployment>.convex.cloud`.",
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("BACKUP_URL is not a valid URL: expected https://<backup-deployment>.convex.cloud.");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new Error("BACKUP_URL must start with https:// (or http:// for a local backend).");
  }
  if (secret === undefined || secret === "") {
    throw new Error(
      "BACKUP_SECRET is not set: run `npx convex env set BACKUP_SECRET <secret>` with the same value on both deployments.",
    );
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `BACKUP_SECRET is shorter than ${MIN_SECRET_LENGTH} characters; generate one with \`npx convex-hourly-backup setup\`.`,
    );
  }
  const timeout = Number(env.BACKUP_REQUEST_TIMEOUT_MS ?? DEFAULT_REQUEST_TIMEOUT_MS);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new Error("BACKUP_REQUEST_TIMEOUT_MS must be a positive number of milliseconds.");
  }
  // Convex sets CONVEX_CLOUD_URL in every deployment (dev and prod differ);
  // a system variable, read from process.env as Convex documents it.
  const source = (env.BACKUP_SOURCE ?? process.env.CONVEX_CLOUD_URL ?? "").trim();
  if (source === "") {
    throw new Error("Cannot tell which deployment this is (CONVEX_CLOUD_URL is unset): set BACKUP_SOURCE to a name for it.");
  }
  return { url: parsed.origin + parsed.pathname.replace(/\/+$/, ""), secret, requestTimeoutMs: timeout, source };
}

/** An error answered by the backup deployment, with its ConvexError code when it gave one. */
export class BackupRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "BackupRequestError";
  }
}

type Args<V extends PropertyValidators> = Omit<ObjectType<V>, "secret">;
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
const THROTTLED = 429;

export class BackupTarget {
  private readonly client: ConvexHttpClient;
  readonly source: string;
  bytesSent = 0;
  requests = 0;
  /** 429 answers so far: the run lowers its pages in flight when this grows. */
  throttled = 0;

  constructor(
    private readonly config: BackupConfig,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {
    this.source = config.source;
    this.client = new ConvexHttpClient(config.url, {
      // Also allows self-hosted and loopback backends; the URL was checked above.
      skipConvexDeploymentUrlCheck: true,
      logger: false,
      fetch: (input, init) => this.fetchOnce(input, init),
    });
  }

  beginRun(args: Args<typeof beginRunArgs>): Promise<Infer<typeof vBeginRunResult>> {
    return this.call("mutation", "runs:beginRun", args);
  }

  checkpoint(args: Args<typeof checkpointArgs>): Promise<null> {
    return this.call("mutation", "runs:checkpoint", args);
  }

  releaseRun(args: Args<typeof releaseRunArgs>): Promise<null> {
    return this.call("mutation", "runs:releaseRun", args);
  }

  /** Completes the run; returns the counts recorded with the restore point. */
  finishRun(args: Args<typeof finishRunArgs>): Promise<TableCounts[]> {
    return this.call("mutation", "runs:finishRun", args);
  }

  retireTable(args: Args<typeof retireTableArgs>): Promise<Infer<typeof vRetireTableResult>> {
    return this.call("mutation", "sync:retireTable", args);
  }

  /** A mutation: on a miss it stores the range's digest so the next diff reads one row. */
  diffRange(args: Args<typeof diffRangeArgs>): Promise<Infer<typeof vDiffRangeResult>> {
    return this.call("mutation", "sync:diffRange", args);
  }

  applyChanges(args: Args<typeof applyChangesArgs>): Promise<Infer<typeof vApplyRangeResult>> {
    return this.call("mutation", "sync:applyChanges", args);
  }

  applyRange(args: Args<typeof applyRangeArgs>): Promise<Infer<typeof vApplyRangeResult>> {
    return this.call("mutation", "sync:applyRange", args);
  }

  /** Which of these SHA-256s the backup holds no file for. */
  filesMissing(args: Args<typeof filesMissingArgs>): Promise<string[]> {
    return this.call("query", "files:missing", args);
  }

  /** An upload URL of the backup deployment's storage (the lease holder only). */
  fileUploadUrl(args: Args<typeof fileUploadUrlArgs>): Promise<string> {
    return this.call("mutation", "files:uploadUrl", args);
  }

  /** Records an uploaded file, checked against the primary's SHA-256 and size. */
  recordFile(args: Args<typeof recordFileArgs>): Promise<Infer<typeof vRecordFileResult>> {
    return this.call("mutation", "files:recordFile", args);
  }

  recentRuns(args: Args<typeof recentRunsArgs>): Promise<RecentRunsResult> {
    return this.call("query", "status:recentRuns", args);
  }

  /** One HTTP attempt with a timeout; transient statuses become TransientError. */
  private async fetchOnce(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    this.requests += 1;
    if (typeof init?.body === "string") this.bytesSent += utf8Length(init.body);
    let response: Response;
    // A plain timer rather than AbortSignal.timeout, which not every runtime
    // has; the controller also cancels the request where it is supported.
    const controller = typeof AbortController === "function" ? new AbortController() : undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller?.abort();
        reject(new TransientError(`Backup deployment at ${this.config.url} is unreachable: no answer within ${this.config.requestTimeoutMs} ms`));
      }, this.config.requestTimeoutMs);
    });
    try {
      response = await Promise.race([fetch(input, { ...init, signal: controller?.signal }), timeout]);
    } catch (error) {
      if (error instanceof TransientError) throw error;
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      const reason = typeof cause === "string" ? cause : error instanceof Error ? error.message : String(error);
      throw new TransientError(`Backup deployment at ${this.config.url} is unreachable: ${reason}`);
    } finally {
      clearTimeout(timer);
    }
    if (response.status === THROTTLED) {
      this.throttled += 1;
      const retryAfterMs = parseRetryAfter(response.headers.get("Retry-After"));
      await response.body?.cancel();
      throw new ThrottledError(`Backup deployment at ${this.config.url} is throttling writes (HTTP 429)`, retryAfterMs);
    }
    if (TRANSIENT_STATUSES.has(response.status)) {
      await response.body?.cancel();
      throw new TransientError(`Backup deployment at ${this.config.url} answered HTTP ${response.status}`);
    }
    return response;
  }

  private async call<R>(kind: "query" | "mutation", path: string, args: object): Promise<R> {
    const fullArgs = { ...args, secret: this.config.secret } as Record<string, Value>;
    try {
      return await withRetries(async () => {
        if (kind === "query") {
          const ref = makeFunctionReference<"query">(path) as FunctionReference<"query">;
          return (await this.client.query(ref, fullArgs)) as R;
        }
        const ref = makeFunctionReference<"mutation">(path) as FunctionReference<"mutation">;
        return (await this.client.mutation(ref, fullArgs, { skipQueue: true })) as R;
      }, this.retryPolicy);
    } catch (error) {
      throw describeFailure(this.config.url, path, error);
    }
  }

}

function describeFailure(url: string, path: string, error: unknown): BackupRequestError {
  if (error instanceof TransientError) return new BackupRequestError(`${error.message} (${path})`, undefined);
  const data = (error as { data?: unknown }).data as Partial<BackupErrorData> | undefined;
  if (data !== undefined && typeof data === "object" && data !== null) {
    return new BackupRequestError(
      `Backup deployment rejected ${path}: ${data.code ?? "ERROR"}: ${data.message ?? ""}`.trim(),
      data.code,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new BackupRequestError(`Backup deployment at ${url} failed on ${path}: ${message.slice(0, 300)}`, undefined);
}
