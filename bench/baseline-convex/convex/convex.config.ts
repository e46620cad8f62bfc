// Benchmark only. Declares the receivers' environment (typed `env` in _generated/server).
import { defineApp } from "convex/server";
import { v } from "convex/values";

const app = defineApp({
  env: {
    /** The secret the benchmark's clients send, as the seed's backup receiver took one. */
    BENCH_SECRET: v.optional(v.string()),
  },
});

export default app;
