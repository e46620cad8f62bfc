// Benchmark only: the two receivers the backup is compared with, each a
// fresh in-process deployment of bench/baseline-convex served on its own
// loopback port, so its bytes and requests are counted apart from the backup's,
// with its own database I/O meter (`io`), as the backup deployment has.
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { convexTest, type TestConvex } from "convex-test";
import { randomSecret } from "../harness/deployments";
import { serveOverHttp, type ServedDeployment } from "../harness/convexHttpServer";
import { projectModules } from "../harness/modules";
import { IoStats } from "../harness/ioStats";
import receiverSchema from "./baseline-convex/convex/schema";

export const RECEIVER_DIR = fileURLToPath(new URL("./baseline-convex/convex", import.meta.url));

export type Receiver = {
  t: TestConvex<typeof receiverSchema>;
  server: ServedDeployment;
  client: ConvexHttpClient;
  secret: string;
  io: IoStats;
  close(): Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const secret = randomSecret();
  const modules = projectModules(RECEIVER_DIR);
  const io = new IoStats();
  const t = convexTest({ schema: receiverSchema, modules: modules.glob, transactionLimits: true, onTransactionEnd: io.record });
  const server = await serveOverHttp(t, { modules, env: { BENCH_SECRET: secret } });
  const client = new ConvexHttpClient(server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
  return { t, server, client, secret, io, close: () => server.close() };
}

export const RECEIVER_TABLES = Object.keys(receiverSchema.tables);
