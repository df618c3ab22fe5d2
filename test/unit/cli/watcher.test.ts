import type { Result, Status } from '../../../common/src/domain/status.js';
import type { JobDetail } from '../../../cli/src/api-types.js';
import { InterruptedError } from '../../../cli/src/errors.js';
import { ChangeLog, LiveDisplay, watchJobs } from '../../../cli/src/watch/watcher.js';

function detail(id: number, status: Status, result: Result, done = 0): JobDetail {
  const finished = ['Completed', 'Cancelled', 'Aborted'].includes(status);
  return {
    id: `J:${id}`,
    owner: 'a',
    submitter: 'a',
    whiteboard: '',
    retentionTag: 'scratch',
    status,
    result,
    isFinished: finished,
    submittedAt: '2025-01-01T00:00:00Z',
    counters: { ttasks: 2, ntasks: 0, ptasks: done, wtasks: 0, ftasks: 0, ktasks: 0 },
    recipeSets: [],
  };
}

/** Serves each job's states in order, repeating the last one; records what was fetched. */
function scripted(states: Record<number, JobDetail[]>): {
  fetchJob: (id: number) => Promise<JobDetail>;
  fetched: number[];
} {
  const fetched: number[] = [];
  const served: Record<number, number> = {};
  return {
    fetched,
    fetchJob: async (id) => {
      fetched.push(id);
      const list = states[id] ?? [];
      const index = Math.min(served[id] ?? 0, list.length - 1);
      served[id] = index + 1;
      return list[index] as JobDetail;
    },
  };
}

function collector(): { write: (text: string) => void; text: () => string } {
  let out = '';
  return { write: (text) => void (out += text), text: () => out };
}

describe('watchJobs', () => {
  it('polls until all jobs finish, no longer fetching finished ones', async () => {
    const { fetchJob, fetched } = scripted({
      1: [detail(1, 'Running', 'New'), detail(1, 'Completed', 'Pass', 2)],
      2: [detail(2, 'Queued', 'New'), detail(2, 'Running', 'New', 1), detail(2, 'Completed', 'Fail', 2)],
    });
    const sleeps: number[] = [];
    const jobs = await watchJobs({
      ids: [1, 2],
      fetchJob,
      intervalMs: 250,
      sleep: async (ms) => void sleeps.push(ms),
      signal: new AbortController().signal,
      display: { update: () => undefined },
    });
    expect(jobs.map((job) => `${job.id} ${job.status} ${job.result}`)).toEqual([
      'J:1 Completed Pass',
      'J:2 Completed Fail',
    ]);
    expect(fetched).toEqual([1, 2, 1, 2, 2]);
    expect(sleeps).toEqual([250, 250]);
  });

  it('turns an abort during the wait into an InterruptedError', async () => {
    const controller = new AbortController();
    const { fetchJob } = scripted({ 1: [detail(1, 'Running', 'New')] });
    await expect(
      watchJobs({
        ids: [1],
        fetchJob,
        intervalMs: 1000,
        sleep: async (_ms, signal) => {
          controller.abort();
          throw signal.reason;
        },
        signal: controller.signal,
        display: { update: () => undefined },
      }),
    ).rejects.toBeInstanceOf(InterruptedError);
  });

  it('passes other failures of the wait through', async () => {
    const { fetchJob } = scripted({ 1: [detail(1, 'Running', 'New')] });
    await expect(
      watchJobs({
        ids: [1],
        fetchJob,
        intervalMs: 1,
        sleep: async () => {
          throw new Error('timer broke');
        },
        signal: new AbortController().signal,
        display: { update: () => undefined },
      }),
    ).rejects.toThrow('timer broke');
  });
});

describe('displays', () => {
  it('ChangeLog prints only when status or result changes', () => {
    const out = collector();
    const log = new ChangeLog(out);
    log.update([detail(1, 'Running', 'New')]);
    log.update([detail(1, 'Running', 'New', 1)]);
    log.update([detail(1, 'Running', 'Pass', 1)]);
    log.update([detail(1, 'Completed', 'Pass', 2)]);
    expect(out.text()).toBe(
      'J:1 Running (0/2 tasks)\nJ:1 Running Pass (1/2 tasks)\nJ:1 Completed Pass (2/2 tasks)\n',
    );
  });

  it('LiveDisplay redraws over its previous frame', () => {
    const out = collector();
    const live = new LiveDisplay(out);
    live.update([detail(1, 'Running', 'New'), detail(2, 'Queued', 'New')]);
    expect(out.text()).not.toContain('\x1b[2A');
    live.update([detail(1, 'Running', 'New'), detail(2, 'Queued', 'New')]);
    expect(out.text().split('\x1b[2A')).toHaveLength(2);
  });
});
