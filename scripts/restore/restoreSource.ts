// The backup deployment as the restore sees it: two public queries
// (restore:getRestorePoint, restore:readPage) over ConvexHttpClient. Every
// failure becomes a RestoreError whose message says what failed and never
// holds the secret.
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import type { Value } from "convex/values";
import type { BackupErrorData } from "../../shared/protocol";
import type { RestorePage, RestorePoint, RunSelector } from "../../backup-convex/convex/lib/restoreProtocol";
import type { BackupConnection } from "./config";

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

/**
 * "latest", an ISO 8601 time (the newest completed run that started at or
 * before it; without a zone it is local time), or a run id.
 */
export function parseRunSelector(run: string): RunSelector {
  const text = run.trim();
  if (text === "" ) throw new RestoreError('--run is empty: give "latest", a run id or an ISO time.');
  if (text === "latest") return { kind: "latest" };
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const time = Date.parse(text);
    if (Number.isNaN(time)) throw new RestoreError(`--run "${text}" looks like a time but is not valid ISO 8601.`);
    return { kind: "atOrBefore", time };
  }
  return { kind: "runId", runId: text };
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

  private async call<R>(path: string, args: Record<string, Value>): Promise<R> {
    this.requests += 1;
    try {
      return (await this.client.query(makeFunctionReference<"query">(path), {
        ...args,
        secret: this.connection.secret,
      })) as R;
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
}
