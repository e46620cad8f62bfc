// Where restore and status find the backup deployment: --url/--secret flags
// first, then BACKUP_URL and the secret from the environment, then
// .env.local, then .env (read with node:util parseEnv; no dotenv dependency).
// Restores present BACKUP_RESTORE_SECRET (the primary's BACKUP_SECRET cannot
// read restore points); status takes either.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { keepSecret } from "../common";

export type BackupConnection = { url: string; secret: string };

export const ENV_FILES = [".env.local", ".env"] as const;

function readEnvFile(path: string): Record<string, string | undefined> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, "utf8"));
}

/** The variables a command reads its secret from, first found wins. */
export const RESTORE_SECRET_VARS = ["BACKUP_RESTORE_SECRET"] as const;
export const STATUS_SECRET_VARS = ["BACKUP_RESTORE_SECRET", "BACKUP_SECRET"] as const;

export function loadBackupConnection(
  flags: { url?: string; secret?: string },
  options: { env?: Record<string, string | undefined>; cwd?: string; secretVars?: readonly string[] } = {},
): BackupConnection {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const files = ENV_FILES.map((name) => readEnvFile(join(cwd, name)));
  const pick = (flag: string | undefined, name: string): string | undefined =>
    [flag, env[name], ...files.map((file) => file[name])].find((value) => value !== undefined && value.trim() !== "");

  const url = pick(flags.url, "BACKUP_URL");
  const secretVars = options.secretVars ?? RESTORE_SECRET_VARS;
  const secret = [flags.secret, ...secretVars.map((name) => pick(undefined, name))].find((value) => value !== undefined && value.trim() !== "");
  const where = `pass --url/--secret or set it in the environment, ${ENV_FILES.join(" or ")}`;
  if (url === undefined) throw new Error(`BACKUP_URL is not set: ${where} (https://<backup-deployment>.convex.cloud).`);
  if (secret === undefined) {
    const primaryOnly = !secretVars.includes("BACKUP_SECRET") && pick(undefined, "BACKUP_SECRET") !== undefined;
    throw new Error(
      `${secretVars.join(" or ")} is not set: ${where} (the restore secret \`setup\` printed for the backup deployment).` +
        (primaryOnly ? " BACKUP_SECRET, the primary's, cannot read restore points." : ""),
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new Error("BACKUP_URL is not a valid URL: expected https://<backup-deployment>.convex.cloud.");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new Error("BACKUP_URL must start with https:// (or http:// for a local backend).");
  }
  return { url: parsed.origin + parsed.pathname.replace(/\/+$/, ""), secret: secret.trim() };
}

/** loadBackupConnection for a command: the secret it resolves is scrubbed from every message the command prints. */
export function commandConnection(
  flags: { url?: string; secret?: string },
  options: { secretVars?: readonly string[] } = {},
): BackupConnection {
  const connection = loadBackupConnection(flags, options);
  keepSecret(connection.secret);
  return connection;
}
