import { describe, expect, it } from '@jest/globals';
import { commitBatches } from '../../../server/src/scheduler/commit.js';
import type { Placement, QueuedSet } from '../../../server/src/scheduler/planner.js';

function placement(setId: number, jobId: number): Placement {
  const set: QueuedSet = { id: setId, jobId, ownerId: 1, priority: 'Normal', processed: true, recipes: [] };
  return { set, labId: 1, systems: new Map([[setId, setId]]) };
}

describe('commitBatches', () => {
  it('keeps every set of a job in one batch, whatever the batch size', () => {
    // Job 7's sets are far apart in planning order (priority first), as a cold pass gives them.
    const placements = [placement(1, 7), placement(2, 8), placement(3, 9), placement(4, 7), placement(5, 10)];
    const batches = commitBatches(placements, 2);
    const batchOfJob = new Map<number, number>();
    batches.forEach((batch, i) =>
      batch.forEach((p) => {
        expect(batchOfJob.get(p.set.jobId) ?? i).toBe(i);
        batchOfJob.set(p.set.jobId, i);
      }),
    );
    expect(
      batches
        .flat()
        .map((p) => p.set.id)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5]);
    expect(batches.map((b) => b.map((p) => p.set.id))).toEqual([[1, 4], [2, 3], [5]]);
  });

  it('gives no batch for no placements', () => {
    expect(commitBatches([], 250)).toEqual([]);
  });
});
