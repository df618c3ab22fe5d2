import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  clearNetboot,
  configureNetboot,
  hexIp,
  writeDefaultConfigs,
  type NetbootSpec,
} from '../../../lab-controller/src/netboot/netboot.js';

let dir: string;
let root: string;
let spec: NetbootSpec;

/** Every file under `base`, relative and sorted. */
const files = async (base: string) =>
  (await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(base, join(entry.parentPath, entry.name)))
    .sort();
const read = (path: string) => readFile(join(root, path), 'utf8');
/** Config files only: no images, no tree cache. */
const configs = async () => (await files(root)).filter((f) => !/^(images|distrotrees)\//.test(f));

const grubDirs = ['EFI/BOOT', 'boot/grub2', 'x86_64'];
const DEFAULTS = ['ipxe/default', 'pxelinux.cfg/default', ...grubDirs.map((d) => `${d}/grub.cfg`)].sort();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'erlen-netboot-'));
  root = join(dir, 'tftp');
  await writeFile(join(dir, 'vmlinuz'), 'KERNEL');
  await writeFile(join(dir, 'initrd.img'), 'INITRD');
  spec = {
    fqdn: 'host-1.lab.example.com',
    macAddress: '52:54:00:AB:cd:0F',
    ipAddress: '192.168.1.10',
    arch: 'x86_64',
    distroTreeId: 7,
    kernelUrl: pathToFileURL(join(dir, 'vmlinuz')).href,
    initrdUrl: pathToFileURL(join(dir, 'initrd.img')).href,
    kernelOptions: 'console=ttyS0,115200 "title=My test" quiet',
  };
});

afterEach(() => rm(dir, { recursive: true, force: true }));

