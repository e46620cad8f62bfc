// What the restore tells the user to run with its ZIP. `npx convex import
// --replace-all` empties every table the ZIP does not hold, the tables of
// every component included; `--replace` replaces only the ZIP's tables. A
// partial ZIP (tables the point never backed up, or left out by --tables)
// therefore only ever gets --replace.

/** Tables a ZIP lacks: configured but never backed up by its run, and left out by --tables. */
export type AbsentTables = { missing: readonly string[]; leftOut: readonly string[] };

export function isPartial(absent: AbsentTables): boolean {
  return absent.missing.length > 0 || absent.leftOut.length > 0;
}

/** The import command for a ZIP: --replace-all would also empty every table a partial ZIP leaves out. */
export function importCommand(path: string, partial: boolean): string {
  return `npx convex import ${partial ? "--replace" : "--replace-all"} ${path}`;
}

/** Lines saying which tables the ZIP lacks, the command to import it, and what --replace-all also does. */
export function importAdvice(path: string, seq: number, absent: AbsentTables): string[] {
  const lines: string[] = [];
  if (absent.missing.length > 0) {
    lines.push(
      `The ZIP is partial: run ${seq} holds no data for ${absent.missing.join(", ")} ` +
        "(configured on the primary, but not backed up by then).",
    );
  }
  if (absent.leftOut.length > 0) lines.push(`The ZIP leaves out ${absent.leftOut.join(", ")} (not in --tables).`);
  if (isPartial(absent)) {
    const others = [...absent.missing, ...absent.leftOut].join(", ");
    lines.push(
      `Restore it with: ${importCommand(path, true)}`,
      "  --replace replaces only the tables in the ZIP and leaves every other table as it is.",
      `  Never --replace-all here: it would empty ${others} and every other table not in the ZIP, components' tables included.`,
    );
  } else {
    lines.push(
      `Restore it with: ${importCommand(path, false)}`,
      "  --replace-all also empties every table not in the ZIP: tables the backup excludes, and the tables of every component.",
      `  To replace only the tables in the ZIP and leave the rest as it is: ${importCommand(path, true)}`,
    );
  }
  return lines;
}
