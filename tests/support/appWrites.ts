// Writes to the primary made the way the app's wrapped mutations make them:
// through the change recorder, so the next change-log run sees them. Plain
// `t.run` writes are what a dashboard edit or an unwrapped mutation does:
// only a reconciliation scan finds those.
import type { DatabaseWriter } from "../../convex/_generated/server";
import type { Deployments } from "../../harness/deployments";
import { ChangeRecorder } from "../../packages/convex-hourly-backup/src/app/changeLog/recorder";

export function writeAsApp<T>(d: Deployments, write: (db: DatabaseWriter) => Promise<T>): Promise<T> {
  return d.primary.t.run(async (ctx) => {
    const recorder = new ChangeRecorder(ctx.db as never);
    const result = await write(recorder.db as unknown as DatabaseWriter);
    await recorder.flush();
    return result;
  });
}
