// Benchmark only (issue 18): rolling verification at verifyEveryHours 168,
// measured on a pair of its own whose primary runs bench/verify168-convex (the
// example app's backup functions with that window): seeded with the main
// size, backed up once (a scan), then the first hour and a day of idle hours
// (bench/verificationDay.ts). Run before the main pair exists, so its heap
// does not slow the main pair's runs.
import { fileURLToPath } from "node:url";
import { startDeployments, type Deployments } from "../harness/deployments";
import { seedShop } from "../harness/shopData";
import { shopSizeFor } from "./shopSize";
import { firstHourAndDay, type FirstHour, type Hour, type IdleDay } from "./verificationDay";

export const WEEKLY_HOURS = 168;
const PRIMARY_DIR = fileURLToPath(new URL("./verify168-convex", import.meta.url));

export type WindowFigures = { everyHours: number; first: FirstHour; day: IdleDay };

type Step = <T>(label: string, work: () => Promise<T>) => Promise<T>;

export async function measureWeeklyWindow(
  docs: number,
  hours: number,
  step: Step,
  hourlyRun: (pair: Deployments) => Promise<Hour>,
): Promise<WindowFigures> {
  const pair = await startDeployments({ primaryDir: PRIMARY_DIR });
  try {
    const size = shopSizeFor(docs);
    await step(`verifyEveryHours ${WEEKLY_HOURS}: seed ${docs} documents (own pair) and back them up`, async () => {
      await seedShop(pair.primary, size);
      await hourlyRun(pair);
    });
    const { first, day } = await step(`verifyEveryHours ${WEEKLY_HOURS}: the first hour after the scan, then ${hours} idle hours`, () =>
      firstHourAndDay(() => hourlyRun(pair), { docs, tableSizes: Object.values(size), everyHours: WEEKLY_HOURS, hours }),
    );
    return { everyHours: WEEKLY_HOURS, first, day };
  } finally {
    await pair.close();
  }
}
