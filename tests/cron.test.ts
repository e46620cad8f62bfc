import { expect, test } from "vitest";
import crons from "../convex/crons";

test("backup:runNow is scheduled every hour at minute 0 UTC", () => {
  const jobs = (crons as unknown as { crons: Record<string, { name: string; args: unknown[]; schedule: unknown }> }).crons;
  expect(Object.keys(jobs)).toEqual(["backup:runNow"]);
  expect(jobs["backup:runNow"]).toMatchObject({
    name: "backup:runNow",
    args: [{}],
    schedule: { type: "hourly", minuteUTC: 0 },
  });
});
