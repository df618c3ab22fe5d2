// The built `erlen` binary (dist/, produced by `npm run build`, which `npm test` runs first)
// against the real server listening on a port, as a user would run it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compatPath, LAB, SAMPLE_JOBS, seedSampleLab } from '../support/lab-fixtures.js';
import { listen, runErlen, type Run } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let url: string;
let token: string;
const scratch = mkdtempSync(join(tmpdir(), 'erlen-cli-'));

function erlen(args: string[], options: { token?: string; input?: string } = {}): Promise<Run> {
  return runErlen(args, { url, token: options.token ?? token, home: scratch }, options.input);
}

beforeAll(async () => {
  server = await startTestServer();
  token = await server.user('cliuser');
  await seedSampleLab(server, token);
  url = await listen(server);
});
afterAll(async () => server.close());

describe('erlen job-validate (offline)', () => {
  it.each(SAMPLE_JOBS)('accepts the Beaker sample %s', async (name) => {
    const run = await erlen(['job-validate', compatPath(`jobs/${name}`)]);
    expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining('valid') });
  });

  it('exits 1 with one FILE:LINE: message per error', async () => {
    const file = join(scratch, 'bad.xml');
    writeFileSync(file, '<job>\n  <recipeSet>\n    <recipe>\n    </recipe>\n  </recipeSet>\n</job>\n');
    const run = await erlen(['job-validate', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`${file.replace(/[/.]/g, '\\$&')}:\\d+: `));
  });
});

describe('a job through the CLI', () => {
  it.each(SAMPLE_JOBS)('submits %s, lists it, exports results, clones and cancels it', async (name) => {
    const submitted = await erlen(['job-submit', compatPath(`jobs/${name}`)]);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^J:\d+$/);

    const listed = await erlen(['job-list', '--mine']);
    expect(listed.stdout.split('\n')).toContain(id);

    const results = await erlen(['job-results', id]);
    expect(results.code).toBe(0);
    expect(results.stdout).toMatch(new RegExp(`<job id="${id.slice(2)}"`));
    const junit = await erlen(['job-results', id, '--format', 'junit']);
    expect(junit.stdout).toContain('<testsuites');

    const cloned = await erlen(['job-clone', id]);
    expect(cloned.code).toBe(0);
    expect(cloned.stdout.trim()).toMatch(/^J:\d+$/);
    expect(cloned.stdout.trim()).not.toBe(id);

    const cancelled = await erlen(['job-cancel', id, '--msg', 'done with it']);
    expect(cancelled.code).toBe(0);
    const watched = await erlen(['job-watch', id]);
    // A cancelled job is a failure for job-watch's exit code.
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/Cancelled/);
  });

  it('reads job XML from stdin and validates on the server with --dryrun', async () => {
    const xml = `<job><recipeSet><recipe><distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires>
      <hostRequires/><task name="/t" role="None"/></recipe></recipeSet></job>`;
    const before = await server.db.job.count();
    const run = await erlen(['job-submit', '--dryrun', '-'], { input: xml });
    expect(run.code).toBe(0);
    expect(await server.db.job.count()).toBe(before);
  });

  it('reports a server-side refusal with a clear message and exit 1', async () => {
    const file = join(scratch, 'nodistro.xml');
    writeFileSync(
      file,
      `<job><recipeSet><recipe><distroRequires><distro_name op="=" value="Nope-1"/></distroRequires>
      <hostRequires/><task name="/t" role="None"/></recipe></recipeSet></job>`,
    );
    const run = await erlen(['job-submit', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no distro tree/);
  });

  it('refuses to cancel another user\u2019s job', async () => {
    const submitted = await erlen(['job-submit', compatPath('jobs/complete-job.xml')]);
    const other = await server.user('someoneelse');
    const run = await erlen(['job-cancel', submitted.stdout.trim()], { token: other });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/only the owner/);
  });
});

describe('scripting a lab', () => {
  it('creates a lab controller, a system and a distro tree, and lists them', async () => {
    const admin = server.adminToken;
    const lab = await erlen(['labcontroller-create', 'lab2.example.com'], { token: admin });
    expect(lab.code).toBe(0);
    expect(lab.stdout.trim()).toMatch(/^erl_/);
    const whoami = await erlen(['whoami'], { token: lab.stdout.trim() });
    expect(whoami.stdout).toContain('host/lab2.example.com');

    const system = await erlen(
      [
        'system-create',
        'node1.example.com',
        '--lab-controller',
        LAB,
        '--arch',
        'x86_64',
        '--memory',
        '8192',
        '--power-type',
        'ipmilan',
        '--power-address',
        'bmc.example.com',
        '--power-password',
        'pw-secret',
        '--key-value',
        'HVM=1',
      ],
      { token: admin },
    );
    expect(system.stderr).toBe('');
    expect(system.code).toBe(0);
    const listed = await erlen(['system-list', '--lab-controller', LAB], { token: admin });
    expect(listed.stdout.split('\n')).toContain('node1.example.com');
    const filterFile = join(scratch, 'filter.xml');
    writeFileSync(filterFile, '<hostRequires><key_value key="HVM" op="=" value="1"/></hostRequires>');
    const filtered = await erlen(['system-list', '--xml-filter', filterFile], { token: admin });
    expect(filtered.stdout.trim().split('\n')).toEqual(['node1.example.com']);
    writeFileSync(filterFile, '<hostRequires><memory op="~" value="1"/></hostRequires>');
    const refused = await erlen(['system-list', '--xml-filter', filterFile], { token: admin });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/invalid host filter/);

    const trees = join(scratch, 'trees.json');
    writeFileSync(
      trees,
      JSON.stringify([
        {
          name: 'Debian-12',
          osMajor: 'Debian12',
          arch: 'x86_64',
          variant: '',
          labUrls: [{ labController: LAB, url: `http://${LAB}/debian/` }],
        },
      ]),
    );
    const imported = await erlen(['distro-trees-import', trees], { token: admin });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/Debian-12.*imported/);
  });

  it('refuses an ordinary user with the server\u2019s message', async () => {
    const run = await erlen(['labcontroller-create', 'lab3.example.com']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/administrators/);
  });
});

describe('erlen job-explain', () => {
  it('says why each recipe of a job waits, as text and as JSON', async () => {
    const file = join(scratch, 'waits.xml');
    writeFileSync(
      file,
      `<job><recipeSet><recipe><distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires>
        <hostRequires><system><memory op="&gt;=" value="999999"/></system></hostRequires><task name="/t"/></recipe></recipeSet></job>`,
    );
    const id = (await erlen(['job-submit', file])).stdout.trim();
    const text = await erlen(['job-explain', id]);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toMatch(/^R:\d+: none of \d+ systems satisfies its filter/);
    const json = await erlen(['job-explain', id, '--format', 'json']);
    const [explanation] = JSON.parse(json.stdout);
    expect(explanation).toMatchObject({ status: 'Queued', matching: 0, available: 0 });
  });

  it('refuses a taskspec it cannot explain before asking the server', async () => {
    const run = await erlen(['job-explain', 'T:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/T:1/);
  });
});
