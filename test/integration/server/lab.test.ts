import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SecretBox } from '../../../server/src/security/secret-box.js';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let labToken: string;
const LAB = 'lab.example.com';

beforeAll(async () => {
  server = await startTestServer();
  const lab = await server.app.inject({
    method: 'POST',
    url: '/labcontrollers',
    headers: bearer(server.adminToken),
    payload: { fqdn: LAB },
  });
  expect(lab.statusCode).toBe(201);
  labToken = lab.json().token;
});
afterAll(async () => server.close());

const post = (url: string, payload: object, token = server.adminToken) =>
  server.app.inject({ method: 'POST', url, headers: bearer(token), payload });
const get = (url: string, token = server.adminToken) =>
  server.app.inject({ method: 'GET', url, headers: bearer(token) });

const fullSystem = {
  fqdn: 'box1.example.com',
  labController: LAB,
  arches: ['x86_64', 'i386'],
  memory: 16384,
  numaNodes: 2,
  vendor: 'Acme',
  model: 'R1',
  location: 'rack 4',
  serial: 'SN1',
  hypervisor: null,
  cpu: {
    vendor: 'GenuineIntel',
    modelName: 'Xeon',
    family: 6,
    model: 85,
    stepping: 4,
    speed: 2400,
    processors: 16,
    cores: 8,
    sockets: 2,
    hyper: true,
    flags: ['vmx', 'lm'],
  },
  disks: [{ model: 'SSD', size: 500107862016, sectorSize: 512, physSectorSize: 4096 }],
  devices: [
    {
      vendorId: '8086',
      deviceId: '10d3',
      bus: 'pci',
      driver: 'e1000e',
      description: 'NIC',
      deviceClass: 'NETWORK',
    },
  ],
  keyValues: { HVM: '1', NR_ETH: 2, MODULE: ['kvm', 'kvm_intel'] },
  power: { type: 'ipmilan', address: 'bmc1.example.com', user: 'root', password: 'calvin-secret', id: '' },
};

describe('lab controllers', () => {
  it('get a service account whose token authenticates as a lab controller', async () => {
    const whoami = await get('/auth/whoami', labToken);
    expect(whoami.json()).toMatchObject({ username: `host/${LAB}`, kind: 'labcontroller' });
    expect((await get('/labcontrollers', labToken)).json().items).toEqual([
      expect.objectContaining({ fqdn: LAB, disabled: false }),
    ]);
  });

  it('refuses a duplicate or an invalid name', async () => {
    expect((await post('/labcontrollers', { fqdn: LAB })).statusCode).toBe(409);
    expect((await post('/labcontrollers', { fqdn: 'not a host' })).statusCode).toBe(400);
  });
});

describe('systems', () => {
  it('are created with their whole inventory', async () => {
    const response = await post('/systems', fullSystem);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      fqdn: 'box1.example.com',
      status: 'Automated',
      labController: LAB,
      arches: ['i386', 'x86_64'],
      owner: 'admin',
    });
    const detail = (await get('/systems/box1.example.com')).json();
    expect(detail).toMatchObject({
      memory: 16384,
      numaNodes: 2,
      cpu: expect.objectContaining({ processors: 16, flags: ['vmx', 'lm'] }),
      disks: [{ model: 'SSD', size: 500107862016, sectorSize: 512, physSectorSize: 4096 }],
      devices: [expect.objectContaining({ vendorId: '8086', driver: 'e1000e' })],
      keyValues: expect.arrayContaining([
        { key: 'HVM', value: '1' },
        { key: 'MODULE', value: 'kvm' },
        { key: 'MODULE', value: 'kvm_intel' },
      ]),
      power: {
        type: 'ipmilan',
        address: 'bmc1.example.com',
        user: 'root',
        id: '',
        quiescentPeriod: 5,
        hasPassword: true,
      },
    });
  });

  it('keep the power password encrypted at rest and never return it', async () => {
    const power = await server.db.power.findFirstOrThrow({ where: { system: { fqdn: 'box1.example.com' } } });
    expect(power.passwordEncrypted).not.toContain('calvin-secret');
    expect(new SecretBox(server.config.secretKey).open(power.passwordEncrypted!)).toBe('calvin-secret');
    const detail = await get('/systems/box1.example.com');
    expect(detail.body).not.toContain('calvin-secret');
    expect(detail.body).not.toContain(power.passwordEncrypted!);
  });

  it('show power settings to the owner only, and hide systems whose policy does not grant view', async () => {
    const user = await server.user('viewer');
    const seen = (await get('/systems/box1.example.com', user)).json();
    expect(seen.fqdn).toBe('box1.example.com');
    expect(seen.power).toBeUndefined();
    await post('/systems', {
      fqdn: 'private.example.com',
      labController: LAB,
      arches: ['x86_64'],
      accessPolicy: [{ user: 'admin', permission: 'view' }],
    });
    expect((await get('/systems/private.example.com', user)).statusCode).toBe(404);
    const names = (await get('/systems', user)).json().items.map((s: { fqdn: string }) => s.fqdn);
    expect(names).toContain('box1.example.com');
    expect(names).not.toContain('private.example.com');
    expect((await get('/systems')).json().items.map((s: { fqdn: string }) => s.fqdn)).toContain(
      'private.example.com',
    );
  });

  it('filter by arch and lab', async () => {
    await post('/systems', { fqdn: 'arm1.example.com', labController: LAB, arches: ['aarch64'] });
    const arm = (await get('/systems?arch=aarch64')).json();
    expect(arm.items.map((s: { fqdn: string }) => s.fqdn)).toEqual(['arm1.example.com']);
  });

  it.each([
    ['an unknown arch', { fqdn: 'b.example.com', labController: LAB, arches: ['z80'] }, /unknown arch/],
    [
      'an unknown lab',
      { fqdn: 'c.example.com', labController: 'nolab.example.com', arches: ['x86_64'] },
      /no lab controller/,
    ],
    [
      'an Automated system without a lab',
      { fqdn: 'd.example.com', status: 'Automated', arches: ['x86_64'] },
      /needs a lab controller/,
    ],
    [
      'a non-numeric value for a numeric key',
      { fqdn: 'e.example.com', arches: ['x86_64'], keyValues: { NR_ETH: 'two' } },
      /numeric/,
    ],
  ])('refuse %s and store nothing', async (_what, payload, message) => {
    const before = await server.db.system.count();
    const response = await post('/systems', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(message);
    expect(await server.db.system.count()).toBe(before);
  });
});

