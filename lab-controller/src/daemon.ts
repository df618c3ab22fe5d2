import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { CommandRunner, type CommandExecutor } from './command-runner.js';
import { ServerClient } from './server-client.js';

export interface DaemonOptions {
  serverUrl: string;
  token: string;
  pollWaitSeconds: number;
  attempts: number;
  retryBaseMs: number;
  executor: CommandExecutor;
  logger: Logger;
}

/**
 * The lab controller's main loop: at start, commands it was running when it last stopped go
 * back to the queue; then it long-polls the server (each poll also tells the server the lab
 * is online) and hands new commands to the runner. Lab controllers pull: the server never
 * connects to them.
 */
export class LabControllerDaemon {
  private readonly server: ServerClient;
  private readonly runner: CommandRunner;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: DaemonOptions) {
    this.server = new ServerClient(options.serverUrl, options.token);
    this.runner = new CommandRunner(this.server, options.executor, {
      attempts: options.attempts,
      retryBaseMs: options.retryBaseMs,
      logger: options.logger,
    });
  }

  /** Starts the loop; the server need not be up yet (the daemon waits for it, with back-off). */
  async start(): Promise<void> {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.runner.stop();
  }

  private async run(): Promise<void> {
    // Before the first poll: what the last run left Running is queued again, once.
    await this.retrying('requeue', async () => {
      const requeued = await this.server.requeueRunning();
      if (requeued)
        this.options.logger.info({ requeued }, 'commands left running by the last run are queued again');
    });
    while (!this.abort.signal.aborted) {
      await this.retrying('poll', async () => {
        const commands = await this.server.poll(
          this.runner.held,
          this.options.pollWaitSeconds,
          this.abort.signal,
        );
        this.runner.submit(commands);
      });
    }
  }

  /** Runs `step` until it succeeds or the daemon stops, backing off while the server fails. */
  private async retrying(what: string, step: () => Promise<void>): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        await step();
        return;
      } catch (error) {
        if (this.abort.signal.aborted) return;
        failures++;
        this.options.logger.warn({ err: error, failures }, `${what} failed; retrying`);
        await sleep(Math.min(30_000, this.options.retryBaseMs * 2 ** Math.min(failures, 5)), undefined, {
          signal: this.abort.signal,
        }).catch(() => undefined);
      }
    }
  }
}
