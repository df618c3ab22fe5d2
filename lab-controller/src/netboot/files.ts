import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A name beside `path` for writing before the rename. Dot-prefixed and longer than the real
 * name, so a boot loader probing names (PXELINUX shortens the hex IP) never asks for it.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
}

/** Readers (the TFTP server) see the old file or the new one, never a partial one. */
export async function writeFileAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Writes `path` unless it exists, so a site's own default (a boot menu, say) survives. The
 * link fails when the name is taken, which makes the check and the write one step.
 */
export async function writeFileIfMissing(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, content);
    await link(temp, path).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return;
      // A file system without hard links: create in place, still never replacing.
      await writeFile(path, content, { flag: 'wx' }).catch((fallback: NodeJS.ErrnoException) => {
        if (fallback.code !== 'EEXIST') throw fallback;
      });
    });
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Puts `source` at `dest` atomically: a hard link shares the bytes of a cached image, a copy
 * serves where links are not possible (another file system, or one without hard links).
 */
export async function linkOrCopyAtomically(source: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const temp = tempPathFor(dest);
  try {
    await link(source, temp).catch(() => copyFile(source, temp));
    await rename(temp, dest);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