describe('system search with a host filter', () => {
  const search = async (filter: string, token = server.adminToken) => {
    const response = await server.app.inject({
      method: 'GET',
      url: '/systems',
      query: { filter },
      headers: bearer(token),
    });
    return { status: response.statusCode, body: response.json() };
  };
  const names = (body: { items: { fqdn: string }[] }) => body.items.map((s) => s.fqdn);

  it.each([
    ['<system><memory op=">=" value="8192"/></system>', ['box1.example.com']],
    ['<key_value key="HVM" op="=" value="1"/>', ['box1.example.com']],
    ['<cpu><flag value="vmx"/></cpu>', ['box1.example.com']],
    ['<device driver="e1000e" op="="/>', ['box1.example.com']],
    ['<disk><size op="&gt;" value="400" units="GB"/></disk>', ['box1.example.com']],
    ['<arch value="aarch64"/>', ['arm1.example.com']],
    [
      '<hostRequires><or><arch value="aarch64"/><system><vendor value="Acme"/></system></or></hostRequires>',
      ['arm1.example.com', 'box1.example.com'],
    ],
  ])('%s', async (filter, expected) => {
    const { status, body } = await search(filter);
    expect(status).toBe(200);
    expect(names(body)).toEqual(expected);
  });

  it('applies visibility before the filter', async () => {
    const viewer = await server.user('searcher');
    const all = await search('<system><name op="like" value="%.example.com"/></system>');
    expect(names(all.body)).toContain('private.example.com');
    const theirs = await search('<system><name op="like" value="%.example.com"/></system>', viewer);
    expect(names(theirs.body)).not.toContain('private.example.com');
    expect(names(theirs.body)).toContain('box1.example.com');
  });

  it('refuses a malformed or invalid filter with the line', async () => {
    const { status, body } = await search('<system>\n<memory op="~" value="1"/></system>');
    expect(status).toBe(400);
    expect(body.code).toBe('INVALID_FILTER');
    expect(body.details[0].line).toBe(2);
  });
});

describe('distro trees', () => {
  const tree = {
    name: 'Fedora-40',
    osMajor: 'Fedora40',
    arch: 'x86_64',
    variant: 'Everything',
    tags: ['RELEASED'],
    images: [
      { type: 'kernel', path: 'images/pxeboot/vmlinuz' },
      { type: 'initrd', path: 'images/pxeboot/initrd.img' },
    ],
    labUrls: [{ labController: LAB, url: `http://${LAB}/fedora/40/` }],
  };

  it('are imported by a lab controller and re-importing updates instead of duplicating', async () => {
    const first = await post('/distro-trees', tree, labToken);
    expect(first.statusCode).toBe(201);
    const again = await post(
      '/distro-trees',
      { ...tree, labUrls: [...tree.labUrls, { labController: LAB, url: `nfs://${LAB}:/fedora/40/` }] },
      labToken,
    );
    expect(again.json().id).toBe(first.json().id);
    const listed = (await get('/distro-trees?family=Fedora40')).json().items;
    expect(listed).toEqual([
      expect.objectContaining({
        distro: 'Fedora-40',
        arch: 'x86_64',
        variant: 'Everything',
        labUrls: expect.arrayContaining([expect.objectContaining({ url: `nfs://${LAB}:/fedora/40/` })]),
      }),
    ]);
  });

  it('refuse ordinary users', async () => {
    const user = await server.user('importer');
    expect((await post('/distro-trees', tree, user)).statusCode).toBe(403);
  });
});
