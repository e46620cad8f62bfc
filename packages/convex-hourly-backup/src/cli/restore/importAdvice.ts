// What the restore tells the user to run with its ZIP. `npx convex import
// --replace-all` empties every table the ZIP does not hold, the tables of
// every component included; `--replace` replaces only the ZIP's tables. A
// partial ZIP (tables the point never backed up, left out by --tables, held
// by the point before and gone from this one, or a point of no table at all)
// therefore only ever gets --replace.

/**
 * Tables a ZIP lacks: configured but never backed up by its run, left out by
 * --tables, and held by the point before but neither held nor configured by
 * this one (`dropped`); `empty`: the point holds no table at all.
 */
export type AbsentTables = { missing: readonly string[]; leftOut: readonly string[]; dropped?: readonly string[]; empty?: boolean };

export function isPartial(absent: AbsentTables): boolean {
  return absent.missing.length > 0 || absent.leftOut.length > 0 || (absent.dropped ?? []).length > 0 || absent.empty === true;
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
  const dropped = absent.dropped ?? [];
  if (dropped.length > 0) {
    lines.push(
      `The ZIP lacks ${dropped.join(", ")}, which the restore point before run ${seq} held ` +
        "(excluded or removed from the schema since, or a run that left them out).",
    );
  }
  if (absent.empty === true) lines.push(`Run ${seq} holds no table at all: this ZIP restores nothing.`);
  if (isPartial(absent)) {
    const others = [...absent.missing, ...absent.leftOut, ...dropped].join(", ") || "the tables";
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

/**
 * What to do with a ZIP of a few documents (restore --ids). Never --replace or
 * --replace-all: a ZIP holding part of a table would empty the rest of it.
 * --append keeps everything else, but Convex's import inserts each document
 * as new: it refuses an _id its table holds, or held before ("DocumentExists",
 * "DocumentDeleted": convex-backend's committer checks every inserted id for
 * earlier revisions), so --append restores them only where that table never
 * held those ids. In place, a document that still exists is put back by
 * editing it (or a mutation's db.replace); a deleted one keeps its _id only
 * through a restore of its whole table.
 */
export function documentsImportAdvice(path: string, table: string, count: number, seq: number): string[] {
  const documents = `${count} document${count === 1 ? "" : "s"}`;
  return [
    `The ZIP holds only ${documents} of ${table} as of run ${seq}.`,
    `  Never import it with --replace or --replace-all: either would empty the rest of ${table} (--replace-all every other table too).`,
    `  npx convex import --append ${path}`,
    `    adds them, each with its own _id and _creationTime, to a deployment whose ${table} never held those ids (a dev or scratch deployment): to read them, or to copy fields back.`,
    `    Convex refuses an _id that ${table} holds or once held ("DocumentExists", "DocumentDeleted"), so --append cannot put them back in place where the bad write happened.`,
    `  To undo the write in place: set each document that still exists back to the fields in ${table}/documents.jsonl (the dashboard's editor, or a mutation calling db.replace),`,
    "    keeping the live values of fields the backup never copies (they are absent here, or placeholders).",
    `    A deleted document comes back under its own _id only with its whole table: restore --tables ${table}, then npx convex import --replace.`,
  ];
}
