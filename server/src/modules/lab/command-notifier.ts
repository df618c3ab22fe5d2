import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';

const CHANNEL = 'erlen_commands';
const RECONNECT_MS = 1000;

/**
 * Wakes lab controllers' long polls when commands for their lab commit. PostgreSQL sends
 * the notification (trigger command_notify) only at commit, so a woken poll finds the rows.
 * If the listening connection drops, polls simply wait out their timeout and query again
 * while it reconnects: slower, never wrong.
 */
export class CommandNotifier {
  private client: pg.Client | undefined;
  private readonly waiters = new Map<number, Set<() => void>>();
  private closed = false;

  private constructor(
    private readonly databaseUrl: string,
    private readonly logger: FastifyBaseLogger,
  ) {}

  static async start(databaseUrl: string, logger: FastifyBaseLogger): Promise<CommandNotifier> {
    const notifier = new CommandNotifier(databaseUrl, logger);
    await notifier.connect();
    return notifier;
  }

  /**
   * Resolves when a command for the lab commits, or after `ms`. Call it before querying, so
   * a commit between the query and the wait is not missed; `cancel` when the query found work.
   */
  waitFor(labId: number, ms: number): { woken: Promise<void>; cancel: () => void } {
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(() => done(), ms);
    const set = this.waiters.get(labId) ?? new Set();
    this.waiters.set(labId, set);
    const done = () => {
      clearTimeout(timer);
      set.delete(done);
      if (set.size === 0 && this.waiters.get(labId) === set) this.waiters.delete(labId);
      wake();
    };
    set.add(done);
    return { woken, cancel: done };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.waiters.values()) for (const done of [...set]) done();
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      for (const id of (message.payload ?? '').split(',')) {
        for (const done of [...(this.waiters.get(Number(id)) ?? [])]) done();
      }
    });
    client.on('error', (error) => this.logger.warn({ err: error }, 'command notifier connection failed'));
    client.on('end', () => {
      if (this.closed) return;
      this.client = undefined;
      setTimeout(() => void this.reconnect(), RECONNECT_MS).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      await this.connect();
      this.logger.info('command notifier reconnected');
    } catch (error) {
      this.logger.warn({ err: error }, 'command notifier cannot reconnect yet');
      setTimeout(() => void this.reconnect(), RECONNECT_MS).unref();
    }
  }
}
