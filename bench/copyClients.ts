// Benchmark only: the two copies the backup is compared with, run from the
// benchmark process against a receiver (bench/receivers.ts).
// - seedStyleBackup: the seed brief's hourly job: fetch every document of
//   every table, upsert each into the backup (batches of 1,000).
// - bareCopy: the floor for a full run: paginate and POST each page as it is.
import { makeFunctionReference } from "convex/server";
import type { PrimaryDeployment } from "../harness/deployments";
import type { Receiver } from "./receivers";
import { rawPages, SHOP_TABLES, withoutPasswordsAndTokens } from "./primaryPages";

const upsertDocuments = makeFunctionReference<"mutation">("upsert:upsertDocuments");
const insertPage = makeFunctionReference<"mutation">("bare:insertPage");

export async function seedStyleBackup(primary: PrimaryDeployment, receiver: Receiver): Promise<number> {
  let sent = 0;
  for (const table of SHOP_TABLES) {
    for await (const page of rawPages(primary, table)) {
      const docs = page.map((doc) => withoutPasswordsAndTokens(table, doc));
      await receiver.client.mutation(upsertDocuments, { secret: receiver.secret, table, docs });
      sent += docs.length;
    }
  }
  return sent;
}

export async function bareCopy(primary: PrimaryDeployment, receiver: Receiver): Promise<number> {
  let sent = 0;
  for (const table of SHOP_TABLES) {
    for await (const page of rawPages(primary, table)) {
      const docs = page.map((doc) => withoutPasswordsAndTokens(table, doc));
      await receiver.client.mutation(insertPage, { secret: receiver.secret, table, docs });
      sent += docs.length;
    }
  }
  return sent;
}
