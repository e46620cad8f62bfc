/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as lib_auth from "../lib/auth.js";
import type * as lib_retentionGaps from "../lib/retentionGaps.js";
import type * as lib_retentionPrune from "../lib/retentionPrune.js";
import type * as lib_validateBatch from "../lib/validateBatch.js";
import type * as lib_versions from "../lib/versions.js";
import type * as retentionPolicy from "../retentionPolicy.js";
import type * as runs from "../runs.js";
import type * as sync from "../sync.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  "lib/auth": typeof lib_auth;
  "lib/retentionGaps": typeof lib_retentionGaps;
  "lib/retentionPrune": typeof lib_retentionPrune;
  "lib/validateBatch": typeof lib_validateBatch;
  "lib/versions": typeof lib_versions;
  retentionPolicy: typeof retentionPolicy;
  runs: typeof runs;
  sync: typeof sync;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
