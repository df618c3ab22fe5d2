import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, type FileHandle } from 'node:fs/promises';
import { OpenFiles } from './open-files.js';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { LogOwner } from '../../../common/src/api/harness.js';
import { ErlenError } from '../../../common/src/errors.js';

/** Where a chunk goes: `bytes start-end/total` (or `/*`) of RFC 9110's Content-Range. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Parses a Content-Range request header; undefined means the body is the whole file. */
export function parseContentRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (!match)
    throw new ErlenError(
      'BAD_REQUEST',
      `Content-Range ${JSON.stringify(header)} is not "bytes start-end/total"`,
    );
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start || !Number.isSafeInteger(end))
    throw new ErlenError('BAD_REQUEST', `Content-Range ${header} ends before it starts`);
  if (match[3] !== '*' && end >= Number(match[3]))
    throw new ErlenError('BAD_REQUEST', `Content-Range ${header} ends beyond the total`);
  return { start, end };
}

/** Splits an uploaded name into Beaker's (path, filename), refusing anything that could escape. */
export function splitLogName(name: string): { path: string; filename: string } {
  const segments = name.split('/').filter((s) => s !== '');
  const filename = segments.pop();
  if (
    filename === undefined ||
    [...segments, filename].some((s) => s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))
  )
    throw new ErlenError('BAD_REQUEST', `log name ${JSON.stringify(name)} is not a plain relative path`);
  return { path: segments.join('/'), filename };
}

/**
 * Logs on the lab controller's disk, laid out like Beaker's (`recipes|tasks|results/
 * <id without its last 3 digits>+/<id>/<path>`), so one directory never holds millions of
 * entries. Chunks are written in place at their offset, so an interrupted upload resumes.
 */
export class LogStore {
  /** Files known to exist (so registered) and directories known to exist; bounded caches. */
  private readonly known = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly openFiles = new OpenFiles();

  constructor(
    private readonly root: string,
    private readonly maxBytesPerRequest: number,
  ) {}

  /** The directory of one owner's logs: a result's, else a task's, else the recipe's. */
  ownerDir(owner: LogOwner): string {
    const [kind, id] =
      owner.resultId !== undefined
        ? ['results', owner.resultId]
        : owner.taskId !== undefined
          ? ['tasks', owner.taskId]
          : ['recipes', owner.recipeId];
    return join(this.root, kind, `${Math.floor(id / 1000)}+`, String(id));
  }

  filePath(owner: LogOwner, name: string): string {
    const { path, filename } = splitLogName(name);
    return join(this.ownerDir(owner), path, filename);
  }

  /**
   * Whether the file is on disk, i.e. registered on the server (files are registered before
   * their first byte is written). Remembered, so later chunks of an upload cost no `stat`.
   */
  async exists(owner: LogOwner, name: string): Promise<boolean> {
    const path = this.filePath(owner, name);
    if (this.known.has(path)) return true;
    const found = await stat(path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (found) remember(this.known, path);
    return found;
  }

  /**
   * Writes a whole file (replacing it atomically) or one chunk at its offset. A body longer
   * or shorter than its Content-Range is refused; so is one above the per-request limit.
   */
  async write(owner: LogOwner, name: string, body: Readable, range: ByteRange | undefined): Promise<void> {
    const target = this.filePath(owner, name);
    const expected = range ? range.end - range.start + 1 : undefined;
    if (expected !== undefined && expected > this.maxBytesPerRequest)
      throw new ErlenError('PAYLOAD_TOO_LARGE', `a chunk may carry at most ${this.maxBytesPerRequest} bytes`);
    const dir = dirname(target);
    if (!this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      remember(this.dirs, dir);
    }
    if (range && expected !== undefined) {
      // The file's other chunks stay where they are: positional writes, never a truncate.
      const received = await this.openFiles.with(target, (handle) =>
        writeBody(body, expected, (bytes, at) => writeFully(handle, bytes, range.start + at)),
      );
      if (received !== expected)
        throw new ErlenError(
          'BAD_REQUEST',
          `Content-Range announces ${expected} bytes; the body had ${received}`,
        );
    } else {
      const upload = join(dir, `.${randomUUID()}.upload`);
      const handle = await open(upload, 'w');
      try {
        await writeBody(body, this.maxBytesPerRequest, (bytes, at) => writeFully(handle, bytes, at));
      } finally {
        await handle.close();
      }
      // A handle kept open for chunks would still point at the file being replaced.
      await this.openFiles.forget(target);
      await rename(upload, target);
    }
    remember(this.known, target);
  }

  /** Closes the write handles kept between chunks. */
  async close(): Promise<void> {
    await this.openFiles.closeAll();
  }

  /** The file to stream back, or 404. */
  async read(owner: LogOwner, name: string): Promise<{ stream: ReadStream; size: number }> {
    const path = this.filePath(owner, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new ErlenError('NOT_FOUND', `no log ${name}`);
    return { stream: createReadStream(path), size: info.size };
  }

  /** Every file of one owner (not those of its tasks or results), as names relative to its directory. */
  async list(owner: LogOwner): Promise<{ name: string; size: number }[]> {
    const dir = this.ownerDir(owner);
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    const files: { name: string; size: number }[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith('.upload')) continue;
      const full = join(entry.parentPath, entry.name);
      files.push({ name: relative(dir, full).split(sep).join('/'), size: (await stat(full)).size });
    }
    return files.sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Remembered paths are an optimisation only: forgetting them all now and then is harmless. */
const REMEMBERED_PATHS = 100_000;
function remember(set: Set<string>, path: string): void {
  if (set.size >= REMEMBERED_PATHS) set.clear();
  set.add(path);
}

/** Bodies are written in slices of at most this much, so a large body is never held whole. */
const WRITE_SLICE = 1024 * 1024;

/**
 * Reads a request body and hands it to `write` in slices, checking its length as it comes:
 * a body longer than `limit` is refused before more of it is written. A 64 KiB chunk is one
 * slice and one write, with no stream pipeline in between.
 */
async function writeBody(
  body: Readable,
  limit: number,
  write: (bytes: Buffer, at: number) => Promise<void>,
): Promise<number> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let written = 0;
  const flush = async () => {
    const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await write(bytes, written);
    written += bytes.length;
  };
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (written + pendingBytes + chunk.length > limit)
      throw new ErlenError('PAYLOAD_TOO_LARGE', `the body is longer than ${limit} bytes`);
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= WRITE_SLICE) await flush();
  }
  if (pendingBytes > 0) await flush();
  return written;
}

async function writeFully(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset);
    offset += bytesWritten;
  }
}
