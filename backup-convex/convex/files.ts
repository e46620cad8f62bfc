// Written by `npx convex-hourly-backup init-backup`: the backup deployment's
// functions come from the package (upgrade: npm update convex-hourly-backup).
export * from "convex-hourly-backup/backup/files";
