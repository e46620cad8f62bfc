// Written by `npx convex-hourly-backup init-backup`: the backup deployment's
// functions come from the package (upgrade: npm update convex-hourly-backup).
// The hourly retention pass (and the stale-backup check).
export { default } from "convex-hourly-backup/backup/crons";
