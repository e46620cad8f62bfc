// history:versions - every version of one document across the kept restore
// points, a bounded page per query (lib/history.ts): run numbers, times,
// labels and changed field names, never a value. What
// `convex-hourly-backup history <table> <id>` prints. Guarded by the restore
// credential; writes nothing.
import { ConvexError } from "convex/values";
import { query } from "./_generated/server";
import { requireRestoreAccess } from "./lib/auth";
import { validateTableName } from "./lib/validateBatch";
import { historyPage } from "./lib/history";
import { MAX_ID_LENGTH } from "./lib/restoreDocuments";
import { historyArgs, vHistoryPage } from "./lib/historyProtocol";
import { ERROR_CODES } from "../shared/protocol";

export const versions = query({
  args: historyArgs,
  returns: vHistoryPage,
  handler: async (ctx, { secret, table, docId, cursor }) => {
    await requireRestoreAccess(secret);
    validateTableName(table);
    if (docId.length === 0 || docId.length > MAX_ID_LENGTH) {
      throw new ConvexError({ code: ERROR_CODES.invalidBatch, message: `A document id is 1 to ${MAX_ID_LENGTH} characters.` });
    }
    return await historyPage(ctx.db, { table, docId, cursor });
  },
});
