// The settings of one table, compiled once: its judge (global words plus the
// table's own), whether its strings are scanned, its path patterns and its
// omitted fields.
import type { RedactionConfig } from "./config";
import { KeyJudge } from "./keyJudge";
import { compilePaths, type PathNode } from "./paths";
import { maskSecretText } from "./valueShapes";

/** Distinct record keys whose shape was checked, remembered per table. */
const KEY_SHAPE_CACHE_LIMIT = 20_000;

export class TableRules {
  readonly omitted: ReadonlySet<string>;
  readonly paths: PathNode | null;
  readonly scanValues: boolean;
  private readonly keyShapes = new Map<string, boolean>();
  readonly isSecretName: (name: string, value: string) => boolean;
  /** Keys of an object that names its value ({ name, value }): the name's keys, the value's keys. */
  readonly entryNames: ReadonlySet<string>;
  readonly entryValues: ReadonlySet<string>;
  readonly entryValueKeys: readonly string[];

  constructor(
    readonly table: string,
    readonly judge: KeyJudge,
    config: RedactionConfig,
    omitted: readonly string[],
  ) {
    this.omitted = new Set(omitted);
    this.paths = compilePaths(table, { keep: config.keepPaths, redact: config.redactPaths });
    this.scanValues = config.perTable[table]?.scanValues ?? config.scanValues;
    this.isSecretName = (name, value) => judge.isSecretText(name, value);
    this.entryNames = new Set(config.entryKeys.names);
    this.entryValues = new Set(config.entryKeys.values);
    this.entryValueKeys = [...this.entryValues];
  }

  /** Whether a key is itself a secret (a token used as a record key): the entry is removed. */
  keyIsSecretShaped(key: string): boolean {
    if (key.length < 8) return false;
    let secret = this.keyShapes.get(key);
    if (secret === undefined) {
      secret = maskSecretText(key, this.isSecretName) !== key;
      if (this.keyShapes.size >= KEY_SHAPE_CACHE_LIMIT) this.keyShapes.clear();
      this.keyShapes.set(key, secret);
    }
    return secret;
  }
}

/** Compiles and caches each table's rules; tables without word overrides share one judge. */
export class RulesCache {
  private readonly shared: KeyJudge;
  private readonly byTable = new Map<string, TableRules>();

  constructor(
    private readonly config: RedactionConfig,
    private readonly omitted: Readonly<Record<string, readonly string[]>>,
  ) {
    this.shared = new KeyJudge(config);
  }

  get(table: string): TableRules {
    let rules = this.byTable.get(table);
    if (rules === undefined) {
      const own = this.config.perTable[table];
      const judge =
        own?.secretWords === undefined && own?.keepWords === undefined
          ? this.shared
          : new KeyJudge({
              ...this.config,
              secretWords: [...this.config.secretWords, ...(own.secretWords ?? [])],
              keepWords: [...this.config.keepWords, ...(own.keepWords ?? [])],
            });
      rules = new TableRules(table, judge, this.config, this.omitted[table] ?? []);
      this.byTable.set(table, rules);
    }
    return rules;
  }
}
