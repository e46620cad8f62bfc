// The one call an app makes: its backup functions, built for its schema and
// settings, to export from convex/backup.ts (the way @convex-dev/migrations
// defines an app's migration functions):
//
//   import { defineBackup } from "convex-hourly-backup";
//   import schema from "./schema";
//   export const { runNow, status, verify, readPage, readDocs, readChanges, logEnd, deleteRows, dropChanges, revertDocuments } =
//     defineBackup({ schema });
//
// All are internal: the cron, the dashboard and `npx convex run` call them,
// no client can. runNow calls the others through the module they are
// exported from (`module`, "backup" by default).
import { defineActions } from "./functions/actions";
import { defineChangeLogFunctions } from "./functions/changeLog";
import { defineReadPage } from "./functions/readPage";
import { defineReadDocs } from "./functions/readDocs";
import { defineRevertDocuments } from "./functions/revertDocuments";
import { backupSettings, type BackupOptions } from "./settings";

export function defineBackup(options: BackupOptions) {
  const settings = backupSettings(options);
  return {
    ...defineActions(settings),
    readPage: defineReadPage(settings.sanitizer),
    readDocs: defineReadDocs(settings.sanitizer),
    ...defineChangeLogFunctions(settings.sanitizer),
    revertDocuments: defineRevertDocuments(settings),
  };
}
