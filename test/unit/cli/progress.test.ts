import type { Result, Status } from '../../../common/src/domain/status.js';
import { watchExitCode } from '../../../cli/src/watch/exit-code.js';
import { plainLine, progressLine, renderFrame, type JobProgress } from '../../../cli/src/watch/progress.js';

function job(
  id: string,
  status: Status,
  result: Result,
  counts: Partial<JobProgress['counters']> = {},
): JobProgress {
  return {
    id,
    status,
    result,
    counters: { ttasks: 5, ntasks: 0, ptasks: 0, wtasks: 0, ftasks: 0, ktasks: 0, ...counts },
  };
}

describe('plainLine', () => {
  it('shows status and finished/total tasks, and the result once there is one', () => {
    expect(plainLine(job('J:3', 'Running', 'New', { ptasks: 2 }))).toBe('J:3 Running (2/5 tasks)');
    expect(plainLine(job('J:3', 'Running', 'Fail', { ptasks: 1, ftasks: 1, ntasks: 1 }))).toBe(
      'J:3 Running Fail (3/5 tasks)',
    );
  });
});

describe('progressLine', () => {
  it('lines up columns and shows every counter', () => {
    const line = progressLine(
      job('J:3', 'Running', 'Warn', { ptasks: 2, wtasks: 1, ktasks: 1, ntasks: 1 }),
      4,
    );
    expect(line).toBe('J:3   Running     Warn   [##########]      5/5  n:1 p:2 w:1 f:0 k:1');
  });
  it('draws an empty bar for a job without tasks', () => {
    expect(progressLine(job('J:1', 'New', 'New', { ttasks: 0 }), 3)).toContain('[----------]      0/0');
  });
});

describe('renderFrame', () => {
  const jobs = [job('J:3', 'Running', 'New', { ptasks: 2 }), job('J:10', 'Queued', 'New')];

  it('writes one cleared line per job on the first frame', () => {
    const frame = renderFrame(jobs, 0);
    expect(frame.startsWith('\r\x1b[2KJ:3 ')).toBe(true);
    expect(frame.split('\n')).toHaveLength(3);
    expect(frame).not.toContain('\x1b[2A');
  });

  it('moves back over the previous frame before redrawing', () => {
    expect(renderFrame(jobs, 2).startsWith('\x1b[2A\r\x1b[2K')).toBe(true);
  });

  it('cuts lines to the terminal width so they never wrap', () => {
    const lines = renderFrame(jobs, 0, 20)
      .split('\n')
      .filter(Boolean)
      .map((line) => line.replace('\r\x1b[2K', ''));
    expect(lines.every((line) => line.length === 19)).toBe(true);
  });
});

describe('watchExitCode', () => {
  it.each<[Status, Result, number]>([
    ['Completed', 'Pass', 0],
    ['Completed', 'None', 0],
    ['Completed', 'New', 0],
    ['Completed', 'Skip', 0],
    ['Completed', 'Warn', 1],
    ['Completed', 'Fail', 1],
    ['Completed', 'Panic', 1],
    ['Cancelled', 'Warn', 1],
    ['Aborted', 'None', 1],
    ['Running', 'Pass', 1],
  ])('%s/%s → %i', (status, result, code) => {
    expect(watchExitCode([{ status, result }])).toBe(code);
  });

  it('fails the whole watch if one job fails', () => {
    expect(
      watchExitCode([
        { status: 'Completed', result: 'Pass' },
        { status: 'Completed', result: 'Fail' },
      ]),
    ).toBe(1);
  });
});
