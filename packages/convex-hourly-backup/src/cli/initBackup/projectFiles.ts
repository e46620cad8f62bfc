// The files of a backup deployment's project, as `init-backup` writes them:
// each convex/ module re-exports the package's, so the project holds no
// backup code of its own and `npm update convex-hourly-backup` upgrades it.
// The module names are the function paths the primary calls (sync:applyRange).

/** The backup deployment's function modules, re-exported from convex-hourly-backup/backup/<name>. */
export const BACKUP_MODULES = ["sync", "runs", "restore", "status", "retention", "alerts", "pins", "history", "files"] as const;

const HEADER =
  "// Written by `npx convex-hourly-backup init-backup`: the backup deployment's\n" +
  "// functions come from the package (upgrade: npm update convex-hourly-backup).\n";

export type ProjectVersions = { convex: string; package: string };

/** Path (relative to the project folder) -> contents. */
export function backupProjectFiles(name: string, versions: ProjectVersions): Record<string, string> {
  const files: Record<string, string> = {
    "package.json":
      JSON.stringify(
        {
          name,
          private: true,
          type: "module",
          description: "Backup deployment for convex-hourly-backup: deploy with npx convex deploy.",
          dependencies: { convex: versions.convex, "convex-hourly-backup": versions.package },
        },
        null,
        2,
      ) + "\n",
    "convex/schema.ts": `${HEADER}export { default } from "convex-hourly-backup/backup/schema";\n`,
    "convex/crons.ts": `${HEADER}// The hourly retention pass (and the stale-backup check).\nexport { default } from "convex-hourly-backup/backup/crons";\n`,
    "convex/convex.config.ts": `${HEADER}// Declares BACKUP_SECRET (and BACKUP_SECRET_PREVIOUS during a rotation).\nexport { default } from "convex-hourly-backup/backup/convex.config";\n`,
  };
  for (const module of BACKUP_MODULES) {
    files[`convex/${module}.ts`] = `${HEADER}export * from "convex-hourly-backup/backup/${module}";\n`;
  }
  return files;
}
