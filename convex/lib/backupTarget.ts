// The backup deployment as the primary's action sees it: configuration from
// the environment and one typed method per public function, each counting the
// bytes it sends. Errors name what failed and where, never the secret.
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference, type FunctionReference } from "convex/server";
import { convexToJson, type Infer, type ObjectType, type PropertyValidators, type Value } from "convex/values";
import {
  type applyRangeArgs,
  type diffRangeArgs,
  type finishRunArgs,
  vApplyRangeResult,
  vBeginRunResult,
  vDiffRangeResult,
  type BackupErrorData,
} from "../../shared/protocol";
import { utf8Length } from "../../shared/digest";
import { env } from "../_generated/server";

export const MIN_SECRET_LENGTH = 32;

export type BackupConfig = { url: string; secret: string };

/** BACKUP_URL and BACKUP_SECRET from the deployment's environment, checked. */
export function readBackupConfig(): BackupConfig {
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
    throw new Error(`BACKUP_SECRET is shorter than ${MIN_SECRET_LENGTH} characters; generate one with \`openssl rand -base64 32\`.`);
  }
  return { url: parsed.origin + parsed.pathname.replace(/\/+$/, ""), secret };
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

export class BackupTarget {
  private readonly client: ConvexHttpClient;
  bytesSent = 0;
  requests = 0;

  constructor(private readonly config: BackupConfig) {
    this.client = new ConvexHttpClient(config.url, {
      // Also allows self-hosted and loopback backends; the URL was checked above.
      skipConvexDeploymentUrlCheck: true,
      logger: false,
    });
  }

  beginRun(): Promise<Infer<typeof vBeginRunResult>> {
    return this.call("mutation", "runs:beginRun", {});
  }

  finishRun(args: Args<typeof finishRunArgs>): Promise<null> {
    return this.call("mutation", "runs:finishRun", args);
  }

  diffRange(args: Args<typeof diffRangeArgs>): Promise<Infer<typeof vDiffRangeResult>> {
    return this.call("query", "sync:diffRange", args);
  }

  applyRange(args: Args<typeof applyRangeArgs>): Promise<Infer<typeof vApplyRangeResult>> {
    return this.call("mutation", "sync:applyRange", args);
  }

  private async call<R>(kind: "query" | "mutation", path: string, args: object): Promise<R> {
    const fullArgs = { ...args, secret: this.config.secret } as Record<string, Value>;
    this.requests += 1;
    this.bytesSent += utf8Length(JSON.stringify(convexToJson(fullArgs))) + path.length + 60;
    try {
      if (kind === "query") {
        const ref = makeFunctionReference<"query">(path) as FunctionReference<"query">;
        return (await this.client.query(ref, fullArgs)) as R;
      }
      const ref = makeFunctionReference<"mutation">(path) as FunctionReference<"mutation">;
      return (await this.client.mutation(ref, fullArgs, { skipQueue: true })) as R;
    } catch (error) {
      throw describeFailure(this.config.url, path, error);
    }
  }
}

function describeFailure(url: string, path: string, error: unknown): BackupRequestError {
  const data = (error as { data?: unknown }).data as Partial<BackupErrorData> | undefined;
  if (data !== undefined && typeof data === "object" && data !== null) {
    return new BackupRequestError(
      `Backup deployment rejected ${path}: ${data.code ?? "ERROR"}: ${data.message ?? ""}`.trim(),
      data.code,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  if (error instanceof TypeError || typeof cause === "string") {
    const reason = typeof cause === "string" ? cause : message;
    return new BackupRequestError(`Backup deployment at ${url} is unreachable (${path}): ${reason}`, undefined);
  }
  return new BackupRequestError(`Backup deployment at ${url} failed on ${path}: ${message.slice(0, 300)}`, undefined);
}
