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
import type * as lib_alertRules from "../lib/alertRules.js";
import type * as lib_auth from "../lib/auth.js";
import type * as lib_files from "../lib/files.js";
import type * as lib_history from "../lib/history.js";
import type * as lib_historyProtocol from "../lib/historyProtocol.js";
import type * as lib_labels from "../lib/labels.js";
import type * as lib_logCounts from "../lib/logCounts.js";
import type * as lib_pointHolds from "../lib/pointHolds.js";
import type * as lib_rangeDigests from "../lib/rangeDigests.js";
import type * as lib_rangePlan from "../lib/rangePlan.js";
import type * as lib_restoreDocuments from "../lib/restoreDocuments.js";
import type * as lib_restorePage from "../lib/restorePage.js";
import type * as lib_restorePoint from "../lib/restorePoint.js";
import type * as lib_restoreProtocol from "../lib/restoreProtocol.js";
import type * as lib_retentionBudget from "../lib/retentionBudget.js";
import type * as lib_retentionConfig from "../lib/retentionConfig.js";
import type * as lib_retentionGaps from "../lib/retentionGaps.js";
import type * as lib_retentionHealth from "../lib/retentionHealth.js";
import type * as lib_retentionPage from "../lib/retentionPage.js";
import type * as lib_retentionPrune from "../lib/retentionPrune.js";
import type * as lib_retentionState from "../lib/retentionState.js";
import type * as lib_runAlerts from "../lib/runAlerts.js";
import type * as lib_runRecords from "../lib/runRecords.js";
import type * as lib_validateBatch from "../lib/validateBatch.js";
import type * as lib_versions from "../lib/versions.js";
import type * as lib_webhook from "../lib/webhook.js";
import type * as pins from "../pins.js";
import type * as restore from "../restore.js";
import type * as retention from "../retention.js";
import type * as retentionPolicy from "../retentionPolicy.js";
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
  "lib/alertRules": typeof lib_alertRules;
  "lib/auth": typeof lib_auth;
  "lib/files": typeof lib_files;
  "lib/history": typeof lib_history;
  "lib/historyProtocol": typeof lib_historyProtocol;
  "lib/labels": typeof lib_labels;
  "lib/logCounts": typeof lib_logCounts;
  "lib/pointHolds": typeof lib_pointHolds;
  "lib/rangeDigests": typeof lib_rangeDigests;
  "lib/rangePlan": typeof lib_rangePlan;
  "lib/restoreDocuments": typeof lib_restoreDocuments;
  "lib/restorePage": typeof lib_restorePage;
  "lib/restorePoint": typeof lib_restorePoint;
  "lib/restoreProtocol": typeof lib_restoreProtocol;
  "lib/retentionBudget": typeof lib_retentionBudget;
  "lib/retentionConfig": typeof lib_retentionConfig;
  "lib/retentionGaps": typeof lib_retentionGaps;
  "lib/retentionHealth": typeof lib_retentionHealth;
  "lib/retentionPage": typeof lib_retentionPage;
  "lib/retentionPrune": typeof lib_retentionPrune;
  "lib/retentionState": typeof lib_retentionState;
  "lib/runAlerts": typeof lib_runAlerts;
  "lib/runRecords": typeof lib_runRecords;
  "lib/validateBatch": typeof lib_validateBatch;
  "lib/versions": typeof lib_versions;
  "lib/webhook": typeof lib_webhook;
  pins: typeof pins;
  restore: typeof restore;
  retention: typeof retention;
  retentionPolicy: typeof retentionPolicy;
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
