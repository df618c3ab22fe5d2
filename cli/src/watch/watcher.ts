import { isFinished } from '../../../common/src/domain/status.js';
import type { JobDetail } from '../api-types.js';
import type { Output } from '../context.js';
import { InterruptedError } from '../errors.js';
import { plainLine, renderFrame, type JobProgress } from './progress.js';

export interface WatchDisplay {
  update(jobs: readonly JobProgress[]): void;
}

/** Redraws one line per job in place; for terminals. */
export class LiveDisplay implements WatchDisplay {
  private lines = 0;

  constructor(private readonly out: Output) {}

  update(jobs: readonly JobProgress[]): void {
    this.out.write(renderFrame(jobs, this.lines, this.out.columns));
    this.lines = jobs.length;
  }
}

/** Prints a line when a job's status or result changes; for logs and pipes. */
export class ChangeLog implements WatchDisplay {
  private readonly seen = new Map<string, string>();

  constructor(private readonly out: Output) {}

  update(jobs: readonly JobProgress[]): void {
    for (const job of jobs) {
      const state = `${job.status}/${job.result}`;
      if (this.seen.get(job.id) === state) continue;
      this.seen.set(job.id, state);
      this.out.write(`${plainLine(job)}\n`);
    }
  }
}

export interface WatchOptions {
  ids: readonly number[];
  fetchJob(id: number, signal: AbortSignal): Promise<JobDetail>;
  intervalMs: number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  signal: AbortSignal;
  display: WatchDisplay;
}

/**
 * Polls every unfinished job each interval until all have finished, and returns their
 * final state. Finished jobs are not fetched again: nothing leaves a finished state.
 */
export async function watchJobs(options: WatchOptions): Promise<JobDetail[]> {
  const latest = new Map<number, JobDetail>();
  for (;;) {
    const pending = options.ids.filter((id) => !done(latest.get(id)));
    const fetched = await Promise.all(pending.map((id) => options.fetchJob(id, options.signal)));
    pending.forEach((id, index) => latest.set(id, fetched[index] as JobDetail));
    const jobs = options.ids.map((id) => latest.get(id)).filter((job) => job !== undefined);
    options.display.update(jobs);
    if (jobs.every(done)) return jobs;
    try {
      await options.sleep(options.intervalMs, options.signal);
    } catch (error) {
      if (options.signal.aborted) throw new InterruptedError();
      throw error;
    }
  }
}

function done(job: JobDetail | undefined): boolean {
  if (!job) return false;
  return typeof job.isFinished === 'boolean' ? job.isFinished : isFinished(job.status);
}
