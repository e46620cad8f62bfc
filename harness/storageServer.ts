// File storage served over loopback HTTP, as Convex serves it: what
// `ctx.storage.getUrl(id)` and `ctx.storage.generateUploadUrl()` return on a
// convex-test instance started with `storage: { baseUrl, uploadToken }`
// (patches/convex-test+0.0.60.patch) point here.
//
//   GET  /api/storage/<id>            the file, streamed; Content-Type as stored,
//                                     Content-Length, Digest: sha-256=<base64>; 404 if gone
//   POST /api/storage/upload?token=t  the body becomes a new file (Content-Type kept);
//                                     200 {"storageId": "<id>"}; a token this server did
//                                     not issue, or one already used, is refused (401)
//
// The backup deployment's server (convexHttpServer.ts) mounts these routes
// beside its /api/query|mutation|action; the primary gets a server of its
// own (serveStorage), since nothing else of it is reached over HTTP. Bytes of
// files in and out are counted apart from function calls.
//
// As Convex does, an upload still arriving after UPLOAD_CUT_MS (about 2
// minutes, docs file-storage/upload-files) is cut: the connection is dropped
// and nothing is stored. Faults (faults.ts) apply to "storage:upload" and
// "storage:download" requests: `routes.faults.add({ path: "storage:upload", ... })`.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GenericDataModel, GenericMutationCtx, StorageActionWriter } from "convex/server";
import { FaultPlan, type Fault } from "./faults";

/** Convex cuts an upload to an upload URL at about 2 minutes. */
export const UPLOAD_CUT_MS = 120_000;

/** The part of a convex-test instance the routes use: `t.run`, a mutation context with an action's storage. */
export type StorageDeployment = {
  run<T>(handler: (ctx: GenericMutationCtx<GenericDataModel> & { storage: StorageActionWriter }) => Promise<T>): Promise<T>;
};

export type StorageTraffic = {
  /** Files served (GET) and their bytes. */
  downloads: number;
  bytesOut: number;
  /** Files received (POST to an upload URL) and their bytes. */
  uploads: number;
  bytesIn: number;
  /** Uploads refused (unknown or used token). */
  refused: number;
  /** Uploads cut because they were still arriving at the upload cut. */
  cut: number;
};

export const emptyStorageTraffic = (): StorageTraffic => ({ downloads: 0, bytesOut: 0, uploads: 0, bytesIn: 0, refused: 0, cut: 0 });

const UPLOAD_PATH = "/api/storage/upload";
const FILE_PATH = /^\/api\/storage\/([^/?]+)$/;

export class StorageRoutes {
  private readonly tokens = new Set<string>();
  private readonly counters: () => StorageTraffic;
  /** Faults for "storage:upload" and "storage:download" requests. */
  readonly faults = new FaultPlan();
  /** How long an upload may take before it is cut (Convex: about 2 minutes). */
  uploadCutMs = UPLOAD_CUT_MS;

  /** `counters`: where the traffic is counted (a server's stats); its own by default. */
  constructor(
    private readonly deployment: StorageDeployment,
    counters?: () => StorageTraffic,
  ) {
    const own = emptyStorageTraffic();
    this.counters = counters ?? (() => own);
  }

  get traffic(): StorageTraffic {
    return this.counters();
  }

  /** What generateUploadUrl puts in its URL: accepted once. */
  issueToken = (): string => {
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
    this.tokens.add(token);
    return token;
  };

  resetTraffic(): void {
    Object.assign(this.traffic, emptyStorageTraffic());
  }

