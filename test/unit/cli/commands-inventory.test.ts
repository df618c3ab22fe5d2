// Lab inventory commands end to end against support/fake-api-server.ts, a stand-in for
// the Erlen server that answers per docs/api.md (not the real server).
import { startFakeApiServer, type FakeApiServer } from './support/fake-api-server.js';
import { runCli, serverEnv } from './support/run-cli.js';

let server: FakeApiServer;
let env: Record<string, string>;

beforeEach(async () => {
  server = await startFakeApiServer();
  env = serverEnv(server.url);
});
afterEach(() => server.close());

const body = (index = 0): unknown => JSON.parse(server.requests[index]?.body ?? 'null');

describe('labcontroller-create and -list', () => {
  it('prints the new account token alone on stdout, with the note on stderr', async () => {
    server.on('POST', '/labcontrollers', {
      status: 201,
      body: { fqdn: 'lab1.example.com', username: 'host/lab1.example.com', token: 'lc-token-xyz' },
    });
    const result = await runCli(['labcontroller-create', 'lab1.example.com'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('lc-token-xyz\n');
    expect(result.stderr).toMatch(
      /^Created lab controller lab1\.example\.com with account host\/lab1\.example\.com\./,
    );
    expect(result.stderr).toContain('shown only this once');
    expect(body()).toEqual({ fqdn: 'lab1.example.com' });
  });

  it('lists FQDNs, or the items as JSON', async () => {
    const items = [
      { fqdn: 'lab1', disabled: false, lastSeenAt: '2025-05-01T10:00:00Z' },
      { fqdn: 'lab2', disabled: true },
    ];
    server.on('GET', '/labcontrollers', { body: { items } });
    expect((await runCli(['labcontroller-list'], { env })).stdout).toBe('lab1\nlab2\n');
    expect(JSON.parse((await runCli(['labcontroller-list', '--format', 'json'], { env })).stdout)).toEqual(
      items,
    );
  });

  it('passes on a refusal from the server', async () => {
    server.on('POST', '/labcontrollers', {
      status: 403,
      body: { code: 'FORBIDDEN', message: 'admins only' },
    });
    const result = await runCli(['labcontroller-create', 'lab1'], { env });
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'erlen: admins only (the account behind the token may not do this)\n',
    });
  });
});

describe('system-create', () => {
  it('posts a SystemInput built from the flags', async () => {
    server.on('POST', '/systems', (req) => ({ status: 201, body: { fqdn: JSON.parse(req.body).fqdn } }));
    const result = await runCli(
      [
        'system-create',
        'host1.example.com',
        '--lab-controller',
        'lab1',
        '--arch',
        'x86_64',
        '--arch',
        'i386',
        '--status',
        'Manual',
        '--type',
        'Machine',
        '--memory',
        '8192',
        '--power-type',
        'ipmilan',
        '--power-address',
        'bmc1',
        '--power-user',
        'root',
        '--power-password',
        'calvin',
        '--power-id',
        '1',
        '--owner',
        'bob',
        '--location',
        'rack 4',
        '--vendor',
        'Dell',
        '--model',
        'R650',
        '--key-value',
        'NETBOOT=ipxe',
        '--key-value',
        'NIC=e1000',
        '--key-value',
        'NIC=igb',
      ],
      { env },
    );
    expect(result).toMatchObject({ code: 0, stdout: 'Created system host1.example.com\n' });
    expect(body()).toEqual({
      fqdn: 'host1.example.com',
      labController: 'lab1',
      arches: ['x86_64', 'i386'],
      status: 'Manual',
      type: 'Machine',
      memory: 8192,
      power: { type: 'ipmilan', address: 'bmc1', user: 'root', password: 'calvin', id: '1' },
      owner: 'bob',
      location: 'rack 4',
      vendor: 'Dell',
      model: 'R650',
      keyValues: { NETBOOT: 'ipxe', NIC: ['e1000', 'igb'] },
    });
    expect(result.stdout + result.stderr).not.toContain('calvin');
  });

  it('posts a --json document with flags taking precedence', async () => {
    server.on('POST', '/systems', { status: 201, body: { fqdn: 'vm1' } });
    const doc = { fqdn: 'vm1', arches: ['aarch64'], memory: 1024, hypervisor: 'KVM', disks: [{ size: 10 }] };
    const result = await runCli(['system-create', '--json', 'vm1.json', '--memory', '2048'], {
      env,
      files: { 'vm1.json': JSON.stringify(doc) },
    });
    expect(result.code).toBe(0);
    expect(body()).toEqual({ ...doc, memory: 2048 });
  });

  it('refuses bad input before calling the server', async () => {
    const cases = [
      ['system-create'],
      ['system-create', 'h', '--memory', 'lots'],
      ['system-create', 'h', '--status', 'Sleeping'],
      ['system-create', 'h', '--key-value', 'novalue'],
      ['system-create', 'h', '--power-user', 'root'],
    ];
    for (const argv of cases) expect([argv, (await runCli(argv, { env })).code]).toEqual([argv, 2]);
    expect((await runCli(['system-create', '--json', 'nope.json'], { env })).code).toBe(1);
    expect(server.requests).toHaveLength(0);
  });
});

