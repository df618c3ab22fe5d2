// Behaviour shared by all commands (configuration, usage errors, network errors) and the
// offline job-validate. HTTP goes to support/fake-api-server.ts, a stand-in for the Erlen
// server that answers per docs/api.md (not the real server).
import type { XmlIssue } from '../../../common/src/job-xml/types.js';
import { startFakeApiServer, type FakeApiServer } from './support/fake-api-server.js';
import { HOME, runCli, serverEnv } from './support/run-cli.js';

const ME = { username: 'alice', displayName: 'Alice', email: 'a@example.com', kind: 'user', admin: false };
const TOKEN = 'secret-token-123';
let server: FakeApiServer;

beforeEach(async () => {
  server = await startFakeApiServer();
  server.on('GET', '/auth/whoami', { body: ME });
});
afterEach(() => server.close());

describe('configuration', () => {
  it('reads URL and token from the default config file', async () => {
    const files = {
      [`${HOME}/.config/erlen/config.json`]: JSON.stringify({ url: server.url, token: 'file-token' }),
    };
    expect((await runCli(['whoami'], { files })).code).toBe(0);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer file-token');
  });

  it('reads the file named by ERLEN_CONFIG', async () => {
    const files = { '/etc/erlen.json': JSON.stringify({ url: server.url, token: 'other' }) };
    expect((await runCli(['whoami'], { files, env: { ERLEN_CONFIG: '/etc/erlen.json' } })).code).toBe(0);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer other');
  });

  it('lets --url and --token override, before or after the subcommand', async () => {
    const env = { ERLEN_URL: 'http://127.0.0.1:9', ERLEN_TOKEN: 'env-token' };
    expect((await runCli(['--url', server.url, 'whoami', '--token', 'flag-token'], { env })).code).toBe(0);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer flag-token');
  });

  it('explains missing or invalid settings and exits 1', async () => {
    const noUrl = await runCli(['whoami'], { env: { ERLEN_TOKEN: TOKEN } });
    expect(noUrl).toMatchObject({
      code: 1,
      stderr: `erlen: no server URL: set ERLEN_URL, pass --url, or put "url" in ${HOME}/.config/erlen/config.json\n`,
    });
    const badUrl = await runCli(['whoami'], { env: { ERLEN_URL: 'localhost:8080', ERLEN_TOKEN: TOKEN } });
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/^erlen: invalid server URL "localhost:8080" \(from ERLEN_URL\)/);
    expect(noUrl.stderr + badUrl.stderr).not.toContain(TOKEN);
  });

  it('says which server it cannot reach, without showing the token', async () => {
    const url = server.url;
    await server.close();
    server = await startFakeApiServer();
    const result = await runCli(['whoami'], { env: serverEnv(url) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^erlen: cannot reach ${url}: .*ECONNREFUSED`));
    expect(result.stderr).not.toContain(TOKEN);
  });

  it('adds a hint to UNAUTHENTICATED', async () => {
    server.on('GET', '/auth/whoami', {
      status: 401,
      body: { code: 'UNAUTHENTICATED', message: 'token expired' },
    });
    const result = await runCli(['whoami'], { env: serverEnv(server.url) });
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^erlen: token expired \(check the token/),
    });
  });
});

describe('usage', () => {
  it('exits 2 with an erlen: message for unknown commands, options and missing arguments', async () => {
    for (const argv of [['job-sumbit'], ['whoami', '--bogus'], ['job-cancel'], []]) {
      const result = await runCli(argv, { env: serverEnv(server.url) });
      expect([argv, result.code]).toEqual([argv, 2]);
      expect(result.stderr).toMatch(/erlen: |Usage: erlen/);
    }
    expect(server.requests).toHaveLength(0);
  });

  it('suggests the command meant', async () => {
    expect((await runCli(['job-sumbit'])).stderr).toContain('(Did you mean job-submit?)');
  });

  it('exits 0 for --help and --version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('job-watch');
    const version = await runCli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: '1.2.3\n' });
  });
});

describe('job-validate (offline)', () => {
  // common/src/job-xml owns the validation rules and their tests; here a stand-in validator
  // checks what the command does with its verdict.
  const validated: string[] = [];
  const loadJobXmlValidator = async () => async (text: string) => {
    validated.push(text);
    if (!text.includes('bad')) return { ok: true as const, warnings: [issue(2, 'deprecated attribute')] };
    return {
      ok: false as const,
      errors: [issue(4, 'element <recipe>: missing <distroRequires>'), { message: 'no recipe sets' }],
    };
  };
  const issue = (line: number, message: string): XmlIssue => ({ line, message });
  beforeEach(() => void validated.splice(0));

  it('prints FILE: valid with warnings on stderr, and needs no server or config', async () => {
    const result = await runCli(['job-validate', 'good.xml'], {
      files: { 'good.xml': '<job/>' },
      loadJobXmlValidator,
    });
    expect(result).toMatchObject({
      code: 0,
      stdout: 'good.xml: valid\n',
      stderr: 'good.xml:2: warning: deprecated attribute\n',
    });
    expect(validated).toEqual(['<job/>']);
    expect(server.requests).toHaveLength(0);
  });

  it('prints FILE:LINE: message per error and exits 1', async () => {
    const result = await runCli(['job-validate', 'bad.xml'], {
      files: { 'bad.xml': '<bad/>' },
      loadJobXmlValidator,
    });
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'bad.xml:4: element <recipe>: missing <distroRequires>\nbad.xml: no recipe sets\n',
    });
  });

  it('reads standard input for "-" and checks every file given', async () => {
    const result = await runCli(['job-validate', '-', 'missing.xml', 'good.xml'], {
      stdin: '<job id="stdin"/>',
      files: { 'good.xml': '<job/>' },
      loadJobXmlValidator,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('<stdin>: valid\ngood.xml: valid\n');
    expect(result.stderr).toContain('erlen: cannot read missing.xml: no such file\n');
    expect(validated).toEqual(['<job id="stdin"/>', '<job/>']);
  });
});
