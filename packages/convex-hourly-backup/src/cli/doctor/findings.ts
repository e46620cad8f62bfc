// What `doctor` reports: one finding per problem, each with where it is
// (file:line, relative to the app's folder) and the fix, in words a user acts on.
export type FindingKind = "unrecordedMutation" | "lossyComposition" | "redactedRequired" | "component" | "config";

export type Finding = {
  kind: FindingKind;
  /** "convex/notes.ts:12", or "convex/schema.ts" when no line applies. */
  where: string;
  /** What is wrong. */
  problem: string;
  /** What to do about it. */
  fix: string;
};

/** Components are notes: their tables cannot be captured, so they are told, not failed on. */
export const isNote = (finding: Finding) => finding.kind === "component";

/** The findings as printed: a header per finding, then its fix (a note's: what to do). */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.where}: ${isNote(f) ? "note: " : ""}${f.problem}\n  ${isNote(f) ? "do" : "fix"}: ${f.fix}`).join("\n");
}

/** One line for init, setup and the dry run: how many findings of each kind. */
export function summaryLine(findings: readonly Finding[]): string {
  const problems = findings.filter((f) => !isNote(f));
  const notes = findings.length - problems.length;
  const noteText = notes === 0 ? "" : ` (and ${notes} note${notes === 1 ? "" : "s"}: components whose tables are in no restore point)`;
  if (problems.length === 0) {
    return `doctor: no problem found: every mutation records its writes, every required redacted field has a restore placeholder${noteText}.`;
  }
  const counts = new Map<FindingKind, number>();
  for (const f of problems) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  const words: Record<FindingKind, string> = {
    unrecordedMutation: "mutations that record no changes",
    lossyComposition: "ctx.db wrappers that lose writes",
    redactedRequired: "required redacted fields without a restore placeholder",
    component: "components whose tables are in no restore point",
    config: "backup settings naming nothing in the schema",
  };
  const parts = [...counts].map(([kind, n]) => `${n} ${words[kind]}`);
  return `doctor: ${problems.length} problem${problems.length === 1 ? "" : "s"} (${parts.join(", ")})${noteText}; run \`npx convex-hourly-backup doctor\` for each one's file, line and fix.`;
}
