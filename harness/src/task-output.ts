import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isErlenError } from '../../common/src/errors.js';
import type { LabControllerClient } from './lab-client.js';
import { uploadFrom } from './log-upload.js';
import { say } from './say.js';
import type { StateStore } from './state.js';

export const TASK_OUTPUT_LOG = 'taskout.log';

/**
 * Streams a task's output file to the lab controller as its taskout.log while the task runs.
 * The task writes the file itself (it is the task's stdout and stderr), so nothing is lost
 * if the harness dies: after a reboot, upload resumes at the offset saved with each chunk.
 */
export class OutputStreamer {
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  /** Set when the lab controller refuses the log for good (the task was finished elsewhere). */
  private refused = false;

  constructor(
    private readonly client: LabControllerClient,
    private readonly store: StateStore,
    private readonly taskId: number,
    private readonly intervalMs: number,
  ) {}

  get path(): string {
    return this.store.outputPath(this.taskId);
  }

  /** Creates the file here and, on the first run, at the lab controller; then uploads every interval. */
  async start(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await (await open(this.path, 'a')).close();
    const saved = await this.store.uploadedBytes(this.taskId);
    if (saved === undefined) {
      await this.client.putLog({ taskId: this.taskId }, TASK_OUTPUT_LOG, Buffer.alloc(0), 0);
      await this.store.saveUploadedBytes(this.taskId, 0);
    }
    this.offset = saved ?? 0;
    this.schedule();
  }

  /** Stops the interval and uploads what is left. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  flush(): Promise<void> {
    // One upload at a time: a tick that finds one running waits for it, then sends the rest.
    this.inFlight = this.inFlight.then(() => this.upload());
    return this.inFlight;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.flush().then(() => {
        if (this.timer) this.schedule();
      });
    }, this.intervalMs);
  }

  private async upload(): Promise<void> {
    if (this.refused) return;
    try {
      this.offset = await uploadFrom(
        this.client,
        { taskId: this.taskId },
        TASK_OUTPUT_LOG,
        this.path,
        this.offset,
        (offset) => this.store.saveUploadedBytes(this.taskId, offset),
      );
    } catch (error) {
      // A refusal (the task finished elsewhere, a log limit) is final; anything else was
      // already retried and the next tick tries again from the saved offset.
      if (isErlenError(error) && error.statusCode < 500) this.refused = true;
      say(`uploading ${TASK_OUTPUT_LOG} of task ${this.taskId}: ${(error as Error).message}`);
    }
  }
}
