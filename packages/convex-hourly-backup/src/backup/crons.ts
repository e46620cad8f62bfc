// The backup deployment prunes itself and watches for stopped backups: no
// call from the primary is needed. Convex runs at most one execution of a
// cron job at a time; a prune that needs more than one step schedules the
// rest itself (retention.ts).
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// A quarter past: the primary's hourly run starts at :00 and is normally done
// by then, so the prune plans with the newest restore point in place.
crons.hourly("retention:prune", { minuteUTC: 15 }, internal.retention.prune, {});

// Every 15 minutes: an ERROR line, and a webhook message per incident, when the
// newest restore point is older than ALERT_AFTER_MINUTES (alerts.ts).
crons.interval("alerts:check", { minutes: 15 }, internal.alerts.check, {});

export default crons;
