/**
 * Committing a pass's placements while the planner produces the rest: a committer takes each
 * full batch as soon as it is planned, so PostgreSQL writes on its core while the scheduler
 * plans on its own.
 */
import { setImmediate } from 'node:timers/promises';
import type { Placement } from './planner.js';

/**
 * Placements gathered into batches that commit side by side, as the planner produces them.
 * The planner gives each system to one set, so batches hold disjoint systems; a job's sets
 * go into one batch when they can, because concurrent batches sharing a job wait for each
 * other's job lock (a job's sets used to straddle batches, and a cold pass spent a third of
 * its commit time in those waits). A cold pass plans a job's sets far apart (priority
 * first), so a batch stays open to its jobs' later sets until a committer takes it.
 */
export class CommitQueue {
  private readonly closed: Placement[][] = [];
  private filling: Placement[] = [];
  /** The batch not yet taken that holds each job's sets. */
  private readonly batchOfJob = new Map<number, Placement[]>();

  constructor(private readonly size: number) {}

  add(placement: Placement): void {
    const open = this.batchOfJob.get(placement.set.jobId);
    if (open) {
      open.push(placement);
      return;
    }
    this.filling.push(placement);
    this.batchOfJob.set(placement.set.jobId, this.filling);
    if (this.filling.length >= this.size) {
      this.closed.push(this.filling);
      this.filling = [];
    }
  }

  /** The next full batch; with `all` (planning is over), the last partial one too. */
  take(all: boolean): Placement[] | undefined {
    let batch = this.closed.shift();
    if (!batch && all && this.filling.length) {
      batch = this.filling;
      this.filling = [];
    }
    if (batch) for (const placement of batch) this.batchOfJob.delete(placement.set.jobId);
    return batch;
  }
}

export interface PipelineOptions {
  /** Placements per batch. */
  batchSize: number;
  /** Batches committing side by side. */
  concurrency: number;
  /** Commits one batch; must not throw (a failed batch is the caller's conflict). */
  commit: (batch: Placement[]) => Promise<void>;
}

/** After the last commit: how many placements were planned, and when planning ended (performance.now()). */
export async function commitWhilePlanning(
  planned: Iterable<Placement>,
  options: PipelineOptions,
): Promise<{ planned: number; planEnd: number }> {
  const queue = new CommitQueue(options.batchSize);
  let planning = true;
  // Idle committers wait on this; it is replaced each time it wakes them.
  let wakeCommitters = () => {};
  let batchReady = new Promise<void>((resolve) => (wakeCommitters = resolve));
  const wake = () => {
    wakeCommitters();
    batchReady = new Promise<void>((resolve) => (wakeCommitters = resolve));
  };
  const committer = async () => {
    for (;;) {
      const batch = queue.take(!planning);
      if (batch) await options.commit(batch);
      else if (!planning) return;
      else await batchReady;
    }
  };
  const committers = Array.from({ length: options.concurrency }, committer);
  let count = 0;
  for (const placement of planned) {
    queue.add(placement);
    // After each batch's worth, the committers get the event loop to send and read.
    if (++count % options.batchSize === 0) {
      wake();
      await setImmediate();
    }
  }
  const planEnd = performance.now();
  planning = false;
  wake();
  await Promise.all(committers);
  return { planned: count, planEnd };
}
