// The hourly backup. Convex runs at most one execution of a cron job at a
// time; a tick that would overlap a still-running backup is skipped.
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Minute 0 so restore points line up with wall-clock hours, as users expect.
// eslint-disable-next-line @convex-dev/no-top-of-hour-crons
crons.hourly("backup:runNow", { minuteUTC: 0 }, internal.backup.runNow, {});

export default crons;
