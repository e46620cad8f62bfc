// The app's mutation builders, with change capture: every document a
// mutation writes is noted in the backup's change log in the same
// transaction, so an hourly backup reads only what changed. App code imports
// `mutation` / `internalMutation` from here, never from ./_generated/server
// (eslint.config.js enforces it). Given the backup's OMITTED_FIELDS, a patch
// that only rotates a session token writes no log row.
import { internalMutation as rawInternalMutation, mutation as rawMutation } from "./_generated/server";
import { withChangeCapture } from "convex-hourly-backup";
import { OMITTED_FIELDS } from "./backupConfig";

export const mutation = withChangeCapture(rawMutation, { omittedFields: OMITTED_FIELDS });
export const internalMutation = withChangeCapture(rawInternalMutation, { omittedFields: OMITTED_FIELDS });