  /** Handles a storage request; false when `req` is not one (the caller routes it elsewhere). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://loopback");
    if (req.method === "POST" && url.pathname === UPLOAD_PATH) {
      if (await this.injected(this.faults.take("storage:upload"), req, res)) return true;
      await this.upload(req, res, url.searchParams.get("token"));
      return true;
    }
    const match = FILE_PATH.exec(url.pathname);
    if (req.method === "GET" && match !== null && url.pathname !== UPLOAD_PATH) {
      if (await this.injected(this.faults.take("storage:download"), req, res)) return true;
      await this.download(res, decodeURIComponent(match[1]!));
      return true;
    }
    return false;
  }

  /** Applies a fault; true when it answered (or dropped) the request instead of the route. */
  private async injected(fault: Fault | undefined, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (fault === undefined) return false;
    if (fault.kind === "delay") {
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return false;
    }
    if (fault.kind === "hang") return true;
    if (fault.kind === "cut" || fault.kind === "loseReply") {
      req.socket.destroy();
      return true;
    }
    for await (const _chunk of req) void _chunk;
    sendJson(res, fault.status, { code: "InjectedFault", message: `Injected HTTP ${fault.status}` });
    return true;
  }

  private async upload(req: IncomingMessage, res: ServerResponse, token: string | null): Promise<void> {
    if (token === null || !this.tokens.delete(token)) {
      this.traffic.refused += 1;
      for await (const _chunk of req) void _chunk;
      sendJson(res, 401, { code: "InvalidUploadToken", message: "The upload URL is not valid (unknown or already used)." });
      return;
    }
    // Convex keeps the file in its own storage; the harness keeps it where convex-test does.
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    let cut = false;
    const timer = setTimeout(() => {
      cut = true;
      this.traffic.cut += 1;
      req.socket.destroy();
    }, this.uploadCutMs);
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        chunks.push(new Uint8Array(chunk.buffer as ArrayBuffer, chunk.byteOffset, chunk.length));
        this.traffic.bytesIn += chunk.length;
      }
    } catch {
      // The client went away, or the cut dropped the connection: nothing stored.
    } finally {
      clearTimeout(timer);
    }
    if (cut || !req.complete) return;
    const type = req.headers["content-type"] ?? "";
    const blob = new Blob(chunks, { type });
    chunks.length = 0;
    const storageId = await this.deployment.run((ctx) => ctx.storage.store(blob));
    this.traffic.uploads += 1;
    sendJson(res, 200, { storageId });
  }

  private async download(res: ServerResponse, storageId: string): Promise<void> {
    // t.run returns Convex values only: the blob leaves the handler through this variable.
    let blob: Blob | null = null;
    let sha256: string | null = null;
    await this.deployment.run(async (ctx) => {
      const id = ctx.db.system.normalizeId("_storage", storageId);
      const metadata = id === null ? null : await ctx.db.system.get(id);
      if (metadata === null) return null;
      sha256 = metadata.sha256;
      blob = await ctx.storage.get(id!);
      return null;
    });
    const file = blob as Blob | null;
    if (file === null) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("File not found.");
      return;
    }
    res.writeHead(200, {
      "Content-Type": file.type === "" ? "application/octet-stream" : file.type,
      "Content-Length": file.size,
      ...(sha256 === null ? {} : { Digest: `sha-256=${sha256}` }),
    });
    const reader = file.stream().getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.traffic.bytesOut += value.byteLength;
        // Backpressure: wait while the socket's buffer is full, as a server streaming a large file must.
        if (!res.write(value)) await new Promise<void>((resolve) => res.once("drain", resolve));
      }
    } catch {
      // The client went away mid-file: nothing more to send.
      res.destroy();
      return;
    }
    this.traffic.downloads += 1;
    res.end();
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export type ServedStorage = {
  url: string;
  routes: StorageRoutes;
  traffic: StorageTraffic;
  close(): Promise<void>;
};

/** A loopback server with the storage routes only (the primary's files). */
export async function serveStorage(routes: StorageRoutes): Promise<ServedStorage> {
  const server = createServer((req, res) => {
    routes
      .handle(req, res)
      .then((handled) => {
        if (!handled) {
          res.writeHead(404, { "Content-Type": "text/plain" });
          res.end(`No route for ${req.method} ${req.url}`);
        }
      })
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
        res.end(`Internal harness error: ${String(error)}`);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    traffic: routes.traffic,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
