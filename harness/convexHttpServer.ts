// Serves a convex-test deployment on 127.0.0.1 with the protocol that
// ConvexHttpClient speaks: POST /api/query|mutation|action with
// {"path", "format": "convex_encoded_json", "args": [json]}; 200
// {"status":"success","value"} or 560 {"status":"error","errorMessage",
// "errorData"}; other statuses carry a plain-text body. Only public functions
// are callable, bodies over Convex's request limit are refused, and, as in
// production, messages of errors that are not ConvexErrors read "Server Error".
// With a write-throughput cap set, mutation requests are refused with 429 and
// a Retry-After while the deployment has written more than the cap allows.
// With storage routes (storageServer.ts), it also serves the deployment's
// files and upload URLs under /api/storage/, counted apart in `stats.storage`.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { makeFunctionReference } from "convex/server";
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import { withEnv, type DeploymentEnv } from "./envScope";
import type { ModuleMap } from "./modules";
import { FaultPlan } from "./faults";
import { WriteThrottle } from "./writeThrottle";
import { emptyStorageTraffic, StorageRoutes, type StorageDeployment, type StorageTraffic } from "./storageServer";

export const MAX_REQUEST_BYTES = 16 * 1024 * 1024 + 2_000;
export const STATUS_CODE_UDF_FAILED = 560;

type Kind = "query" | "mutation" | "action";

/** The subset of a convex-test instance the server drives. */
export type CallableDeployment = {
  query(ref: unknown, args: unknown): Promise<unknown>;
  mutation(ref: unknown, args: unknown): Promise<unknown>;
  action(ref: unknown, args: unknown): Promise<unknown>;
};

export type TrafficStats = {
  requests: number;
  bytesIn: number;
  bytesOut: number;
  byPath: Record<string, number>;
  /** Mutation requests refused with 429 by the write-throughput cap. */
  throttled: number;
  /** Files downloaded and uploaded under /api/storage/ (not in requests, bytesIn, bytesOut). */
  storage: StorageTraffic;
};

const emptyStats = (): TrafficStats => ({ requests: 0, bytesIn: 0, bytesOut: 0, byPath: {}, throttled: 0, storage: emptyStorageTraffic() });

export type ServedDeployment = {
  url: string;
  stats: TrafficStats;
  /** Added before every reply, to measure behaviour over a slow link. */
  setLatency(ms: number): void;
  /** Faults to inject into coming requests (see harness/faults.ts). */
  faults: FaultPlan;
  /**
   * Cap the deployment's write throughput (bytes written by committed
   * mutations per second; null: no cap, the default). Above it, mutation
   * requests get 429 with Retry-After, as Convex answers above ~4 MiB/s.
   */
  setWriteThroughput(bytesPerSecond: number | null): void;
  /** The bucket behind setWriteThroughput; feed it committed writes (startDeployments does). */
  writeThrottle: WriteThrottle;
  /** Called with each function path before it is handled (e.g. to change data mid-run). */
  onRequest?: (path: string) => Promise<void> | void;
  /** The storage routes, when served (ServeOptions.storage). */
  storage?: StorageRoutes;
  /** Stop accepting connections (clients get ECONNREFUSED) until comeBack(). */
  goDown(): Promise<void>;
  comeBack(): Promise<void>;
  resetStats(): void;
  close(): Promise<void>;
};

export type ServeOptions = {
  modules: ModuleMap;
  env: DeploymentEnv;
  /** Production hides non-ConvexError messages; tests of our own errors may want them. */
  redactErrors?: boolean;
  /** The deployment's write-throughput bucket; a new one with no cap by default. */
  writeThrottle?: WriteThrottle;
  /**
   * Serve the deployment's file storage too: its files and upload URLs
   * (convexTest's `storage.baseUrl` must be this server's url, and its
   * `uploadToken` served.storage.issueToken).
   */
  storage?: StorageDeployment;
};

