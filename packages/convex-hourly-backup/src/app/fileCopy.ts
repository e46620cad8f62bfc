// Copies the primary's files into the backup deployment, each distinct
// content (SHA-256) once: the backup says which of a page's SHA-256s it
// lacks (files:missing), and for each the action streams the file from its
// storage URL into an upload URL of the backup (files:uploadUrl), which then
// checks the upload against the SHA-256 and size the primary's `_storage`
// row gave (files:recordFile). The bytes flow from one fetch into the other
// as a stream: the action never holds a whole file, whatever its size (a
// Convex action has a 64 MiB heap). At most COPIES_IN_FLIGHT files stream at
// once (so latency overlaps, memory stays a few chunks per copy). A content
// being copied for one page is awaited, not copied again, by another page.
//
// A file that cannot be copied does not stop the run (issue 19): larger than
// BACKUP_MAX_FILE_MB, or its transfer failing after its retries (Convex cuts
// an upload at about 2 minutes), it is skipped with a WARNING; ensure()
// names the rows skipped, the page is sent without them (the restore point
// never names a file it does not hold), and the next run tries again. A
// failure of the backup's own functions (lease, auth, the deployment down)
// still fails the run.
import type { GenericId } from "convex/values";
import type { ActionCtx } from "./appContext";
import type { BackupTarget } from "./backupTarget";
import type { RunLease } from "./syncTable";
import type { DocEntry } from "../shared/protocol";
import { FILE_ERROR_CODES, MAX_FILES_PER_CALL, parseFileMetadata, type FileMetadata, type SkippedFile } from "../shared/files";
import { DEFAULT_RETRY_POLICY, TransientError, withRetries, type RetryPolicy } from "./retry";
import { COPY_TIMEOUT_MS, formatSkip, readMaxFileBytes } from "./fileLimits";

const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Files streaming at once, over all pages in flight. */
export const COPIES_IN_FLIGHT = 4;
/** WARNING lines for skipped files, one per file, per action. */
const MAX_SKIP_WARNINGS = 20;

/** A file the page named is gone from the primary's storage (deleted while the run copied it). */
export class FileGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileGoneError";
  }
}

