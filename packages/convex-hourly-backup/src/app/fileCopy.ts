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
import type { GenericId } from "convex/values";
import type { ActionCtx } from "./appContext";
import type { BackupTarget } from "./backupTarget";
import type { RunLease } from "./syncTable";
import type { DocEntry } from "../shared/protocol";
import { FILE_ERROR_CODES, MAX_FILES_PER_CALL, parseFileMetadata, type FileMetadata } from "../shared/files";
import { DEFAULT_RETRY_POLICY, TransientError, withRetries, type RetryPolicy } from "./retry";

const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Files streaming at once, over all pages in flight. */
export const COPIES_IN_FLIGHT = 4;

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
  /** SHA-256s the backup is known to hold (asked, or copied, by this action). */
  private readonly held = new Set<string>();
  private readonly copying = new Map<string, Promise<void>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly ctx: Pick<ActionCtx, "storage">,
    private readonly target: BackupTarget,
    private readonly lease: RunLease,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  /** Makes the backup hold the file of every `_storage` row in `entries`; copies what it lacks. */
  async ensure(entries: readonly DocEntry[]): Promise<void> {
    // Every row of a content: if one id was deleted meanwhile, another still reads.
    const byContent = new Map<string, FileMetadata[]>();
    for (const entry of entries) {
      const file = parseFileMetadata(entry.json);
      if (typeof file === "string") throw new Error(`A _storage row read on the primary is not one: ${file}.`);
      byContent.set(file.sha256, [...(byContent.get(file.sha256) ?? []), file]);
    }
    const unknown = [...byContent.keys()].filter((sha256) => !this.held.has(sha256) && !this.copying.has(sha256));
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

  /** Streams one content from the primary's storage into the backup's; retried whole on transient failures. */
  private async copy(rows: FileMetadata[]): Promise<void> {
    const { sha256, size, contentType } = rows[0]!;
    const outcome = await withRetries(async () => {
      const download = await this.open(rows);
      const lease = { runId: this.lease.runId, holder: this.lease.holder };
      const uploadUrl = await this.target.fileUploadUrl(lease);
      let uploaded: Response;
      try {
        uploaded = await fetch(uploadUrl, {
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
        throw new TransientError(`Uploading a file to the backup deployment failed: ${describe(error)}`);
      }
      if (!uploaded.ok) {
        const text = (await uploaded.text().catch(() => "")).slice(0, 200);
        const message = `The backup deployment refused a file upload: HTTP ${uploaded.status} ${text}`.trim();
        if (TRANSIENT_STATUSES.has(uploaded.status)) throw new TransientError(message);
        throw new Error(message);
      }
      const { storageId } = (await uploaded.json()) as { storageId: string };
      this.fileBytesCopied += size;
      const recorded = await this.target.recordFile({ ...lease, storageId, sha256, size });
      // Changed on the way (the backup deleted the upload): copied again.
      if (recorded.outcome === "mismatch") {
        throw new TransientError(`${FILE_ERROR_CODES.fileMismatch}: the file uploaded did not have the SHA-256 and size of the primary's`);
      }
      return recorded.outcome;
    }, this.retryPolicy);
    if (outcome === "stored") this.filesCopied += 1;
  }

  /** The file's bytes from the primary's storage URL, through the first of its rows still there. */
  private async open(rows: FileMetadata[]): Promise<Response> {
    for (const row of rows) {
      const url = await this.ctx.storage.getUrl(row._id as GenericId<"_storage">);
      if (url === null) continue;
      let response: Response;
      try {
        response = await fetch(url);
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
