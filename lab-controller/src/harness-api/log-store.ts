import { createReadStream, createWriteStream, constants as fsConstants, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

  async exists(owner: LogOwner, name: string): Promise<boolean> {
    return stat(this.filePath(owner, name)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  /**
   * Writes a whole file (replacing it atomically) or one chunk at its offset. A body longer
   * or shorter than its Content-Range is refused; so is one above the per-request limit.
   */
  async write(owner: LogOwner, name: string, body: Readable, range: ByteRange | undefined): Promise<void> {
    const target = this.filePath(owner, name);
    await mkdir(dirname(target), { recursive: true });
    const expected = range ? range.end - range.start + 1 : undefined;
    if (expected !== undefined && expected > this.maxBytesPerRequest)
      throw new ErlenError('PAYLOAD_TOO_LARGE', `a chunk may carry at most ${this.maxBytesPerRequest} bytes`);
    const destination = range ? target : join(dirname(target), `.${randomUUID()}.upload`);
    const out = range
      ? // O_CREAT without O_TRUNC: the file's other chunks stay where they are.
        (await open(destination, fsConstants.O_WRONLY | fsConstants.O_CREAT)).createWriteStream({
          start: range.start,
        })
      : createWriteStream(destination);
    let received = 0;
    const limit = this.maxBytesPerRequest;
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          received += chunk.length;
          if (received > limit || (expected !== undefined && received > expected))
            throw new ErlenError('PAYLOAD_TOO_LARGE', `the body is longer than ${expected ?? limit} bytes`);
          yield chunk;
        }
      },
      out,
    );
    if (expected !== undefined && received !== expected)
      throw new ErlenError(
        'BAD_REQUEST',
        `Content-Range announces ${expected} bytes; the body had ${received}`,
      );
    if (!range) await rename(destination, target);
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
