import { constants as fsConstants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

interface Entry {
  handle: Promise<FileHandle>;
  users: number;
  lastUsed: number;
  /** Set once the entry left the map: the last writer closes the handle. */
  onIdle?: () => void;
}

/**
 * Write handles kept open between the chunks of a log upload. A harness sends a file in 64 KiB
 * chunks, one request each; opening and closing the file for every chunk cost a third of the
 * lab controller's time at 1,000 concurrent uploads (docs/performance.md). Idle handles are
 * closed after `idleMs`, and the least recently used ones when more than `max` are open.
 */
export class OpenFiles {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly max = 2048,
    private readonly idleMs = 5000,
  ) {
    this.sweeper = setInterval(() => this.closeIdle(Date.now() - this.idleMs), this.idleMs);
    this.sweeper.unref();
  }

  /** Runs `use` with a handle open for writing (created if missing, never truncated). */
  async with<T>(path: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
    let entry = this.entries.get(path);
    if (!entry) {
      entry = { handle: open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT), users: 0, lastUsed: 0 };
      this.entries.set(path, entry);
      // A failed open is not cached: the next chunk tries again.
      entry.handle.catch(() => this.entries.delete(path));
      if (this.entries.size > this.max) this.evictIdle();
    }
    entry.users += 1;
    try {
      return await use(await entry.handle);
    } finally {
      entry.users -= 1;
      entry.lastUsed = Date.now();
      if (entry.users === 0) entry.onIdle?.();
    }
  }

  /** Closes the file's handle (after a whole-file replace it would point at the old file). */
  async forget(path: string): Promise<void> {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.entries.delete(path);
    await close(entry);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map(close));
  }

  private closeIdle(before: number): void {
    for (const [path, entry] of this.entries)
      if (entry.users === 0 && entry.lastUsed < before) {
        this.entries.delete(path);
        void close(entry);
      }
  }

  /** Map order is insertion order, so the first idle entries are the oldest opened. */
  private evictIdle(): void {
    for (const [path, entry] of this.entries) {
      if (this.entries.size <= this.max) return;
      if (entry.users > 0) continue;
      this.entries.delete(path);
      void close(entry);
    }
  }
}

/** Closes once the writers still holding the handle are done. */
async function close(entry: Entry): Promise<void> {
  if (entry.users > 0) await new Promise<void>((resolve) => (entry.onIdle = resolve));
  const handle = await entry.handle.catch(() => undefined);
  await handle?.close().catch(() => undefined);
}
