// Benchmark only: the seed's receivers checked a shared secret; so do these,
// so their requests carry the same few bytes as the backup's.
import { ConvexError } from "convex/values";
import { env } from "../_generated/server";

export function requireBenchSecret(secret: string): void {
  if (env.BENCH_SECRET === undefined || secret !== env.BENCH_SECRET) {
    throw new ConvexError({ code: "UNAUTHORIZED", message: "Wrong benchmark secret." });
  }
}
