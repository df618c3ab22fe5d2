/**
 * A component the benchmark runs in a process of its own (the lab controller, the watchdog
 * sweeper), as production runs it: forked from a compiled module next to this one, driven
 * by request/reply messages over IPC, reporting timestamped events. Both ends stamp time with
 * `wallClock()`, comparable across processes of one machine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { log } from './benchmark.js';
import { bounded, onInterrupt } from './cleanup.js';

/** Wall clock with sub-millisecond resolution, comparable across processes of one machine. */
export const wallClock = () => performance.timeOrigin + performance.now();

export interface ChildRequestMessage {
  seq: number;
  op: string;
  args?: unknown;
}

export interface ChildReplyMessage {
  type: 'reply';
  seq: number;
  result?: unknown;
  error?: string;
}

export interface ChildEventMessage {
  type: string;
}

/** CPU and event-loop counters of a process, cumulative; subtract two to get a phase's. */
export interface ProcessUsage {
  cpuMs: number;
  idle: number;
  active: number;
}

/**
 * The child's side: answers requests with `handlers[op](args)`, and the built-in ops `clock`
 * (its wallClock) and `usage` (its CPU and event-loop counters). Exits when the parent goes.
 */
export function serveParent(handlers: Record<string, (args: unknown) => Promise<unknown>>): {
  emit: (event: ChildEventMessage) => void;
} {
  const emit = (message: ChildEventMessage | ChildReplyMessage) => process.send?.(message);
  const builtIn: Record<string, (args: unknown) => Promise<unknown>> = {
    clock: async () => wallClock(),
    usage: async () => {
      const cpu = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      return {
        cpuMs: (cpu.user + cpu.system) / 1000,
        idle: elu.idle,
        active: elu.active,
      } satisfies ProcessUsage;
    },
  };
  process.on('message', (request: ChildRequestMessage) => {
    const handler = handlers[request.op] ?? builtIn[request.op];
    (handler ? handler(request.args) : Promise.reject(new Error(`unknown op ${request.op}`))).then(
      (result) => emit({ type: 'reply', seq: request.seq, result }),
      (error: unknown) =>
        emit({
          type: 'reply',
          seq: request.seq,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  });
  // The parent went away (finished, crashed or interrupted): nothing is left to do.
  process.on('disconnect', () => process.exit(0));
  return { emit };
}

export class BenchChild<Event extends ChildEventMessage> {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(event: Event) => void>();
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly label: string,
    private readonly forget: () => void,
    readonly ready: Event,
  ) {
    child.on('message', (message: Event | ChildReplyMessage) => {
      if (message.type === 'reply') {
        const reply = message as ChildReplyMessage;
        const waiter = this.pending.get(reply.seq);
        this.pending.delete(reply.seq);
        if (reply.error !== undefined) waiter?.reject(new Error(`${label}: ${reply.error}`));
        else waiter?.resolve(reply.result);
      } else for (const listener of this.listeners) listener(message as Event);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`${label} process exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  /**
   * Forks `module` (a path relative to this file, compiled) with `init` in ERLEN_BENCH_CHILD_INIT
   * and waits for its first event (`ready`). Its stdout goes to our stderr: our stdout carries
   * only the result line.
   */
  static async start<E extends ChildEventMessage>(
    label: string,
    module: string,
    init: unknown,
  ): Promise<BenchChild<E>> {
    const child = fork(new URL(module, import.meta.url), [], {
      env: { ...process.env, ERLEN_BENCH_CHILD_INIT: JSON.stringify(init) },
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    const forget = onInterrupt(`stopping the ${label} process`, async () => {
      child.kill('SIGKILL');
    });
    try {
      const ready = await new Promise<E>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`${label} process exited with ${code} at start`)));
        child.once('message', (message: E) => resolve(message));
      });
      log(`${label} process ${child.pid} started`);
      return new BenchChild<E>(child, label, forget, ready);
    } catch (error) {
      forget();
      child.kill('SIGKILL');
      throw error;
    }
  }

  on(listener: (event: Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  call<T = unknown>(op: string, args?: unknown): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.label} process has exited`));
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ seq, op, args } satisfies ChildRequestMessage);
    });
  }

  usage(): Promise<ProcessUsage> {
    return this.call<ProcessUsage>('usage');
  }

  /**
   * The child's clock minus ours, ms, from the IPC round trip with the smallest delay (its
   * error is at most half that round trip, also returned).
   */
  async clockOffset(rounds = 50): Promise<{ offsetMs: number; uncertaintyMs: number }> {
    let best = { offsetMs: Number.NaN, uncertaintyMs: Number.POSITIVE_INFINITY };
    for (let i = 0; i < rounds; i++) {
      const sent = wallClock();
      const theirs = await this.call<number>('clock');
      const back = wallClock();
      if ((back - sent) / 2 < best.uncertaintyMs)
        best = { offsetMs: theirs - (sent + back) / 2, uncertaintyMs: (back - sent) / 2 };
    }
    return best;
  }

  /** Asks the child to `op` (its own shutdown), then disconnects; kills it if it lingers. */
  async close(op = 'close'): Promise<void> {
    this.forget();
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await bounded(`stopping the ${this.label}`, this.call(op));
    if (this.child.connected) this.child.disconnect();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      exited,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.child.kill('SIGKILL');
          resolve();
        }, 5000);
      }),
    ]);
    clearTimeout(timer);
  }
}
