// `npx convex import` of a restore ZIP, as far as the mock can play it: every
// document of the ZIP inserted into a fresh convex-test deployment with the
// app's own schema (schema validation on, transaction limits on), which
// refuses a document the schema does not accept (a required field missing, a
// wrong type). The mock assigns new ids, so references are translated to them
// on the way in and back to the ZIP's ids on the way out: what comes back is
// the documents as the import kept them, by their ZIP ids
// (tests/restore.test.ts, tests/support/installedAppRun.ts).
import { convexTest } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import type { Value } from "convex/values";
import { convexValueText, type ExportZip } from "./exportReader";

/** Per table, each document's fields (no `_id`, `_creationTime`) as convexValueText, by its id in the ZIP. */
export type ImportedState = Map<string, Map<string, string>>;

export type ImportTarget = {
  schema: SchemaDefinition<GenericSchema, boolean>;
  /** The app's modules (convexTest's `modules`, e.g. projectModules(dir).glob). */
  modules: Record<string, () => Promise<unknown>>;
  /** The tables to import, referenced tables before the tables that reference them. */
  tables: readonly string[];
};

/** Inserts the ZIP's documents (references translated to the new ids), then reads them back in the ZIP's ids. */
export async function importIntoFresh(zip: ExportZip, target: ImportTarget): Promise<ImportedState> {
  const fresh = convexTest({ schema: target.schema, modules: target.modules, transactionLimits: true });
  const oldToNew = new Map<string, string>();
  const newToOld = new Map<string, string>();
  for (const table of target.tables) {
    for (const doc of zip.documents.get(table) ?? []) {
      const { _id, _creationTime: _ignored, ...fields } = doc;
      const newId = await fresh.run((ctx) => ctx.db.insert(table as never, replaceStrings(fields, oldToNew) as never));
      oldToNew.set(_id as string, newId);
      newToOld.set(newId, _id as string);
    }
  }
  const state: ImportedState = new Map();
  for (const table of target.tables) {
    const docs = await fresh.run((ctx) => ctx.db.query(table as never).collect());
    const rows = docs.map((doc) => {
      const { _id, _creationTime: _ignored, ...fields } = doc as Record<string, Value>;
      return [newToOld.get(_id as string)!, convexValueText(replaceStrings(fields, newToOld))] as const;
    });
    state.set(table, new Map(rows));
  }
  return state;
}

function replaceStrings(value: Value, map: Map<string, string>): Value {
  if (typeof value === "string") return map.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => replaceStrings(item, map));
  if (value === null || typeof value !== "object" || value instanceof ArrayBuffer) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceStrings(item, map)]));
}
