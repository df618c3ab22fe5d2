import { open, rename } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/**
 * Replaces `path` with `content` so that a reader, or the next boot after a power cut, sees
 * either the old file or the new one, never a torn one: write a sibling, fsync it, rename it
 * over the original, fsync the directory (the rename is only durable once its directory is).
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const file = await open(temporary, 'w', 0o644);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
