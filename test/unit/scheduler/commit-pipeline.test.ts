import { describe, expect, it } from '@jest/globals';
import { CommitQueue, commitWhilePlanning } from '../../../server/src/scheduler/commit-pipeline.js';
import type { Placement, QueuedSet } from '../../../server/src/scheduler/planner.js';

function placement(setId: number, jobId: number): Placement {
  const set: QueuedSet = { id: setId, jobId, ownerId: 1, priority: 'Normal', processed: true, recipes: [] };
  return { set, labId: 1, systems: new Map([[setId, setId]]) };
}

const ids = (batch: Placement[] | undefined) => batch?.map((p) => p.set.id);

describe('CommitQueue', () => {
  it('keeps a job’s later sets in its batch until a committer takes that batch', () => {
    const queue = new CommitQueue(2);
    // Job 7's sets are far apart in planning order (priority first), as a cold pass gives them.
    for (const [setId, jobId] of [
      [1, 7],
      [2, 8],
      [3, 9],
      [4, 7],
      [5, 10],
    ] as const)
      queue.add(placement(setId, jobId));
    expect(ids(queue.take(false))).toEqual([1, 2, 4]);
    // Taken: job 7's next set starts a new batch (it will wait for the first one's job lock).
    queue.add(placement(6, 7));
    expect(ids(queue.take(false))).toEqual([3, 5]);
    expect(queue.take(false)).toBeUndefined();
    expect(ids(queue.take(true))).toEqual([6]);
    expect(queue.take(true)).toBeUndefined();
  });

  it('hands out only full batches while planning goes on', () => {
    const queue = new CommitQueue(250);
    queue.add(placement(1, 1));
    expect(queue.take(false)).toBeUndefined();
    expect(ids(queue.take(true))).toEqual([1]);
  });
});

describe('commitWhilePlanning', () => {
  it('commits the first batches while later placements are still being planned, each placement once', async () => {
    const log: string[] = [];
    function* planned() {
      for (let id = 1; id <= 5; id++) {
        log.push(`plan ${id}`);
        yield placement(id, id);
      }
      log.push('planned');
    }
    const committed: number[] = [];
    await commitWhilePlanning(planned(), {
      batchSize: 2,
      concurrency: 2,
      commit: async (batch) => {
        log.push(`commit ${ids(batch)?.join(',')}`);
        await Promise.resolve();
        committed.push(...batch.map((p) => p.set.id));
      },
    });
    expect(committed.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(log.indexOf('commit 1,2')).toBeLessThan(log.indexOf('plan 3'));
    expect(log.at(-1)).toBe('commit 5');
  });
});
