import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { ErlenError } from '../../../common/src/errors.js';
import { linkOrCopyAtomically, tempPathFor } from './files.js';

export interface ImageSource {
  distroTreeId: number;
  kernelUrl: string;
  initrdUrl: string;
}

/** Beaker's IMAGE_FETCH_TIMEOUT. */
export const DEFAULT_FETCH_TIMEOUT_MS = 120_000;

const IMAGE_NAMES = ['kernel', 'initrd'] as const;

/** Downloads under way by cache path, so systems provisioned together from one tree share one. */
const downloading = new Map<string, Promise<void>>();

/**
 * Puts the tree's kernel and initrd at `images/<fqdn>/`, downloading each into the tree's cache
 * (`distrotrees/<id>/`) only the first time. Both are cached before either is linked, so a
 * failed download leaves the system's images as they were.
 */
export async function installImages(
  tftpRoot: string,
  fqdn: string,
  source: ImageSource,
  timeoutMs = DEFAULT_FETCH_TIMEOUT_MS,
): Promise<void> {
  // It names a directory: only a plain number may.
  if (!Number.isSafeInteger(source.distroTreeId) || source.distroTreeId < 0)
    throw new ErlenError('BAD_REQUEST', `distro tree id ${source.distroTreeId} is not a valid id`);
  const cacheDir = join(tftpRoot, 'distrotrees', String(source.distroTreeId));
  const urls = { kernel: source.kernelUrl, initrd: source.initrdUrl };
  for (const name of IMAGE_NAMES) {
    await ensureCached(join(cacheDir, name), urls[name], source.distroTreeId, timeoutMs);
  }
  for (const name of IMAGE_NAMES) {
    await linkOrCopyAtomically(join(cacheDir, name), join(tftpRoot, 'images', fqdn, name));
  }
}

async function ensureCached(path: string, url: string, treeId: number, timeoutMs: number): Promise<void> {
  if (await exists(path)) return;
  let pending = downloading.get(path);
  if (!pending) {
    pending = download(url, path, treeId, timeoutMs).finally(() => downloading.delete(path));
    downloading.set(path, pending);
  }
  await pending;
}

/**
 * Streams into a temporary name and renames it into place only when complete, so a broken
 * download is never taken for a cached image. The time limit is for silence, as Beaker's
 * socket timeout: a large initrd on a slow link still arrives, a stalled server does not hang.
 */
async function download(url: string, dest: string, treeId: number, timeoutMs: number): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const temp = tempPathFor(dest);
  const stalled = new AbortController();
  const timer = setTimeout(() => stalled.abort(new Error(`no data for ${timeoutMs} ms`)), timeoutMs);
  const receiving = new Transform({
    transform(chunk, _encoding, done) {
      timer.refresh();
      done(null, chunk);
    },
  });
  try {
    const body = await openImage(url, stalled.signal);
    await pipeline(body, receiving, createWriteStream(temp, { flags: 'wx' }), { signal: stalled.signal });
  } catch (error) {
    await rm(temp, { force: true });
    const reason = stalled.signal.aborted ? describe(stalled.signal.reason) : describe(error);
    throw new ErlenError('IMAGE_FETCH_FAILED', `cannot fetch ${url} for distro tree ${treeId}: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
  await rename(temp, dest).catch(async (error: unknown) => {
    await rm(temp, { force: true });
    throw error;
  });
}

async function openImage(url: string, signal: AbortSignal): Promise<Readable> {
  const parsed = new URL(url);
  switch (parsed.protocol) {
    case 'http:':
    case 'https:': {
      const response = await fetch(parsed, { signal });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      }
      return Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
    }
    case 'file:':
      // Trees on a file system the lab controller mounts (and tests).
      return createReadStream(fileURLToPath(parsed));
    default:
      throw new Error(`${parsed.protocol} URLs are not supported (http, https or file only)`);
  }
}

/** The message with its cause: fetch says only "fetch failed" and hides ECONNREFUSED there. */
function describe(error: unknown): string {
  const message = messageOf(error);
  const cause = typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
  return cause === undefined ? message : `${message}: ${messageOf(cause)}`;
}

/** Duck-typed: errors from another realm (Node's internals under a test runner) fail instanceof. */
function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string')
    return error.message;
  return String(error);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
