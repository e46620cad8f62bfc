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
import type * as backup from "../backup.js";
import type * as backupConfig from "../backupConfig.js";
import type * as backupLog from "../backupLog.js";
import type * as backupPages from "../backupPages.js";
import type * as crons from "../crons.js";
import type * as functions from "../functions.js";
import type * as lib_backupStatus from "../lib/backupStatus.js";
import type * as lib_backupTarget from "../lib/backupTarget.js";
import type * as lib_changeLog_builders from "../lib/changeLog/builders.js";
import type * as lib_changeLog_recorder from "../lib/changeLog/recorder.js";
import type * as lib_drainLog from "../lib/drainLog.js";
import type * as lib_pageReader from "../lib/pageReader.js";
import type * as lib_rangeDiff from "../lib/rangeDiff.js";
import type * as lib_redaction_config from "../lib/redaction/config.js";
import type * as lib_redaction_keyJudge from "../lib/redaction/keyJudge.js";
import type * as lib_redaction_paths from "../lib/redaction/paths.js";
import type * as lib_redaction_report from "../lib/redaction/report.js";
import type * as lib_redaction_rules from "../lib/redaction/rules.js";
import type * as lib_redaction_valueShapes from "../lib/redaction/valueShapes.js";
import type * as lib_redaction_walker from "../lib/redaction/walker.js";
import type * as lib_redaction_words from "../lib/redaction/words.js";
import type * as lib_requestBytes from "../lib/requestBytes.js";
import type * as lib_retry from "../lib/retry.js";
import type * as lib_runBackup from "../lib/runBackup.js";
import type * as lib_runMode from "../lib/runMode.js";
import type * as lib_runReport from "../lib/runReport.js";
import type * as lib_sanitize from "../lib/sanitize.js";
import type * as lib_schemaRecord from "../lib/schemaRecord.js";
import type * as lib_syncTable from "../lib/syncTable.js";
import type * as lib_tableRanges from "../lib/tableRanges.js";
import type * as lib_verifyTables from "../lib/verifyTables.js";
import type * as shop from "../shop.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  backup: typeof backup;
  backupConfig: typeof backupConfig;
  backupLog: typeof backupLog;
  backupPages: typeof backupPages;
  crons: typeof crons;
  functions: typeof functions;
  "lib/backupStatus": typeof lib_backupStatus;
  "lib/backupTarget": typeof lib_backupTarget;
  "lib/changeLog/builders": typeof lib_changeLog_builders;
  "lib/changeLog/recorder": typeof lib_changeLog_recorder;
  "lib/drainLog": typeof lib_drainLog;
  "lib/pageReader": typeof lib_pageReader;
  "lib/rangeDiff": typeof lib_rangeDiff;
  "lib/redaction/config": typeof lib_redaction_config;
  "lib/redaction/keyJudge": typeof lib_redaction_keyJudge;
  "lib/redaction/paths": typeof lib_redaction_paths;
  "lib/redaction/report": typeof lib_redaction_report;
  "lib/redaction/rules": typeof lib_redaction_rules;
  "lib/redaction/valueShapes": typeof lib_redaction_valueShapes;
  "lib/redaction/walker": typeof lib_redaction_walker;
  "lib/redaction/words": typeof lib_redaction_words;
  "lib/requestBytes": typeof lib_requestBytes;
  "lib/retry": typeof lib_retry;
  "lib/runBackup": typeof lib_runBackup;
  "lib/runMode": typeof lib_runMode;
  "lib/runReport": typeof lib_runReport;
  "lib/sanitize": typeof lib_sanitize;
  "lib/schemaRecord": typeof lib_schemaRecord;
  "lib/syncTable": typeof lib_syncTable;
  "lib/tableRanges": typeof lib_tableRanges;
  "lib/verifyTables": typeof lib_verifyTables;
  shop: typeof shop;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
