// End-to-end tests of the job commands through the real command layer and API client,
// against support/fake-api-server.ts: a stand-in that answers per docs/api.md, not the
// real Erlen server (integration tests against that live elsewhere).
import { startFakeApiServer, type FakeApiServer } from './support/fake-api-server.js';
import { runCli, serverEnv } from './support/run-cli.js';

const JOB_XML = '<job><recipeSet/></job>';
let server: FakeApiServer;
let env: Record<string, string>;

beforeEach(async () => {
  server = await startFakeApiServer();
  env = serverEnv(server.url);
});
afterEach(() => server.close());

function summary(id: number, status = 'Running', result = 'New'): Record<string, unknown> {
  return {
    id: `J:${id}`,
    owner: 'alice',
    submitter: 'alice',
    whiteboard: `job ${id}`,
    retentionTag: 'scratch',
    status,
    result,
    isFinished: false,
    submittedAt: '2025-05-01T10:00:00Z',
    counters: { ttasks: 1, ntasks: 0, ptasks: 0, wtasks: 0, ftasks: 0, ktasks: 0 },
  };
}

describe('job-submit', () => {
  it('posts the file as XML and prints the new taskspec, warnings on stderr', async () => {
    server.on('POST', '/jobs', {
      status: 201,
      body: { id: 'J:41', warnings: [{ line: 2, message: 'old attribute' }] },
    });
    const result = await runCli(['job-submit', 'job.xml'], { env, files: { 'job.xml': JOB_XML } });
    expect(result).toMatchObject({
      code: 0,
      stdout: 'J:41\n',
      stderr: 'job.xml:2: warning: old attribute\n',
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/jobs', body: JOB_XML });
    expect(server.requests[0]?.headers['content-type']).toBe('application/xml');
    expect(server.requests[0]?.query.has('dryrun')).toBe(false);
  });

  it('reads standard input for "-" and when no file is given, like bkr', async () => {
    server.on('POST', '/jobs', { status: 201, body: { id: 'J:1', warnings: [] } });
    expect((await runCli(['job-submit', '-'], { env, stdin: JOB_XML })).stdout).toBe('J:1\n');
    expect((await runCli(['job-submit'], { env, stdin: JOB_XML })).stdout).toBe('J:1\n');
    expect(server.requests.map((r) => r.body)).toEqual([JOB_XML, JOB_XML]);
  });

  it.each(['--dryrun', '--dry-run'])('%s validates on the server only', async (flag) => {
    server.on('POST', '/jobs', { body: { valid: true, warnings: [] } });
    const result = await runCli(['job-submit', flag, 'job.xml'], { env, files: { 'job.xml': JOB_XML } });
    expect(result).toMatchObject({ code: 0, stdout: 'job.xml: valid\n' });
    expect(server.requests[0]?.query.get('dryrun')).toBe('true');
  });

  it('does not call a dry run valid unless the server says so', async () => {
    server.on('POST', '/jobs', { body: { valid: false, warnings: [] } });
    const result = await runCli(['job-submit', '--dryrun', 'job.xml'], {
      env,
      files: { 'job.xml': JOB_XML },
    });
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'erlen: job.xml: the server did not confirm the job as valid\n',
    });
  });

  it('prints INVALID_JOB_XML issues as FILE:LINE: message and exits 1', async () => {
    server.on('POST', '/jobs', {
      status: 400,
      body: {
        code: 'INVALID_JOB_XML',
        message: 'job XML does not validate',
        details: [
          { line: 3, column: 5, message: 'element recipeSet: missing <recipe>' },
          { line: 9, message: 'unknown task /x' },
        ],
      },
    });
    const result = await runCli(['job-submit', 'bad.xml'], { env, files: { 'bad.xml': JOB_XML } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'erlen: job XML does not validate\nbad.xml:3: element recipeSet: missing <recipe>\nbad.xml:9: unknown task /x\n',
    );
  });

  it('submits the remaining files after one is refused or missing, and exits 1', async () => {
    let count = 0;
    server.on('POST', '/jobs', (req) =>
      req.body.includes('bad')
        ? { status: 400, body: { code: 'HOSTILE_XML', message: 'DOCTYPE is not allowed' } }
        : { status: 201, body: { id: `J:${++count}`, warnings: [] } },
    );
    const files = { 'a.xml': JOB_XML, 'b.xml': '<!DOCTYPE bad>', 'c.xml': JOB_XML };
    const result = await runCli(['job-submit', 'a.xml', 'b.xml', 'missing.xml', 'c.xml'], { env, files });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('J:1\nJ:2\n');
    expect(result.stderr).toBe(
      'erlen: DOCTYPE is not allowed\nerlen: cannot read missing.xml: no such file\n',
    );
  });
});

describe('job-list', () => {
  it('maps the filters to the query and prints one taskspec per line', async () => {
    server.on('GET', '/jobs', { body: { items: [summary(7), summary(5)], total: 2 } });
    const result = await runCli(
      [
        'job-list',
        '--owner',
        'bob',
        '--mine',
        '--status',
        'Running',
        '--status',
        'queued,Waiting',
        '--whiteboard',
        'kernel',
        '--limit',
        '20',
      ],
      { env },
    );
    expect(result).toMatchObject({ code: 0, stdout: 'J:7\nJ:5\n', stderr: '' });
    const query = server.requests[0]?.query;
    expect(query?.get('owner')).toBe('bob');
    expect(query?.get('mine')).toBe('true');
    expect(query?.getAll('status')).toEqual(['Running', 'Queued', 'Waiting']);
    expect(query?.get('whiteboard')).toBe('kernel');
    expect(query?.get('limit')).toBe('20');
  });

  it('prints the items as JSON with --format json', async () => {
    server.on('GET', '/jobs', { body: { items: [summary(7)], total: 1 } });
    const result = await runCli(['job-list', '--format', 'json'], { env });
    expect(JSON.parse(result.stdout)).toEqual([summary(7)]);
    expect(server.requests[0]?.query.toString()).toBe('limit=500');
  });

  it('pages through every job when no --limit is given', async () => {
    const page = Array.from({ length: 500 }, (_, i) => summary(900 - i));
    server.on('GET', '/jobs', { body: { items: page, total: 501 } });
    const first = await runCli(['job-list'], { env });
    // The stand-in answers every request with the same page, so the second request is the one to check.
    expect(server.requests.map((r) => r.query.get('offset'))).toEqual([null, '500']);
    expect(first.stdout.split('\n').filter(Boolean)).toHaveLength(1000);
  });

  it('refuses bad option values as usage errors without calling the server', async () => {
    expect((await runCli(['job-list', '--status', 'Sleeping'], { env })).code).toBe(2);
    const badLimit = await runCli(['job-list', '--limit', '0'], { env });
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/^erlen: option '--limit <n>' argument '0' is invalid/);
    expect((await runCli(['job-list', '--format', 'xml'], { env })).code).toBe(2);
    expect(server.requests).toHaveLength(0);
  });
});

