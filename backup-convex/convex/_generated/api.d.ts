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
import type * as alerts from "../alerts.js";
import type * as crons from "../crons.js";
import type * as files from "../files.js";
import type * as history from "../history.js";
import type * as pins from "../pins.js";
import type * as restore from "../restore.js";
import type * as retention from "../retention.js";
import type * as runs from "../runs.js";
import type * as status from "../status.js";
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
  alerts: typeof alerts;
  crons: typeof crons;
  files: typeof files;
  history: typeof history;
  pins: typeof pins;
  restore: typeof restore;
  retention: typeof retention;
  runs: typeof runs;
  status: typeof status;
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
