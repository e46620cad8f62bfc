// Change capture for the app's mutations: a thin wrapper around ctx.db that
// notes the id of every document the mutation inserts, patches, replaces or
// deletes (through ctx.db or the table-scoped ctx.db.table(name)), then writes
// them as log rows when the mutation succeeds, in the same transaction. It
// reads nothing (no extra document reads are billed) and writes one small row
// per mutation (one per MAX_IDS_PER_ROW documents). A patch that sets only
// fields the backup omits is not noted.
import { getConvexSize } from "convex/values";
import type { GenericDatabaseWriter, GenericDataModel } from "convex/server";
import { CHANGE_LOG_TABLE, MAX_ID_BYTES_PER_ROW, MAX_IDS_PER_ROW, PARTS_PER_RECORDER } from "./schema";

type Writer = GenericDatabaseWriter<GenericDataModel>;
type Write = (...args: unknown[]) => Promise<unknown>;
type TableWriter = Record<"insert" | "patch" | "replace" | "delete", Write>;

/** A random multiple of PARTS_PER_RECORDER below 2^53 (Convex seeds Math.random per function call, nested calls included). */
const partBase = () => Math.floor(Math.random() * (Number.MAX_SAFE_INTEGER / PARTS_PER_RECORDER)) * PARTS_PER_RECORDER;

export class ChangeRecorder {
  private readonly ids = new Set<string>();
  /** ctx.db for the app's handler: every write goes through `raw` and is noted. */
  readonly db: Writer;

  constructor(
    private readonly raw: Writer,
    /** Per table, the top-level fields the backup drops (withChangeCapture's omittedFields). */
    private readonly omittedFields: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
  ) {
    const note = (id: unknown) => this.ids.add(id as string);
    // A patch's table: named, or found from the id (no read) among the tables with omitted fields.
    const tableOf = (id: string) => [...this.omittedFields.keys()].find((table) => raw.normalizeId(table as never, id) !== null);
    const onlyOmitted = (table: string | undefined, value: unknown) => {
      const fields = this.omittedFields.get(table ?? "");
      if (fields === undefined || typeof value !== "object" || value === null) return false;
      const keys = Object.keys(value);
      return keys.length > 0 && keys.every((key) => fields.has(key));
    };
    const call = (name: keyof TableWriter, args: unknown[]) => (raw[name] as Write)(...args);
    // ctx.db's writes, in both call forms: (table, id, ...) and the legacy (id, ...).
    const wrapped: Record<string, unknown> = {
      insert: async (...args: unknown[]) => {
        const id = await call("insert", args);
        note(id);
        return id;
      },
      patch: async (...args: unknown[]) => {
        await call("patch", args);
        const [table, id] = args.length === 3 ? [args[0] as string, args[1]] : [tableOf(args[0] as string), args[0]];
        if (!onlyOmitted(table, args.at(-1))) note(id);
      },
      replace: async (...args: unknown[]) => {
        await call("replace", args);
        note(args.length === 3 ? args[1] : args[0]);
      },
      delete: async (...args: unknown[]) => {
        await call("delete", args);
        note(args.length === 2 ? args[1] : args[0]);
      },
      // ctx.db.table(name): the same writes, scoped to one table.
      table: (name: string) => {
        const scoped = (raw as unknown as { table(name: string): TableWriter }).table(name);
        const writes: TableWriter = {
          insert: async (value) => {
            const id = await scoped.insert(value);
            note(id);
            return id;
          },
          patch: async (id, value) => {
            await scoped.patch(id, value);
            if (!onlyOmitted(name, value)) note(id);
          },
          replace: async (id, value) => {
            await scoped.replace(id, value);
            note(id);
          },
          delete: async (id) => {
            await scoped.delete(id);
            note(id);
          },
        };
        return new Proxy(scoped, { get: (target, prop, receiver) => (prop in writes ? writes[prop as keyof TableWriter] : Reflect.get(target, prop, receiver)) });
      },
    };
    // Reads, system tables, normalizeId and vars pass through untouched.
    this.db = new Proxy(raw, {
      get: (target, prop, receiver) => (typeof prop === "string" && prop in wrapped ? wrapped[prop] : Reflect.get(target, prop, receiver)),
    });
  }

  /** Writes the noted ids as log rows stamped with the commit timestamp. Call once, after the handler. */
  async flush(): Promise<void> {
    const ids = [...this.ids];
    this.ids.clear();
    if (ids.length === 0) return;
    const base = partBase();
    let part = 0;
    for (let at = 0; at < ids.length; part++) {
      // Up to MAX_IDS_PER_ROW ids, and MAX_ID_BYTES_PER_ROW of them (at least one).
      const chunk: string[] = [];
      let bytes = 0;
      while (at < ids.length && chunk.length < MAX_IDS_PER_ROW) {
        const size = getConvexSize(ids[at]!);
        if (chunk.length > 0 && bytes + size > MAX_ID_BYTES_PER_ROW) break;
        bytes += size;
        chunk.push(ids[at++]!);
      }
      await this.raw.insert(CHANGE_LOG_TABLE, { ts: this.raw.vars.commitTs, part: base + part, ids: chunk } as never);
    }
  }
}