describe('job-results', () => {
  it('fetches Beaker results XML by default, without logs on --no-logs', async () => {
    server.on('GET', '/jobs/12.xml', (req) => ({
      body: req.query.get('logs') === 'false' ? '<job id="12"/>' : '<job id="12"><logs/></job>\n',
    }));
    const withLogs = await runCli(['job-results', 'J:12'], { env });
    expect(withLogs).toMatchObject({ code: 0, stdout: '<job id="12"><logs/></job>\n' });
    const noLogs = await runCli(['job-results', '--no-logs', 'J:12'], { env });
    expect(noLogs.stdout).toBe('<job id="12"/>\n');
    expect(server.requests.map((r) => r.query.toString())).toEqual(['', 'logs=false']);
  });

  it("fetches JUnit XML (also by bkr's format name) and job JSON", async () => {
    server.on('GET', '/jobs/12.junit.xml', { body: '<testsuites/>' });
    server.on('GET', '/jobs/12', { body: { ...summary(12), recipeSets: [] } });
    expect((await runCli(['job-results', '--format', 'junit', 'J:12'], { env })).stdout).toBe(
      '<testsuites/>\n',
    );
    expect((await runCli(['job-results', '--format', 'junit-xml', 'J:12'], { env })).stdout).toBe(
      '<testsuites/>\n',
    );
    const json = await runCli(['job-results', '--format', 'json', 'J:12'], { env });
    expect(json.stdout).toBe(`${JSON.stringify({ ...summary(12), recipeSets: [] }, null, 2)}\n`);
  });

  it('reports a missing job with exit 1 and a non-job taskspec with exit 2', async () => {
    const missing = await runCli(['job-results', 'J:99'], { env });
    expect(missing).toMatchObject({ code: 1, stderr: 'erlen: no route GET /jobs/99.xml\n' });
    const wrongKind = await runCli(['job-results', 'R:4'], { env });
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toBe('erlen: "R:4" is a R: taskspec; expected one of J\n');
  });
});

