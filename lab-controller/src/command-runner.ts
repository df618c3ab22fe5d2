import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { LabCommand } from '../../common/src/api/lab-commands.js';
import { ErlenError } from '../../common/src/errors.js';
import { KeyedSerializer } from './keyed-serializer.js';
import type { ServerClient } from './server-client.js';

/** What a command does on the lab's side; `transient` failures are worth another try. */
export interface CommandExecutor {
  execute(command: LabCommand): Promise<void>;
}

export interface RunnerOptions {
  /** Tries of a failing command before it is reported failed. */
  attempts: number;
  retryBaseMs: number;
  logger: Logger;
}

/**
 * Runs the commands the daemon receives: one at a time per system and per power address, in
 * the order the server queued them, after their delay and the system's quiescent period;
 * failures retry with randomised exponential back-off (Beaker: POWER_ATTEMPTS, uniform
 * between 2^(n-1) and 2^n seconds). Every outcome is reported to the server; a report that
 * cannot be delivered is retried until it is, or until the daemon stops (the server then
 * still shows the command Running, and the next start queues it again).
 */
export class CommandRunner {
  private readonly serializer = new KeyedSerializer();
  private readonly holding = new Set<number>();
  /** When the last command on each system finished (ms), for quiescent periods. */
  private readonly lastFinished = new Map<number, number>();
  private stopping = false;

  constructor(
    private readonly server: ServerClient,
    private readonly executor: CommandExecutor,
    private readonly options: RunnerOptions,
  ) {}

  /** Ids of commands received and not yet reported finished: the poll's `held`. */
  get held(): number[] {
    return [...this.holding];
  }

  submit(commands: readonly LabCommand[]): void {
    for (const command of commands) {
      if (this.holding.has(command.id)) continue;
      this.holding.add(command.id);
      const keys = [`system:${command.systemId}`];
      if (command.power) keys.push(`power:${command.power.type}:${command.power.address}`);
      void this.serializer
        .run(keys, () => this.runOne(command))
        .catch((error: unknown) =>
          this.options.logger.error({ err: error, command: command.id }, 'command runner failed'),
        )
        .finally(() => this.holding.delete(command.id));
    }
  }

  /** Stops retrying and waits for what is running to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.serializer.idle();
  }

  private async runOne(command: LabCommand): Promise<void> {
    if (this.stopping) return;
    const log = this.options.logger.child({
      command: command.id,
      action: command.action,
      fqdn: command.fqdn,
    });
    await this.waitBeforeStart(command);
    try {
      await this.server.running(command.id);
    } catch (error) {
      // Not Queued any more (aborted with its recipe, or another process took it): skip it.
      log.warn({ err: error }, 'command not started');
      return;
    }
    let failure: ErlenError | undefined;
    for (let attempt = 1; attempt <= this.options.attempts && !this.stopping; attempt++) {
      try {
        log.info({ attempt }, 'running command');
        await this.executor.execute(command);
        failure = undefined;
        break;
      } catch (error) {
        failure = error instanceof ErlenError ? error : new ErlenError('INTERNAL', String(error));
        log.warn({ attempt, reason: failure.message }, 'command attempt failed');
        if (attempt < this.options.attempts) await sleep(backoff(attempt, this.options.retryBaseMs));
      }
    }
    this.lastFinished.set(command.systemId, Date.now());
    if (this.stopping && failure) return; // the next start re-runs it
    await this.report(log, () =>
      failure
        ? this.server.failed(command.id, {
            message: failure.message,
            // A failed image download says nothing about the machine.
            systemBroken: failure.code !== 'IMAGE_FETCH_FAILED',
          })
        : this.server.completed(command.id),
    );
    if (failure) log.error({ reason: failure.message }, 'command failed');
    else log.info('command completed');
  }

  private async waitBeforeStart(command: LabCommand): Promise<void> {
    let waitMs = command.delaySeconds * 1000;
    const last = this.lastFinished.get(command.systemId);
    if (command.power && command.quiescentPeriod && last !== undefined)
      waitMs = Math.max(waitMs, last + command.quiescentPeriod * 1000 - Date.now());
    if (waitMs > 0) await sleep(waitMs);
  }

  private async report(log: Logger, send: () => Promise<void>): Promise<void> {
    for (let attempt = 1; !this.stopping || attempt === 1; attempt++) {
      try {
        await send();
        return;
      } catch (error) {
        if (error instanceof ErlenError && error.statusCode < 500) {
          log.warn({ err: error }, 'server refused the report');
          return;
        }
        log.warn({ err: error, attempt }, 'cannot report to the server yet');
        await sleep(backoff(Math.min(attempt, 6), this.options.retryBaseMs));
      }
    }
  }
}

/** Uniform between base·2^(n-1) and base·2^n, so retries of many commands do not align. */
function backoff(attempt: number, baseMs: number): number {
  const low = baseMs * 2 ** (attempt - 1);
  return low + Math.random() * low;
}
