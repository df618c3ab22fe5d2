// job-watch and `--wait` end to end against support/fake-api-server.ts, a stand-in for the
// Erlen server that answers per docs/api.md (not the real server). Polling never sleeps
// for real: runCli's sleep records the requested interval and returns at once, so each
// poll sees the next scripted state deterministically.
import { startFakeApiServer, type FakeApiServer, type FakeReply } from './support/fake-api-server.js';
import { runCli, serverEnv } from './support/run-cli.js';

let server: FakeApiServer;
let env: Record<string, string>;

beforeEach(async () => {
  server = await startFakeApiServer();
  env = serverEnv(server.url);
});
afterEach(() => server.close());

type State = [status: string, result: string, done: number];

function job(id: number, [status, result, done]: State): Record<string, unknown> {
  return {
    id: `J:${id}`,
    owner: 'alice',
    submitter: 'alice',
    whiteboard: '',
    retentionTag: 'scratch',
    status,
    result,
    isFinished: ['Completed', 'Cancelled', 'Aborted'].includes(status),
    submittedAt: '2025-05-01T10:00:00Z',
    counters: { ttasks: 5, ntasks: 0, ptasks: done, wtasks: 0, ftasks: 0, ktasks: 0 },
    recipeSets: [],
  };
}

/** GET /jobs/:id answers the states in turn, then repeats the last. */
function script(id: number, states: State[]): void {
  let index = 0;
  server.on('GET', `/jobs/${id}`, (): FakeReply => {
    const state = states[Math.min(index++, states.length - 1)] as State;
    return { body: job(id, state) };
  });
}

const polls = (id: number): number => server.requests.filter((r) => r.path === `/jobs/${id}`).length;

describe('job-watch without a terminal', () => {
  it('prints a line per status/result change and exits 0 when all pass', async () => {
    script(3, [
      ['Queued', 'New', 0],
      ['Running', 'New', 2],
      ['Running', 'New', 3],
      ['Completed', 'Pass', 5],
    ]);
    const result = await runCli(['job-watch', 'J:3'], { env });
    expect(result.stdout).toBe(
      'J:3 Queued (0/5 tasks)\nJ:3 Running (2/5 tasks)\nJ:3 Completed Pass (5/5 tasks)\n',
    );
    expect(result.code).toBe(0);
    expect(result.sleeps).toEqual([1000, 1000, 1000]);
    expect(polls(3)).toBe(4);
  });

  it('exits 1 when any job fails, and stops polling jobs that finished', async () => {
    script(1, [['Completed', 'Pass', 5]]);
    script(2, [
      ['Running', 'New', 1],
      ['Completed', 'Fail', 5],
    ]);
    const result = await runCli(['job-watch', '--interval', '0.25', 'J:1', 'J:2'], { env });
    expect(result.code).toBe(1);
    expect(result.sleeps).toEqual([250]);
    expect([polls(1), polls(2)]).toEqual([1, 2]);
  });

  it.each<[State, number]>([
    [['Cancelled', 'Warn', 1], 1],
    [['Aborted', 'None', 0], 1],
    [['Completed', 'Warn', 5], 1],
    [['Completed', 'None', 5], 0],
  ])('final state %j exits %i', async (state, code) => {
    script(9, [state]);
    expect((await runCli(['job-watch', 'J:9'], { env })).code).toBe(code);
  });

  it('exits 130 on Ctrl-C, leaving the jobs alone', async () => {
    script(4, [['Running', 'New', 1]]);
    const result = await runCli(['job-watch', 'J:4'], {
      env,
      onSleep: (count, interrupt) => count === 2 && interrupt(),
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/erlen: interrupted/);
    expect(polls(4)).toBe(2);
    expect(server.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('fails with exit 1 when the job does not exist', async () => {
    const result = await runCli(['job-watch', 'J:77'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('erlen: no route GET /jobs/77');
  });

  it('rejects a bad interval and non-job taskspecs as usage errors', async () => {
    expect((await runCli(['job-watch', '--interval', '0', 'J:1'], { env })).code).toBe(2);
    expect((await runCli(['job-watch', 'RS:1'], { env })).code).toBe(2);
    expect(server.requests).toHaveLength(0);
  });
});

describe('job-watch on a terminal', () => {
  it('redraws one line per job in place', async () => {
    script(3, [
      ['Running', 'New', 2],
      ['Completed', 'Pass', 5],
    ]);
    script(10, [['Completed', 'Pass', 5]]);
    const result = await runCli(['job-watch', 'J:3', 'J:10'], { env, isTTY: true, columns: 200 });
    const frames = result.stdout.split('\x1b[2A');
    expect(frames).toHaveLength(2);
    expect(frames[0]).toBe(
      '\r\x1b[2KJ:3   Running     New    [####------]      2/5  n:0 p:2 w:0 f:0 k:0\n' +
        '\r\x1b[2KJ:10  Completed   Pass   [##########]      5/5  n:0 p:5 w:0 f:0 k:0\n',
    );
    expect(frames[1]).toContain('J:3   Completed   Pass   [##########]');
    expect(result.code).toBe(0);
  });
});

describe('--wait', () => {
  it('job-submit --wait watches the new job and takes its exit code', async () => {
    server.on('POST', '/jobs', { status: 201, body: { id: 'J:21', warnings: [] } });
    script(21, [
      ['Running', 'New', 0],
      ['Completed', 'Panic', 5],
    ]);
    const result = await runCli(['job-submit', '--wait', 'job.xml'], { env, files: { 'job.xml': '<job/>' } });
    expect(result.stdout).toBe('J:21\nJ:21 Running (0/5 tasks)\nJ:21 Completed Panic (5/5 tasks)\n');
    expect(result.code).toBe(1);
  });

  it('job-clone --wait watches the clone', async () => {
    server.on('GET', '/jobs/5/clone', { body: '<job/>' });
    server.on('POST', '/jobs', { status: 201, body: { id: 'J:6', warnings: [] } });
    script(6, [['Completed', 'Pass', 5]]);
    const result = await runCli(['job-clone', '--wait', 'J:5'], { env });
    expect(result).toMatchObject({ code: 0, stdout: 'J:6\nJ:6 Completed Pass (5/5 tasks)\n' });
  });

  it('a dry run does not wait', async () => {
    server.on('POST', '/jobs', { body: { valid: true, warnings: [] } });
    const result = await runCli(['job-submit', '--dryrun', '--wait', '-'], { env, stdin: '<job/>' });
    expect(result).toMatchObject({ code: 0, stdout: '<stdin>: valid\n' });
    expect(server.requests).toHaveLength(1);
  });
});
