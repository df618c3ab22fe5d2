import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BOOTLOADERS } from '../netboot/bootloaders.js';
import { namesForClear } from '../netboot/system-names.js';

/** What a netbooting machine's firmware would boot: the kernel and its command line. */
export interface NetbootedKernel {
  kernel: string;
  cmdline: string;
}

/**
 * Reads the iPXE file this lab controller wrote for the MAC, as a real machine's iPXE would
 * chain to it. Undefined when there is none (the machine would boot from its local disk).
 */
export async function readNetbootedKernel(
  tftpRoot: string,
  fqdn: string,
  mac: string,
): Promise<NetbootedKernel | undefined> {
  const ipxe = BOOTLOADERS.find((loader) => loader.name === 'ipxe')!;
  const names = namesForClear({ fqdn, macAddress: mac });
  if (!names.mac) return undefined;
  const path = ipxe.configPaths({ fqdn, mac: names.mac }).at(-1)!;
  let script: string;
  try {
    script = await readFile(join(tftpRoot, path), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseIpxeScript(script, names.mac);
}

/** The `kernel` and `imgargs kernel …` lines of an iPXE script, with iPXE's MAC setting filled in. */
export function parseIpxeScript(script: string, mac: string): NetbootedKernel | undefined {
  let kernel: string | undefined;
  let cmdline = '';
  for (const line of script.split('\n').map((l) => l.trim())) {
    if (line.startsWith('kernel ')) kernel = line.slice('kernel '.length).trim();
    else if (line.startsWith('imgargs kernel ')) cmdline = line.slice('imgargs kernel '.length).trim();
  }
  if (!kernel) return undefined;
  return { kernel, cmdline: cmdline.replaceAll('${netX/mac:hexhyp}', mac.replaceAll(':', '-')) };
}