export class FileCopier {
  /** Files stored in the backup by this action, and the bytes uploaded for them. */
  filesCopied = 0;
  fileBytesCopied = 0;
  /** Rows skipped by this action (by id): their content was not copied. */
  readonly skippedRows = new Map<string, SkippedFile>();
  /** SHA-256s the backup is known to hold (asked, or copied, by this action). */
  private readonly held = new Set<string>();
  /** Contents this action could not copy (not tried again before the next run). */
  private readonly skipped = new Map<string, SkippedFile["reason"]>();
  private warnings = 0;
  private readonly copying = new Map<string, Promise<void>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly ctx: Pick<ActionCtx, "storage">,
    private readonly target: BackupTarget,
    private readonly lease: RunLease,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
    /** Larger files are skipped, not copied. */
    private readonly maxFileBytes: number = readMaxFileBytes(process.env),
  ) {}

  /**
   * Makes the backup hold the file of every `_storage` row in `entries`;
   * copies what it lacks. Returns the ids of the rows whose file was skipped
   * (too large, or its copy failed): they must not be sent.
   */
  async ensure(entries: readonly DocEntry[]): Promise<Set<string>> {
    // Every row of a content: if one id was deleted meanwhile, another still reads.
    const byContent = new Map<string, FileMetadata[]>();
    for (const entry of entries) {
      const file = parseFileMetadata(entry.json);
      if (typeof file === "string") throw new Error(`A _storage row read on the primary is not one: ${file}.`);
      byContent.set(file.sha256, [...(byContent.get(file.sha256) ?? []), file]);
    }
    const unknown = [...byContent.keys()].filter((sha256) => !this.held.has(sha256) && !this.copying.has(sha256) && !this.skipped.has(sha256));
    const missing = new Set<string>();
    for (let i = 0; i < unknown.length; i += MAX_FILES_PER_CALL) {
      const asked = unknown.slice(i, i + MAX_FILES_PER_CALL);
      const lacking = new Set(await this.target.filesMissing({ sha256s: asked }));
      for (const sha256 of asked) (lacking.has(sha256) ? missing : this.held).add(sha256);
    }
    // Each content once per action; the first failure fails the page (the run resumes from its checkpoint).
    for (const sha256 of missing) {
      if (this.held.has(sha256) || this.copying.has(sha256)) continue;
      const copy = this.limited(() => this.copy(byContent.get(sha256)!))
        .then(() => void this.held.add(sha256))
        .finally(() => this.copying.delete(sha256));
      // Awaited below; never an unhandled rejection meanwhile.
      copy.catch(() => undefined);
      this.copying.set(sha256, copy);
    }
    // This page's copies, and contents another page was copying when this one asked.
    await Promise.all([...byContent.keys()].map((sha256) => this.copying.get(sha256)));
    const skippedIds = new Set<string>();
    for (const [sha256, rows] of byContent) {
      const reason = this.skipped.get(sha256);
      if (reason === undefined) continue;
      for (const row of rows) {
        skippedIds.add(row._id);
        this.skippedRows.set(row._id, { id: row._id, size: row.size, reason });
      }
    }
    return skippedIds;
  }

  /** Forgets what the backup was known to hold of these rows (it refused them: FILE_MISSING). */
  forget(entries: readonly DocEntry[]): void {
    for (const entry of entries) {
      const file = parseFileMetadata(entry.json);
      if (typeof file !== "string") this.held.delete(file.sha256);
    }
  }

  /** Runs `task` once fewer than COPIES_IN_FLIGHT copies are running. */
  private async limited<T>(task: () => Promise<T>): Promise<T> {
    while (this.running >= COPIES_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }

  /**
   * Streams one content from the primary's storage into the backup's; retried
   * whole on transient failures. Skipped (not thrown) when too large or when
   * its transfer still fails after the retries.
   */
  private async copy(rows: FileMetadata[]): Promise<void> {
    const { size } = rows[0]!;
    if (size > this.maxFileBytes) return this.skip(rows, "tooLarge", `larger than the limit, BACKUP_MAX_FILE_MB`);
    // Whether the last attempt failed moving the bytes (rather than in a call to the backup's functions).
    const transfer = { failed: false };
    let outcome: "stored" | "duplicate";
    try {
      outcome = await withRetries(() => this.attempt(rows, transfer), this.retryPolicy);
    } catch (error) {
      if (!transfer.failed || error instanceof FileGoneError) throw error;
      return this.skip(rows, "copyFailed", error instanceof Error ? error.message : String(error));
    }
    if (outcome === "stored") this.filesCopied += 1;
  }

  private skip(rows: FileMetadata[], reason: SkippedFile["reason"], why: string): void {
    const { sha256, size } = rows[0]!;
    this.skipped.set(sha256, reason);
    for (const row of rows) {
      // Convex keeps 256 log lines per call: the run summary lists them all.
      this.warnings += 1;
      if (this.warnings <= MAX_SKIP_WARNINGS) console.warn(formatSkip({ id: row._id, size, reason }, why, this.maxFileBytes));
      else if (this.warnings === MAX_SKIP_WARNINGS + 1) console.warn("[backup] WARNING: more files were not copied: the run summary counts them all.");
    }
  }

  /** One attempt at a copy; `transfer.failed` says whether moving the bytes is what failed. */
  private async attempt(rows: FileMetadata[], transfer: { failed: boolean }): Promise<"stored" | "duplicate"> {
    const { sha256, size, contentType } = rows[0]!;
    transfer.failed = false;
    const failedTransfer = <E extends Error>(error: E): E => {
      transfer.failed = true;
      return error;
    };
    // A transfer that hangs (a slow upload buffering in the backend) is given up after COPY_TIMEOUT_MS.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), COPY_TIMEOUT_MS);
    try {
      let download: Response;
      try {
        download = await this.open(rows, abort.signal);
      } catch (error) {
        throw error instanceof FileGoneError ? error : failedTransfer(error as Error);
      }
      const lease = { runId: this.lease.runId, holder: this.lease.holder };
      const uploadUrl = await this.target.fileUploadUrl(lease).catch(async (error: unknown) => {
        await download.body?.cancel();
        throw error;
      });
      let uploaded: Response;
      try {
        uploaded = await fetch(uploadUrl, {
          signal: abort.signal,
          method: "POST",
          headers: contentType === null ? {} : { "Content-Type": contentType },
          body: download.body,
          // A stream body is sent as it is read (fetch needs this said where it supports streams).
          duplex: "half",
          // An upload URL never redirects. A fetch that may follow redirects
          // clones the request first (the Fetch standard; undici does), and
          // cloning a stream body tees it: the unread branch would keep every
          // byte sent, the whole file. Convex's own fetch refuses a redirect
          // with a stream body anyway.
          redirect: "error",
        } as RequestInit);
      } catch (error) {
        // Cut, timed out or refused on the way: tried again; after the retries the file is skipped.
        throw failedTransfer(new TransientError(`Uploading a file to the backup deployment failed: ${describe(error)}`));
      }
      if (!uploaded.ok) {
        const text = (await uploaded.text().catch(() => "")).slice(0, 200);
        const message = `The backup deployment refused a file upload: HTTP ${uploaded.status} ${text}`.trim();
        throw failedTransfer(TRANSIENT_STATUSES.has(uploaded.status) ? new TransientError(message) : new Error(message));
      }
      const { storageId } = (await uploaded.json()) as { storageId: string };
      const recorded = await this.target.recordFile({ ...lease, storageId, sha256, size });
      // Changed on the way (the backup deleted the upload): copied again.
      if (recorded.outcome === "mismatch") {
        throw failedTransfer(new TransientError(`${FILE_ERROR_CODES.fileMismatch}: the file uploaded did not have the SHA-256 and size of the primary's`));
      }
      this.fileBytesCopied += size;
      return recorded.outcome;
    } finally {
      clearTimeout(timer);
      // A failed upload leaves the download unread: stop it (a no-op once both ended).
      abort.abort();
    }
  }

  /** The file's bytes from the primary's storage URL, through the first of its rows still there. */
  private async open(rows: FileMetadata[], signal: AbortSignal): Promise<Response> {
    for (const row of rows) {
      const url = await this.ctx.storage.getUrl(row._id as GenericId<"_storage">);
      if (url === null) continue;
      let response: Response;
      try {
        response = await fetch(url, { signal });
      } catch (error) {
        throw new TransientError(`Downloading a file from the primary's storage failed: ${describe(error)}`);
      }
      if (response.status === 404) {
        await response.body?.cancel();
        continue;
      }
      if (!response.ok || response.body === null) {
        await response.body?.cancel();
        const message = `The primary's storage answered HTTP ${response.status} for a file`;
        if (TRANSIENT_STATUSES.has(response.status)) throw new TransientError(message);
        throw new Error(message);
      }
      return response;
    }
    throw new FileGoneError(
      `A file (${rows.map((row) => row._id).join(", ")}) was deleted on the primary while this run copied it: ` +
        "the next run resumes with the primary's files as they are then.",
    );
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  if (typeof cause === "string") return cause;
  return error instanceof Error ? error.message : String(error);
}
