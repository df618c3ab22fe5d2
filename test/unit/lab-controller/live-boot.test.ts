import { describe, expect, it } from '@jest/globals';
import type { CommandNetboot } from '../../../common/src/api/lab-commands.js';
import { parseKernelOptions } from '../../../common/src/domain/kernel-options.js';
import { bootEntry, renderIpxe } from '../../../lab-controller/src/netboot/bootloaders.js';
import { kernelOptionsForBoot } from '../../../lab-controller/src/netboot/harness-options.js';
import { parseIpxeScript } from '../../../lab-controller/src/simulated/boot-entry.js';

const netboot = (overrides: Partial<CommandNetboot>): CommandNetboot => ({
  arch: 'x86_64',
  distroTreeId: 1,
  kernelUrl: 'http://lab/tree/vmlinuz',
  initrdUrl: 'http://lab/tree/initrd.img',
  kernelOptions: 'console=ttyS0',
  treeKind: 'live',
  recipeId: 42,
  installationId: 7,
  ...overrides,
});

describe('kernel options for the harness of a live image', () => {
  it('tells a live image its recipe and this lab controller', () => {
    const options = parseKernelOptions(kernelOptionsForBoot(netboot({}), 'http://lc.example.com:8000'));
    expect(options.get('erlen.recipe')).toEqual(['42']);
    expect(options.get('erlen.lc')).toEqual(['http://lc.example.com:8000/']);
    expect(options.get('console')).toEqual(['ttyS0']);
  });

  it('cannot be pointed elsewhere by tree, system or recipe options', () => {
    const spoofed = netboot({ kernelOptions: 'erlen.recipe=7 erlen.lc=http://evil/ quiet' });
    const options = parseKernelOptions(kernelOptionsForBoot(spoofed, 'http://lc:8000/'));
    expect(options.get('erlen.recipe')).toEqual(['42']);
    expect(options.get('erlen.lc')).toEqual(['http://lc:8000/']);
    expect(options.has('quiet')).toBe(true);
  });

  it('points an installer at its kickstart, unless the recipe brought its own', () => {
    const installer = (kernelOptions: string) =>
      kernelOptionsForBoot(netboot({ treeKind: 'installer', kernelOptions }), 'http://lc:8000');
    expect(installer('console=ttyS0')).toBe('ks=http://lc:8000/kickstart/7 console=ttyS0');
    expect(installer('console=ttyS0 ks=http://mine/ks.cfg')).toBe('console=ttyS0 ks=http://mine/ks.cfg');
    expect(installer('inst.ks=nfs:mine:/ks.cfg')).toBe('inst.ks=nfs:mine:/ks.cfg');
  });

  it('leaves provisioning without a recipe or installation alone', () => {
    expect(kernelOptionsForBoot(netboot({ recipeId: null }), 'http://lc/')).toBe('console=ttyS0');
    const manual = netboot({ treeKind: 'installer', installationId: null });
    expect(kernelOptionsForBoot(manual, 'http://lc/')).toBe('console=ttyS0');
  });
});

describe('what a simulated machine netboots', () => {
  it('reads back the kernel and command line of the iPXE script the lab controller writes', () => {
    const script = renderIpxe(bootEntry('sim1.lab', 'erlen.recipe=42 erlen.lc=http://lc:8000/'));
    const booted = parseIpxeScript(script, '52:54:00:00:10:01');
    expect(booted?.kernel).toBe('/images/sim1.lab/kernel');
    const words = booted?.cmdline.split(' ');
    expect(words).toEqual(expect.arrayContaining(['erlen.recipe=42', 'erlen.lc=http://lc:8000/']));
    // iPXE fills in the booting NIC's MAC.
    expect(words).toContain('BOOTIF=01-52-54-00-00-10-01');
  });

  it('finds nothing to boot in the local-boot default', () => {
    expect(parseIpxeScript('#!ipxe\nexit\n', '52:54:00:00:10:01')).toBeUndefined();
  });
});
