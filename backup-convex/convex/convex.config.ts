// Written by `npx convex-hourly-backup init-backup`: the backup deployment's
// functions come from the package (upgrade: npm update convex-hourly-backup).
// Declares BACKUP_SECRET (and BACKUP_SECRET_PREVIOUS during a rotation).
export { default } from "convex-hourly-backup/backup/convex.config";
