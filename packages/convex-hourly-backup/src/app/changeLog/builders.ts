// Mutation builders with change capture, made from the app's own builders:
//
//   // convex/functions.ts
//   import { mutation as rawMutation, internalMutation as rawInternalMutation } from "./_generated/server";
//   export const mutation = withChangeCapture(rawMutation);
//   export const internalMutation = withChangeCapture(rawInternalMutation);
//
// The app's mutations import these instead of the raw ones (an eslint rule
// keeps it so). Given the OMITTED_FIELDS the backup is configured with, a
// patch that sets only omitted fields (a session token rotated at each
// sign-in) is not logged: it leaves the backup's copy unchanged. Writes made any other way (dashboard edits, imports,
// unwrapped mutations) are found by the periodic reconciliation scan.
import { customMutation } from "convex-helpers/server/customFunctions";
import type { GenericDataModel, GenericMutationCtx, MutationBuilder } from "convex/server";
import { ChangeRecorder } from "./recorder";

export type ChangeCaptureOptions = {
  /**
   * The same omittedFields given to defineBackup (table -> top-level fields the
   * backup drops). A field listed here but kept by the backup would reach it
   * only at the next reconciliation, which reports it as missed by the log.
   */
  omittedFields?: Readonly<Record<string, readonly string[]>>;
};

export function withChangeCapture<DataModel extends GenericDataModel, Visibility extends "public" | "internal">(
  builder: MutationBuilder<DataModel, Visibility>,
  options: ChangeCaptureOptions = {},
) {
  const omitted = new Map(Object.entries(options.omittedFields ?? {}).map(([table, fields]) => [table, new Set(fields)]));
  return customMutation(builder, {
    args: {},
    input: async (ctx: GenericMutationCtx<DataModel>) => {
      const recorder = new ChangeRecorder(ctx.db as never, omitted);
      return {
        ctx: { db: recorder.db as unknown as GenericMutationCtx<DataModel>["db"] },
        args: {},
        onSuccess: () => recorder.flush(),
      };
    },
  });
}
