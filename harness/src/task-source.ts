import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { ErlenError } from '../../common/src/errors.js';
import type { PlannedTask } from './recipe.js';
import { runCommand } from './run-command.js';

/** A task's `<fetch>`, split into what to fetch and where the task is inside it. */
export interface FetchSource {
  kind: 'git' | 'archive';
  /** The URL to clone or download (without the parts below). */
  url: string;
  /** git only: branch, tag or commit to check out. */
  ref?: string;
  subdir: string;
}

const GIT_SCHEMES = new Set(['git:', 'git+http:', 'git+https:', 'git+ssh:', 'ssh:']);

/**
 * Reads a `<fetch url subdir>` as restraint does: for git, `?ref` names the ref and
 * `#fragment` the subdirectory (`git://host/repo?main#tasks/hello`); for archives the
 * fragment is the subdirectory. Beaker's own shape, `#ref` with a `subdir` attribute
 * (`git://host/repo#main` + `subdir="install"`), means the fragment is the ref.
 */
export function parseFetchUrl(fetch: { url: string; subdir?: string }): FetchSource {
  if (!URL.canParse(fetch.url))
    throw new ErlenError('BAD_REQUEST', `fetch URL ${JSON.stringify(fetch.url)} is not a URL`);
  const url = new URL(fetch.url);
  const fragment = decodeURIComponent(url.hash.slice(1));
  const query = decodeURIComponent(url.search.slice(1));
  url.hash = '';
  const git = GIT_SCHEMES.has(url.protocol) || url.pathname.endsWith('.git');
  if (git) {
    url.search = '';
    const cloneUrl = url.href.replace(/^git\+/, '');
    const [ref, subdir] = fetch.subdir !== undefined ? [query || fragment, fetch.subdir] : [query, fragment];
    return { kind: 'git', url: cloneUrl, ...(ref ? { ref } : {}), subdir };
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol))
    throw new ErlenError(
      'BAD_REQUEST',
      `cannot fetch ${fetch.url}: only git, http(s) and file URLs are supported`,
    );
  return { kind: 'archive', url: url.href, subdir: fetch.subdir ?? fragment };
}

/**
 * The directory a task runs in: fetched into `fetchDir` when it has a `<fetch>` (kept there
 * across reboots, so a resumed task finds the same files), else `<taskRoot>/<task name>`.
 */
export async function locateTask(task: PlannedTask, taskRoot: string, fetchDir: string): Promise<string> {
  if (!task.fetch) {
    const dir = inside(taskRoot, task.name.replace(/^\/+/, ''), `task ${task.name}`);
    await assertDirectory(dir, `task ${task.name} is not in the task root: no directory ${dir}`);
    return dir;
  }
  const source = parseFetchUrl(task.fetch);
  const marker = join(fetchDir, '.erlen-fetched');
  if (!(await exists(marker))) {
    await rm(fetchDir, { recursive: true, force: true });
    await mkdir(fetchDir, { recursive: true });
    if (source.kind === 'git') await cloneGit(source, join(fetchDir, 'tree'));
    else await extractArchive(source.url, join(fetchDir, 'tree'));
    await writeFile(marker, `${task.fetch.url}\n`);
  }
  const dir = inside(join(fetchDir, 'tree'), source.subdir, `subdir of ${task.fetch.url}`);
  await assertDirectory(dir, `${task.fetch.url} has no directory ${JSON.stringify(source.subdir)}`);
  return dir;
}

async function cloneGit(source: FetchSource, into: string): Promise<void> {
  await runCommand('git', ['clone', '--quiet', source.url, into], 'UNAVAILABLE');
  if (source.ref) await runCommand('git', ['checkout', '--quiet', source.ref], 'UNAVAILABLE', { cwd: into });
}

/** A .tar or .tar.gz (told apart by its first bytes, not its name), unpacked by `tar`. */
async function extractArchive(url: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  const archive = join(into, '..', 'archive');
  await download(url, archive);
  const handle = await open(archive, 'r');
  const magic = Buffer.alloc(2);
  await handle.read(magic, 0, 2, 0);
  await handle.close();
  const raw = createReadStream(archive);
  const input = magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  await runCommand('tar', ['-x', '-f', '-', '-C', into], 'UNAVAILABLE', { input });
  await rm(archive, { force: true });
}

async function download(url: string, to: string): Promise<void> {
  if (url.startsWith('file:')) {
    await pipeline(createReadStream(fileURLToPath(url)), createWriteStream(to)).catch((error: Error) => {
      throw new ErlenError('NOT_FOUND', `cannot read ${url}: ${error.message}`);
    });
    return;
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ErlenError('UNAVAILABLE', `cannot download ${url}: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body)
    throw new ErlenError('UNAVAILABLE', `cannot download ${url}: ${response.status} ${response.statusText}`);
  await pipeline(
    Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
    createWriteStream(to),
  );
}

/** `base/path`, refusing a path that climbs out of base (a task name or subdir with `..`). */
function inside(base: string, path: string, what: string): string {
  const full = resolve(base, path);
  const rel = relative(resolve(base), full);
  if (rel.startsWith('..') || isAbsolute(rel))
    throw new ErlenError('BAD_REQUEST', `${what} ${JSON.stringify(path)} leaves ${base}`);
  return full;
}

async function assertDirectory(dir: string, message: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ErlenError('NOT_FOUND', message);
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
