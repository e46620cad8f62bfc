// BACKUP_RETENTION, the backup deployment's retention policy, set without
// editing package files:
//   npx convex env set BACKUP_RETENTION "hourly=48,daily=30,weekly=12,monthly=12"
// Each tier is optional (a missing one keeps its default, RETENTION_POLICY);
// unset or empty means the default policy. A value that is not understood is
// an error naming the part at fault: the prune refuses to run with it rather
// than guess, and status shows the error.
import { RETENTION_POLICY, type RetentionPolicy } from "../retentionPolicy";

export const RETENTION_ENV = "BACKUP_RETENTION";
/** Far beyond any sensible policy (11 years of hours); a larger number is a typo. */
export const MAX_TIER_VALUE = 100_000;

const TIERS = {
  hourly: "keepAllHours",
  daily: "dailyDays",
  weekly: "weeklyWeeks",
  monthly: "monthlyMonths",
} as const satisfies Record<string, keyof RetentionPolicy>;
type Tier = keyof typeof TIERS;

const EXAMPLE = `e.g. "hourly=48,daily=30,weekly=12,monthly=12"`;

export type RetentionConfig = { policy: RetentionPolicy; error: null } | { policy: null; error: string };

/** The policy BACKUP_RETENTION sets, or the error that names what is wrong with it. */
export function parseRetention(value: string | undefined): RetentionConfig {
  const text = (value ?? "").trim();
  const policy: RetentionPolicy = { ...RETENTION_POLICY };
  if (text === "") return { policy, error: null };
  const seen = new Set<Tier>();
  for (const part of text.split(",")) {
    const problem = applyPart(policy, part.trim(), seen);
    if (problem !== null) return { policy: null, error: `${RETENTION_ENV}: ${problem} (${EXAMPLE}).` };
  }
  return { policy, error: null };
}

/** The policy, or an Error carrying parseRetention's message. */
export function retentionPolicyFrom(value: string | undefined): RetentionPolicy {
  const config = parseRetention(value);
  if (config.error !== null) throw new Error(config.error);
  return config.policy;
}

function applyPart(policy: RetentionPolicy, part: string, seen: Set<Tier>): string | null {
  const shown = JSON.stringify(part.slice(0, 40));
  if (part === "") return "an empty part (two commas, or a comma at an end)";
  const match = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(part);
  if (match === null) return `${shown} is not tier=number`;
  const name = match[1]!.toLowerCase();
  if (!Object.hasOwn(TIERS, name)) return `${shown}: "${match[1]}" is not a tier; the tiers are ${Object.keys(TIERS).join(", ")}`;
  const tier = name as Tier;
  if (seen.has(tier)) return `${shown}: ${tier} is given twice`;
  seen.add(tier);
  const number = match[2]!.trim();
  if (!/^\d+$/.test(number) || Number(number) > MAX_TIER_VALUE) {
    return `${shown}: ${tier} must be a whole number from 0 to ${MAX_TIER_VALUE}`;
  }
  policy[TIERS[tier]] = Number(number);
  return null;
}

/** "hourly=48,daily=30,weekly=12,monthly=0": a policy as BACKUP_RETENTION writes it. */
export function formatRetention(policy: RetentionPolicy): string {
  return (Object.entries(TIERS) as [Tier, keyof RetentionPolicy][]).map(([tier, field]) => `${tier}=${policy[field] ?? 0}`).join(",");
}