export async function serveOverHttp(
  deployment: CallableDeployment,
  options: ServeOptions,
): Promise<ServedDeployment> {
  const stats = emptyStats();
  let latencyMs = 0;
  const writeThrottle = options.writeThrottle ?? new WriteThrottle();
  const served: Partial<ServedDeployment> & { faults: FaultPlan; writeThrottle: WriteThrottle } = {
    faults: new FaultPlan(),
    writeThrottle,
    ...(options.storage === undefined ? {} : { storage: new StorageRoutes(options.storage, () => stats.storage) }),
  };
  const server = createServer((req, res) => {
    const delay = latencyMs > 0 ? new Promise((r) => setTimeout(r, latencyMs)) : Promise.resolve();
    delay.then(() => handle(deployment, options, stats, served as ServedDeployment, req, res)).catch((error: unknown) => {
      send(res, stats, 500, "text/plain", `Internal harness error: ${String(error)}`);
    });
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const stop = () =>
    new Promise<void>((resolve, reject) => {
      if (!server.listening) return resolve();
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return Object.assign(served, {
    url: `http://127.0.0.1:${port}`,
    stats,
    goDown: stop,
    comeBack: () => (server.listening ? Promise.resolve() : listen(port)),
    setLatency(ms: number) {
      latencyMs = ms;
    },
    setWriteThroughput(bytesPerSecond: number | null) {
      writeThrottle.setRate(bytesPerSecond);
    },
    resetStats() {
      Object.assign(stats, emptyStats());
    },
    close: stop,
  });
}

/** The request body, or null when it exceeds the limit (read to the end and dropped, so the reply arrives). */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  }
  return size > MAX_REQUEST_BYTES ? null : Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  stats: TrafficStats,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(body);
  stats.bytesOut += bytes.length;
  res.writeHead(status, { ...headers, "Content-Type": type, "Content-Length": bytes.length });
  res.end(bytes);
}

async function handle(
  deployment: CallableDeployment,
  options: ServeOptions,
  stats: TrafficStats,
  served: ServedDeployment,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (served.storage !== undefined && (req.url ?? "").startsWith("/api/storage/")) {
    if (await served.storage.handle(req, res)) return;
  }
  stats.requests += 1;
  const kind = /^\/api\/(query|mutation|action)$/.exec(req.url ?? "")?.[1] as Kind | undefined;
  if (req.method !== "POST" || kind === undefined) {
    send(res, stats, 404, "text/plain", `No route for ${req.method} ${req.url}`);
    return;
  }
  const body = await readBody(req);
  if (body === null) {
    stats.bytesIn += MAX_REQUEST_BYTES;
    send(res, stats, 413, "text/plain", "Request body exceeds the 16 MiB limit.");
    return;
  }
  stats.bytesIn += body.length;
  let path: string;
  let args: Record<string, Value>;
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { path: string; args: unknown[]; format?: string };
    path = parsed.path;
    args = jsonToConvex((parsed.args?.[0] ?? {}) as never) as Record<string, Value>;
  } catch {
    send(res, stats, 400, "text/plain", "Malformed request body.");
    return;
  }
  stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
  const retryAfter = kind === "mutation" ? served.writeThrottle.retryAfterSeconds() : null;
  if (retryAfter !== null) {
    stats.throttled += 1;
    send(res, stats, 429, "text/plain", `Too many bytes written: write throughput limit exceeded. Retry in ${retryAfter} s.`, {
      "Retry-After": String(retryAfter),
    });
    return;
  }
  const fault = served.faults.take(path);
  if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
  if (fault?.kind === "cut") return void req.socket.destroy();
  if (fault?.kind === "hang") return;
  if (fault?.kind === "status") return send(res, stats, fault.status, "text/plain", `Injected HTTP ${fault.status}`);
  await served.onRequest?.(path);
  if (!(await isPublicFunction(options.modules, path, kind))) {
    send(res, stats, 404, "text/plain", `Could not find public ${kind} '${path}'.`);
    return;
  }
  try {
    const ref = makeFunctionReference(path);
    const value = await withEnv(options.env, () => deployment[kind](ref, args));
    if (fault?.kind === "loseReply") return void req.socket.destroy();
    send(res, stats, 200, "application/json",
      JSON.stringify({ status: "success", value: convexToJson((value ?? null) as Value), logLines: [] }));
  } catch (error) {
    const data = (error as { data?: Value }).data;
    const isConvexError = data !== undefined;
    const message = error instanceof Error ? error.message : String(error);
    const reply = {
      status: "error",
      errorMessage: isConvexError || options.redactErrors === false ? message : "Server Error",
      ...(isConvexError ? { errorData: convexToJson(data) } : {}),
      logLines: [],
    };
    send(res, stats, STATUS_CODE_UDF_FAILED, "application/json", JSON.stringify(reply));
  }
}

/** Whether `path` ("module:function") names an exported public function of that kind. */
async function isPublicFunction(modules: ModuleMap, path: string, kind: Kind): Promise<boolean> {
  const [modulePath, exportName = "default"] = path.split(":");
  if (modulePath === undefined || modulePath.includes("..") || modulePath.startsWith("_")) return false;
  const load = modules.load(modulePath.replace(/\.js$/, ""));
  if (load === undefined) return false;
  const fn = (await load())[exportName] as Record<string, unknown> | undefined;
  const kindFlag = { query: "isQuery", mutation: "isMutation", action: "isAction" }[kind];
  return fn !== undefined && fn.isPublic === true && fn[kindFlag] === true;
}
