// Mutation builders with change capture, made from the app's own builders:
//
//   // convex/functions.ts
//   import { mutation as rawMutation, internalMutation as rawInternalMutation } from "./_generated/server";
//   export const mutation = withChangeCapture(rawMutation);
//   export const internalMutation = withChangeCapture(rawInternalMutation);
//
// The app's mutations import these instead of the raw ones (an eslint rule
// keeps it so). Writes made any other way (dashboard edits, imports,
// unwrapped mutations) are found by the periodic reconciliation scan.
import { customMutation } from "convex-helpers/server/customFunctions";
import type { GenericDataModel, GenericMutationCtx, MutationBuilder } from "convex/server";
import { ChangeRecorder } from "./recorder";

export function withChangeCapture<DataModel extends GenericDataModel, Visibility extends "public" | "internal">(
  builder: MutationBuilder<DataModel, Visibility>,
) {
  return customMutation(builder, {
    args: {},
    input: async (ctx: GenericMutationCtx<DataModel>) => {
      const recorder = new ChangeRecorder(ctx.db as never);
      return {
        ctx: { db: recorder.db as unknown as GenericMutationCtx<DataModel>["db"] },
        args: {},
        onSuccess: () => recorder.flush(),
      };
    },
  });
}
