import { formatKernelOptions, parseKernelOptions } from '../../../common/src/domain/kernel-options.js';
import type { SystemNames } from './system-names.js';

/** What every boot loader's file says: the images to load and the kernel command line. */
export interface BootEntry {
  /** TFTP-root-relative paths: loaders fetch them from the server they were loaded from. */
  kernel: string;
  initrd: string;
  /** From `initrd=` in the options (driver disks): loaded after the distro's initrd. */
  extraInitrds: string[];
  /** The command line without `initrd=`, which each loader spells its own way. */
  options: string;
}

export interface DefaultFile {
  path: string;
  content: string;
}

export interface Bootloader {
  name: string;
  /** Only systems of these arches get files (Beaker's arch-bound loaders); unset: every arch. */
  arches?: readonly string[];
  /** Per-system config files, relative to the TFTP root. */
  configPaths(names: SystemNames): string[];
  render(entry: BootEntry): string;
  /** What a system without its own file gets: its local disk. */
  defaults: readonly DefaultFile[];
}

export function bootEntry(fqdn: string, kernelOptions: string): BootEntry {
  const options = parseKernelOptions(kernelOptions);
  const extraInitrds = (options.get('initrd') ?? [])
    .flatMap((value) => (value ?? '').split(','))
    .filter((path) => path !== '');
  options.delete('initrd');
  return {
    kernel: `/images/${fqdn}/kernel`,
    initrd: `/images/${fqdn}/initrd`,
    extraInitrds,
    options: formatKernelOptions(options),
  };
}

/** Joins words, skipping empty ones, so no options means no double blank. */
const words = (...parts: string[]) => parts.filter((part) => part !== '').join(' ');
const lines = (...parts: string[]) => `${parts.join('\n')}\n`;

export function renderPxelinux(entry: BootEntry): string {
  const initrds = [entry.initrd, ...entry.extraInitrds].join(',');
  return lines(
    'default linux',
    'prompt 0',
    'timeout 100',
    'label linux',
    `    kernel ${entry.kernel}`,
    // Passes BOOTIF=<mac> so the installer uses the interface the system booted from.
    '    ipappend 2',
    `    append ${words(`initrd=${initrds}`, entry.options, 'netboot_method=pxe')}`,
  );
}

export function renderGrub2(entry: BootEntry): string {
  return lines(
    `linux ${words(entry.kernel, entry.options, 'netboot_method=grub2')}`,
    `initrd ${words(entry.initrd, ...entry.extraInitrds)}`,
    'boot',
  );
}

export function renderIpxe(entry: BootEntry): string {
  return lines(
    '#!ipxe',
    `kernel ${entry.kernel}`,
    `initrd ${entry.initrd}`,
    ...entry.extraInitrds.map((path) => `initrd ${path}`),
    // iPXE fills in the booting NIC's MAC; PXELINUX's ipappend 2 does the same.
    `imgargs kernel ${words('initrd=initrd', entry.options, 'netboot_method=ipxe', 'BOOTIF=01-${netX/mac:hexhyp}')}`,
    'boot',
  );
}

/** Where x86_64 GRUB2 builds look for `grub.cfg-*` (the last one for older builds). */
const GRUB2_X86_64_DIRS = ['EFI/BOOT', 'x86_64', 'boot/grub2'];

const dashedMac = (mac: string) => `01-${mac.replaceAll(':', '-')}`;

/**
 * Files under both names a system may be looked up by. PXELINUX and GRUB2 try `01-<mac>`,
 * then the hex IP (and its prefixes), then their default; iPXE loads whichever name the
 * site's chain script builds (`${net0/mac:hexraw}` or the hex IP).
 */
export const BOOTLOADERS: readonly Bootloader[] = [
  {
    name: 'pxelinux',
    configPaths: ({ hexIp, mac }) => [
      ...(hexIp ? [`pxelinux.cfg/${hexIp}`] : []),
      ...(mac ? [`pxelinux.cfg/${dashedMac(mac)}`] : []),
    ],
    render: renderPxelinux,
    defaults: [
      {
        path: 'pxelinux.cfg/default',
        content: lines('default local', 'prompt 0', 'timeout 0', 'label local', '    localboot 0'),
      },
    ],
  },
  {
    name: 'grub2-x86_64',
    arches: ['x86_64'],
    configPaths: ({ hexIp, mac }) =>
      GRUB2_X86_64_DIRS.flatMap((dir) => [
        ...(hexIp ? [`${dir}/grub.cfg-${hexIp}`] : []),
        ...(mac ? [`${dir}/grub.cfg-${dashedMac(mac)}`] : []),
      ]),
    render: renderGrub2,
    // `exit` hands the machine back to the firmware, which boots the next device.
    defaults: GRUB2_X86_64_DIRS.map((dir) => ({ path: `${dir}/grub.cfg`, content: lines('exit') })),
  },
  {
    name: 'ipxe',
    configPaths: ({ hexIp, mac }) => [
      ...(hexIp ? [`ipxe/${hexIp.toLowerCase()}`] : []),
      ...(mac ? [`ipxe/${mac.replaceAll(':', '')}`] : []),
    ],
    render: renderIpxe,
    defaults: [{ path: 'ipxe/default', content: lines('#!ipxe', 'exit') }],
  },
];
