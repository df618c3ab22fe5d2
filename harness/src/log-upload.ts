import { open, stat } from 'node:fs/promises';
import type { LabControllerClient, LogTarget } from './lab-client.js';

/** Log bytes go to the lab controller in chunks of this size (Content-Range PUTs). */
export const CHUNK_BYTES = 64 * 1024;

/**
 * Uploads the bytes of `file` from `offset` to its current end, chunk by chunk; returns the
 * new offset. `onChunk` hears of each chunk as it lands, so a caller can remember progress.
 */
export async function uploadFrom(
  client: LabControllerClient,
  target: LogTarget,
  name: string,
  file: string,
  offset: number,
  onChunk: (offset: number) => Promise<void> = async () => {},
): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, offset);
      if (bytesRead === 0) return offset;
      await client.putLog(target, name, buffer.subarray(0, bytesRead), offset);
      offset += bytesRead;
      await onChunk(offset);
    }
  } finally {
    await handle.close();
  }
}

/** Uploads a whole file (a result's log, rstrnt-report-log); an empty file is created empty. */
export async function uploadFile(
  client: LabControllerClient,
  target: LogTarget,
  name: string,
  file: string,
): Promise<void> {
  if ((await stat(file)).size === 0) await client.putLog(target, name, Buffer.alloc(0), 0);
  else await uploadFrom(client, target, name, file, 0);
}
