import { BenchChild } from './child.js';

/** What the child needs to run a lab controller (lab-controller-process.ts). */
export interface LabControllerInit {
  serverUrl: string;
  token: string;
  logDir: string;
  tftpRoot: string;
  pollWaitSeconds: number;
}

export type LabControllerEvent =
  | { type: 'ready'; harnessUrl: string }
  /**
   * A poll's answer carrying these commands was received at `at`; the poll had been sent at
   * `pollSentAt` (both the child's wall clock, ms).
   */
  | { type: 'received'; at: number; pollSentAt: number; ids: number[] }
  /** The stub executor was handed this command (after the runner marked it Running). */
  | { type: 'executed'; at: number; id: number };

/**
 * The lab controller in a process of its own, as in production (usually its own host): the
 * benchmark process then holds the server and the load generators, and neither competes with
 * the lab controller for its event loop. Receipt times arrive as events.
 */
export class LabController {
  private constructor(
    readonly process: BenchChild<LabControllerEvent>,
    readonly harnessUrl: string,
  ) {}

  static async start(init: LabControllerInit): Promise<LabController> {
    const child = await BenchChild.start<LabControllerEvent>(
      'lab controller',
      './lab-controller-process.js',
      init,
    );
    if (child.ready.type !== 'ready') throw new Error('the lab controller process did not start');
    return new LabController(child, child.ready.harnessUrl);
  }

  on(listener: (event: LabControllerEvent) => void): () => void {
    return this.process.on(listener);
  }

  /** Stops the daemon (its poll ends; the harness API keeps serving). */
  pause(): Promise<void> {
    return this.process.call('pause');
  }

  resume(): Promise<void> {
    return this.process.call('resume');
  }

  close(): Promise<void> {
    return this.process.close();
  }
}