describe('system-list', () => {
  it('sends the filters and follows pages until total', async () => {
    server.on('GET', '/systems', (req) => {
      const offset = Number(req.query.get('offset') ?? 0);
      const all = ['a.example', 'b.example', 'c.example'];
      return { body: { items: all.slice(offset, offset + 2).map((fqdn) => ({ fqdn })), total: all.length } };
    });
    const result = await runCli(
      ['system-list', '--status', 'automated', '--lab-controller', 'lab1', '--arch', 'x86_64'],
      { env },
    );
    expect(result).toMatchObject({ code: 0, stdout: 'a.example\nb.example\nc.example\n' });
    expect(server.requests.map((r) => r.query.toString())).toEqual([
      'status=Automated&labController=lab1&arch=x86_64',
      'status=Automated&labController=lab1&arch=x86_64&offset=2',
    ]);
  });

  it('stops on an empty page even if total promises more', async () => {
    server.on('GET', '/systems', { body: { items: [], total: 10 } });
    const result = await runCli(['system-list', '--format', 'json'], { env });
    expect(result).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('distro-trees-import', () => {
  const tree = (arch: string): Record<string, unknown> => ({
    name: 'Fedora-41',
    osMajor: 'Fedora41',
    arch,
    variant: 'Server',
    labUrls: [{ labController: 'lab1', url: `http://lab1/f41/${arch}/` }],
  });

  it('posts each tree of an array and reports each import', async () => {
    let id = 10;
    server.on('POST', '/distro-trees', (req) => {
      const input = JSON.parse(req.body) as { name: string; arch: string; variant: string };
      return {
        status: 201,
        body: { id: id++, distro: input.name, arch: input.arch, variant: input.variant },
      };
    });
    const result = await runCli(['distro-trees-import', 'trees.json'], {
      env,
      files: { 'trees.json': JSON.stringify([tree('x86_64'), tree('aarch64')]) },
    });
    expect(result).toMatchObject({
      code: 0,
      stdout: 'Fedora-41 Server x86_64: imported (id 10)\nFedora-41 Server aarch64: imported (id 11)\n',
    });
    expect([body(0), body(1)]).toEqual([tree('x86_64'), tree('aarch64')]);
  });

  it('reads one tree from standard input and reports a refused one by name', async () => {
    server.on('POST', '/distro-trees', {
      status: 400,
      body: { code: 'BAD_REQUEST', message: 'labUrls: unknown lab controller lab9' },
    });
    const result = await runCli(['distro-trees-import', '-'], { env, stdin: JSON.stringify(tree('s390x')) });
    expect(result).toMatchObject({
      code: 1,
      stderr: 'erlen: Fedora-41 Server s390x: labUrls: unknown lab controller lab9\n',
    });
  });

  it('rejects malformed JSON without calling the server', async () => {
    const result = await runCli(['distro-trees-import', '-'], { env, stdin: '[{"name": "x"' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^erlen: <stdin> is not valid JSON/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('whoami', () => {
  it('prints the account as JSON', async () => {
    const me = {
      username: 'alice',
      displayName: 'Alice',
      email: 'alice@example.com',
      kind: 'user',
      admin: true,
    };
    server.on('GET', '/auth/whoami', { body: me });
    const result = await runCli(['whoami'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(me);
  });
});
