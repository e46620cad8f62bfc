// Fault injection for the loopback backup server: each rule matches requests
// by function path, skips the first `skip` matches, then applies its fault to
// the next `times` matches. The server consults the rules before handling.
export type Fault =
  /** Answer later. */
  | { kind: "delay"; ms: number }
  /** Drop the connection before the request is handled: nothing is applied. */
  | { kind: "cut" }
  /** Handle the request (a mutation commits), then drop the connection: the reply is lost. */
  | { kind: "loseReply" }
  /** Answer with this HTTP status without handling the request. */
  | { kind: "status"; status: number }
  /** Never answer: the client's timeout has to fire. */
  | { kind: "hang" };

export type FaultRule = {
  fault: Fault;
  /** Function path ("sync:applyRange") or pattern; every request when absent. */
  path?: string | RegExp;
  /** Matching requests to let through first (fail the Nth: skip N-1). */
  skip?: number;
  /** How many matching requests get the fault (default 1; Infinity for all). */
  times?: number;
};

export class FaultPlan {
  private rules: (FaultRule & { seen: number; applied: number })[] = [];
  /** Faults applied so far, by kind: what a test expects to have survived. */
  readonly applied: Record<string, number> = {};

  add(rule: FaultRule): this {
    this.rules.push({ ...rule, seen: 0, applied: 0 });
    return this;
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this request, if any rule fires. */
  take(path: string): Fault | undefined {
    for (const rule of this.rules) {
      const matches =
        rule.path === undefined || (typeof rule.path === "string" ? rule.path === path : rule.path.test(path));
      if (!matches) continue;
      rule.seen += 1;
      if (rule.seen <= (rule.skip ?? 0) || rule.applied >= (rule.times ?? 1)) continue;
      rule.applied += 1;
      this.applied[rule.fault.kind] = (this.applied[rule.fault.kind] ?? 0) + 1;
      return rule.fault;
    }
    return undefined;
  }
}
