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
// unwrapped mutations) are found by rolling verification (app/verification.ts) within verifyEveryHours.
//
// An app that already wraps ctx.db (convex-helpers Triggers) passes its wrapper
// as `wrapDB`: it is applied OVER the recorder, so the writes its triggers make
// go through the recorder too. Composing the two builders instead either fails
// tsc (customMutation over withChangeCapture) or loses the triggers' writes
// (withChangeCapture over customMutation(raw, customCtx(triggers.wrapDB)): the
// recorder then sees only the handler's own writes).
import { customMutation } from "convex-helpers/server/customFunctions";
import type { GenericDatabaseWriter, GenericDataModel, GenericMutationCtx, MutationBuilder } from "convex/server";
import { ChangeRecorder } from "./recorder";

export type ChangeCaptureOptions = {
  /**
   * The same omittedFields given to defineBackup (table -> top-level fields the
   * backup drops). A field listed here but kept by the backup would reach it
   * only at the next reconciliation, which reports it as missed by the log.
   */
  omittedFields?: Readonly<Record<string, readonly string[]>>;
};

/** withChangeCapture's options for one data model: ChangeCaptureOptions and the app's own ctx.db wrapper. */
export type ChangeCaptureBuilderOptions<DataModel extends GenericDataModel> = ChangeCaptureOptions & {
  /**
   * The app's other ctx.db wrapper, e.g. convex-helpers `triggers.wrapDB`: it
   * wraps the change recorder, so every write it makes (a trigger's write to
   * another table) is captured as well as the handler's.
   */
  wrapDB?: (ctx: GenericMutationCtx<DataModel>) => { db: GenericDatabaseWriter<DataModel> };
};

export function withChangeCapture<DataModel extends GenericDataModel, Visibility extends "public" | "internal">(
  builder: MutationBuilder<DataModel, Visibility>,
  options: ChangeCaptureBuilderOptions<DataModel> = {},
) {
  const omitted = new Map(Object.entries(options.omittedFields ?? {}).map(([table, fields]) => [table, new Set(fields)]));
  return customMutation(builder, {
    args: {},
    input: async (ctx: GenericMutationCtx<DataModel>) => {
      const recorder = new ChangeRecorder(ctx.db as never, omitted);
      const recorded = { ...ctx, db: recorder.db as unknown as GenericMutationCtx<DataModel>["db"] };
      return {
        ctx: { db: options.wrapDB === undefined ? recorded.db : options.wrapDB(recorded).db },
        args: {},
        onSuccess: () => recorder.flush(),
      };
    },
  });
}
