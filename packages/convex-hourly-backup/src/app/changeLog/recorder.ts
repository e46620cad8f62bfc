// Change capture for the app's mutations: a thin wrapper around ctx.db that
// notes the id of every document the mutation inserts, patches, replaces or
// deletes, then writes them as log rows when the mutation succeeds, in the
// same transaction. It reads nothing (no extra document reads are billed)
// and writes one small row per mutation (one per MAX_IDS_PER_ROW documents).
// A patch that sets only fields the backup omits is not noted.
import type { GenericDatabaseWriter, GenericDataModel } from "convex/server";
import { CHANGE_LOG_TABLE, MAX_IDS_PER_ROW } from "./schema";

type Writer = GenericDatabaseWriter<GenericDataModel>;

export class ChangeRecorder {
  private readonly ids = new Set<string>();
  /** ctx.db for the app's handler: every write goes through `raw` and is noted. */
  readonly db: Writer;

  constructor(
    private readonly raw: Writer,
    /** Per table, the top-level fields the backup drops (withChangeCapture's omittedFields). */
    private readonly omittedFields: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
  ) {
    const note = (id: string) => this.ids.add(id);
    // Both call forms are supported: (table, id, ...) and the legacy (id, ...).
    const idArg = (args: unknown[], withValue: boolean) => (args.length === (withValue ? 3 : 2) ? args[1] : args[0]) as string;
    // The table a patch writes: named, or found from the id (no read) among the tables with omitted fields.
    const patchedTable = (args: unknown[]): string | undefined => {
      if (args.length === 3) return args[0] as string;
      const id = args[0] as string;
      return [...this.omittedFields.keys()].find((table) => raw.normalizeId(table as never, id) !== null);
    };
    const onlyOmitted = (args: unknown[]) => {
      const fields = this.omittedFields.get(patchedTable(args) ?? "");
      const value = args.at(-1);
      if (fields === undefined || typeof value !== "object" || value === null) return false;
      const keys = Object.keys(value);
      return keys.length > 0 && keys.every((key) => fields.has(key));
    };
    const wrapped: Partial<Writer> = {
      insert: (async (table: string, value: never) => {
        const id = await raw.insert(table, value);
        note(id);
        return id;
      }) as Writer["insert"],
      patch: (async (...args: unknown[]) => {
        await (raw.patch as (...a: unknown[]) => Promise<void>)(...args);
        if (!onlyOmitted(args)) note(idArg(args, true));
      }) as Writer["patch"],
      replace: (async (...args: unknown[]) => {
        await (raw.replace as (...a: unknown[]) => Promise<void>)(...args);
        note(idArg(args, true));
      }) as Writer["replace"],
      delete: (async (...args: unknown[]) => {
        await (raw.delete as (...a: unknown[]) => Promise<void>)(...args);
        note(idArg(args, false));
      }) as Writer["delete"],
    };
    // Reads, system tables, normalizeId and vars pass through untouched.
    this.db = new Proxy(raw, {
      get: (target, prop, receiver) =>
        prop in wrapped ? wrapped[prop as keyof Writer] : Reflect.get(target, prop, receiver),
    });
  }

  /** Writes the noted ids as log rows stamped with the commit timestamp. Call once, after the handler. */
  async flush(): Promise<void> {
    const ids = [...this.ids];
    this.ids.clear();
    for (let part = 0; part * MAX_IDS_PER_ROW < ids.length; part++) {
      const chunk = ids.slice(part * MAX_IDS_PER_ROW, (part + 1) * MAX_IDS_PER_ROW);
      await this.raw.insert(CHANGE_LOG_TABLE, { ts: this.raw.vars.commitTs, part, ids: chunk } as never);
    }
  }
}
