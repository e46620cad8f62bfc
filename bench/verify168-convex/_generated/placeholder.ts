// convex-test finds a project's functions root by its _generated folder; this
// bench-only primary needs no generated code.
export {};