describe('job-cancel', () => {
  it('cancels jobs and recipe sets with the message', async () => {
    server.on('POST', '/jobs/3/cancel', { body: summary(3, 'Cancelled', 'Warn') });
    server.on('POST', '/recipesets/8/cancel', { body: summary(4, 'Running', 'New') });
    const result = await runCli(['job-cancel', '--msg', 'wrong distro', 'J:3', 'RS:8'], { env });
    expect(result).toMatchObject({ code: 0, stdout: 'Cancelled J:3\nCancelled RS:8\n' });
    expect(server.requests.map((r) => [r.path, JSON.parse(r.body)])).toEqual([
      ['/jobs/3/cancel', { message: 'wrong distro' }],
      ['/recipesets/8/cancel', { message: 'wrong distro' }],
    ]);
  });

  it('names the taskspec the server refused and carries on', async () => {
    server.on('POST', '/jobs/3/cancel', {
      status: 409,
      body: { code: 'INVALID_TRANSITION', message: 'job is already finished' },
    });
    server.on('POST', '/jobs/4/cancel', { body: summary(4, 'Cancelled', 'Warn') });
    const result = await runCli(['job-cancel', 'J:3', 'J:4'], { env });
    expect(result).toMatchObject({
      code: 1,
      stdout: 'Cancelled J:4\n',
      stderr: 'erlen: J:3: job is already finished\n',
    });
  });

  it('checks every taskspec before cancelling anything', async () => {
    const result = await runCli(['job-cancel', 'J:3', 'T:4'], { env });
    expect(result.code).toBe(2);
    expect(server.requests).toHaveLength(0);
  });
});

describe('job-clone', () => {
  const CLONE = '<job><whiteboard>again</whiteboard></job>';

  it('fetches the clone XML, submits it and prints the new job', async () => {
    server.on('GET', '/jobs/5/clone', { body: CLONE });
    server.on('POST', '/jobs', { status: 201, body: { id: 'J:6', warnings: [] } });
    const result = await runCli(['job-clone', 'J:5'], { env });
    expect(result).toMatchObject({ code: 0, stdout: 'J:6\n' });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /jobs/5/clone', 'POST /jobs']);
    expect(server.requests[1]?.body).toBe(CLONE);
  });

  it('clones a recipe set, printing the XML with --xml', async () => {
    server.on('GET', '/recipesets/2/clone', { body: CLONE });
    server.on('POST', '/jobs', { status: 201, body: { id: 'J:7', warnings: [] } });
    const result = await runCli(['job-clone', '--xml', 'RS:2'], { env });
    expect(result.stdout).toBe(`${CLONE}\nJ:7\n`);
  });

  it('with --dryrun only validates the clone on the server', async () => {
    server.on('GET', '/jobs/5/clone', { body: CLONE });
    server.on('POST', '/jobs', { body: { valid: true, warnings: [] } });
    const result = await runCli(['job-clone', '--dryrun', 'J:5'], { env });
    expect(result).toMatchObject({ code: 0, stdout: 'clone of J:5: valid\n' });
    expect(server.requests[1]?.query.get('dryrun')).toBe('true');
  });

  it('reports a clone the server cannot find', async () => {
    const result = await runCli(['job-clone', 'J:404'], { env });
    expect(result).toMatchObject({ code: 1, stderr: 'erlen: J:404: no route GET /jobs/404/clone\n' });
  });
});