describe('hexIp', () => {
  it('writes an IPv4 address as eight upper-case hex digits', () => {
    expect(hexIp('192.168.1.10')).toBe('C0A8010A');
    expect(hexIp('10.0.0.255')).toBe('0A0000FF');
  });

  it.each(['192.168.1', '256.1.1.1', 'fe80::1', 'host'])('refuses %p', (ip) => {
    expect(() => hexIp(ip)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});

describe('configureNetboot', () => {
  const [kernel, initrd] = ['kernel', 'initrd'].map((name) => `/images/host-1.lab.example.com/${name}`);
  const options = 'console=ttyS0,115200 title="My test" quiet';
  const pxelinux = `default linux
prompt 0
timeout 100
label linux
    kernel ${kernel}
    ipappend 2
    append initrd=${initrd} ${options} netboot_method=pxe
`;
  const grub2 = `linux ${kernel} ${options} netboot_method=grub2\ninitrd ${initrd}\nboot\n`;
  const ipxe = `#!ipxe
kernel ${kernel}
initrd ${initrd}
imgargs kernel initrd=initrd ${options} netboot_method=ipxe BOOTIF=01-\${netX/mac:hexhyp}
boot
`;

  it('writes images and every boot loader’s files, by hex IP and by MAC', async () => {
    await configureNetboot(root, spec);
    const perSystem = [
      'pxelinux.cfg/C0A8010A',
      'pxelinux.cfg/01-52-54-00-ab-cd-0f',
      ...grubDirs.flatMap((d) => [`${d}/grub.cfg-C0A8010A`, `${d}/grub.cfg-01-52-54-00-ab-cd-0f`]),
      'ipxe/c0a8010a',
      'ipxe/525400abcd0f',
    ];
    const images = ['images/host-1.lab.example.com/initrd', 'images/host-1.lab.example.com/kernel'];
    const cache = ['distrotrees/7/initrd', 'distrotrees/7/kernel'];
    expect(await files(root)).toEqual([...perSystem, ...images, ...cache, ...DEFAULTS].sort());
    for (const name of perSystem.filter((n) => n.startsWith('pxelinux')))
      expect(await read(name)).toBe(pxelinux);
    for (const name of perSystem.filter((n) => n.includes('grub'))) expect(await read(name)).toBe(grub2);
    for (const name of perSystem.filter((n) => n.startsWith('ipxe'))) expect(await read(name)).toBe(ipxe);
    expect(await read(images[1]!)).toBe('KERNEL');
    expect(await read(images[0]!)).toBe('INITRD');
    // Hard-linked from the tree's cache, not a second copy.
    expect((await stat(join(root, images[1]!))).ino).toBe((await stat(join(root, cache[1]!))).ino);
  });

  it('names files by MAC alone when the IP is not known', async () => {
    await configureNetboot(root, { ...spec, ipAddress: null, macAddress: '52-54-00-AB-CD-0F' });
    expect(await configs()).toEqual(
      [
        'pxelinux.cfg/01-52-54-00-ab-cd-0f',
        'ipxe/525400abcd0f',
        ...grubDirs.map((d) => `${d}/grub.cfg-01-52-54-00-ab-cd-0f`),
        ...DEFAULTS,
      ].sort(),
    );
  });

  it('writes no x86_64 GRUB2 files for another arch, and removes ones left from x86_64', async () => {
    await configureNetboot(root, spec);
    await configureNetboot(root, { ...spec, arch: 'i386' });
    const pxeAndIpxe = [
      'pxelinux.cfg/C0A8010A',
      'pxelinux.cfg/01-52-54-00-ab-cd-0f',
      'ipxe/c0a8010a',
      'ipxe/525400abcd0f',
    ];
    expect(await configs()).toEqual([...pxeAndIpxe, ...DEFAULTS].sort());
  });

  it('appends initrd= from the options to the distro’s initrd, as Beaker does', async () => {
    await configureNetboot(root, { ...spec, kernelOptions: 'initrd=/dd/a.img,/dd/b.img quiet' });
    expect(await read('pxelinux.cfg/C0A8010A')).toContain(
      '    append initrd=/images/host-1.lab.example.com/initrd,/dd/a.img,/dd/b.img quiet netboot_method=pxe\n',
    );
    expect(await read('x86_64/grub.cfg-C0A8010A')).toContain(
      'initrd /images/host-1.lab.example.com/initrd /dd/a.img /dd/b.img\n',
    );
    expect(await read('ipxe/c0a8010a')).toContain(
      'initrd /images/host-1.lab.example.com/initrd\ninitrd /dd/a.img\ninitrd /dd/b.img\nimgargs kernel initrd=initrd quiet netboot_method=ipxe ',
    );
  });

  it('refuses a system with neither MAC nor IP, naming it, before downloading', async () => {
    const promise = configureNetboot(root, { ...spec, macAddress: null, ipAddress: '' });
    await expect(promise).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('host-1'),
    });
    expect(await files(root)).toEqual([]);
  });

  it.each(['..', '../etc', 'a/b', '.hidden', '', 'host 1', 'x:y'])('refuses the fqdn %p', async (fqdn) => {
    await expect(configureNetboot(root, { ...spec, fqdn })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(clearNetboot(root, { ...spec, fqdn })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await files(dir)).toEqual(['initrd.img', 'vmlinuz']);
  });

  it('refuses a malformed MAC or IP', async () => {
    await expect(configureNetboot(root, { ...spec, macAddress: '52:54:00' })).rejects.toThrow(/not a MAC/);
    await expect(configureNetboot(root, { ...spec, ipAddress: '10.0.0.300' })).rejects.toThrow(/not an IPv4/);
  });

  it('fails a missing file:// image with its URL and leaves nothing half-written', async () => {
    const kernelUrl = pathToFileURL(join(dir, 'missing')).href;
    const failure = configureNetboot(root, { ...spec, kernelUrl });
    await expect(failure).rejects.toMatchObject({ code: 'IMAGE_FETCH_FAILED' });
    await expect(failure).rejects.toThrow(`cannot fetch ${kernelUrl} for distro tree 7: ENOENT`);
    expect(await files(root)).toEqual([]);
  });
});

describe('writeDefaultConfigs', () => {
  it('makes every loader fall back to the local disk', async () => {
    await writeDefaultConfigs(root);
    expect(await files(root)).toEqual(DEFAULTS);
    expect(await read('pxelinux.cfg/default')).toBe(
      'default local\nprompt 0\ntimeout 0\nlabel local\n    localboot 0\n',
    );
    for (const d of grubDirs) expect(await read(`${d}/grub.cfg`)).toBe('exit\n');
    expect(await read('ipxe/default')).toBe('#!ipxe\nexit\n');
  });

  it('keeps a site’s own default', async () => {
    await mkdir(join(root, 'pxelinux.cfg'), { recursive: true });
    await writeFile(join(root, 'pxelinux.cfg/default'), 'menu of distros\n');
    await writeDefaultConfigs(root);
    await configureNetboot(root, spec);
    expect(await read('pxelinux.cfg/default')).toBe('menu of distros\n');
  });
});

describe('clearNetboot', () => {
  it('removes the system’s files and images only, and again without complaint', async () => {
    const other = { fqdn: 'other.example.com', macAddress: null, ipAddress: '10.0.0.2' };
    await configureNetboot(root, { ...spec, ...other });
    const before = await files(root);
    await configureNetboot(root, spec);
    await clearNetboot(root, spec);
    expect(await files(root)).toEqual(before);
    await clearNetboot(root, spec);
    await clearNetboot(root, { fqdn: 'never.example.com', macAddress: 'junk', ipAddress: null });
    expect(await files(root)).toEqual(before);
  });
});

describe('downloads over HTTP', () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/tree/vmlinuz') res.end('HTTP-KERNEL');
      else if (req.url === '/tree/initrd.img') res.end('HTTP-INITRD');
      // Sends a little, then nothing: the client must give up on its own.
      else if (req.url === '/stall/initrd.img') res.write('PART');
      else res.writeHead(404, 'Not Found').end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    requests.length = 0;
    spec = { ...spec, kernelUrl: `${base}/tree/vmlinuz`, initrdUrl: `${base}/tree/initrd.img` };
  });

  it('downloads a tree’s images once, for every system and concurrent configures alike', async () => {
    const configure = (name: string) => configureNetboot(root, { ...spec, fqdn: `${name}.example.com` });
    await Promise.all([configure('a'), configure('b')]);
    await configure('c');
    expect(requests.sort()).toEqual(['/tree/initrd.img', '/tree/vmlinuz']);
    expect(await read('images/c.example.com/kernel')).toBe('HTTP-KERNEL');
    expect(await read('images/a.example.com/initrd')).toBe('HTTP-INITRD');
  });

  it('fails a 404 with the URL and status, keeping no partial file and linking nothing', async () => {
    const initrdUrl = `${base}/missing/initrd.img`;
    const failure = configureNetboot(root, { ...spec, initrdUrl });
    await expect(failure).rejects.toMatchObject({
      code: 'IMAGE_FETCH_FAILED',
      message: `cannot fetch ${initrdUrl} for distro tree 7: HTTP 404 Not Found`,
    });
    // The kernel arrived whole and stays cached; the system has no images and no configs.
    expect(await files(root)).toEqual(['distrotrees/7/kernel']);
  });

  it('gives up on a server that stops sending', async () => {
    const initrdUrl = `${base}/stall/initrd.img`;
    const failure = configureNetboot(root, { ...spec, initrdUrl }, { fetchTimeoutMs: 200 });
    await expect(failure).rejects.toThrow(`cannot fetch ${initrdUrl} for distro tree 7: no data for 200 ms`);
    expect(await files(root)).toEqual(['distrotrees/7/kernel']);
  });
});
