import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BOOTLOADERS, bootEntry } from './bootloaders.js';
import { writeFileAtomically, writeFileIfMissing } from './files.js';
import { installImages } from './images.js';
import { namesForClear, namesForConfigure, type NetbootSystem } from './system-names.js';

// Netboot files in the lab's TFTP root, Beaker's layout (reference/beaker.md §5.2): the tree's
// images under `images/<fqdn>/` and a config file for every boot loader, so a system boots
// whatever its firmware or DHCP picks.

export { hexIp, type NetbootSystem } from './system-names.js';

export interface NetbootSpec extends NetbootSystem {
  arch: string;
  distroTreeId: number;
  kernelUrl: string;
  initrdUrl: string;
  /** Already layered by the server (tree, system, recipe). */
  kernelOptions: string;
}

export interface NetbootOptions {
  /** How long a download may receive nothing before it fails (Beaker: 120 s). */
  fetchTimeoutMs?: number;
}

export async function configureNetboot(
  tftpRoot: string,
  spec: NetbootSpec,
  options: NetbootOptions = {},
): Promise<void> {
  // Checked before downloading: a system that cannot be netbooted needs no images.
  const names = namesForConfigure(spec);
  const entry = bootEntry(spec.fqdn, spec.kernelOptions);
  // Images first, so no config ever points at an image that is not there yet.
  await installImages(tftpRoot, spec.fqdn, spec, options.fetchTimeoutMs);
  // A TFTP root emptied while the daemon runs still gets its local-boot fallbacks.
  await writeDefaultConfigs(tftpRoot);
  for (const loader of BOOTLOADERS) {
    const paths = loader.configPaths(names).map((path) => join(tftpRoot, path));
    if (!loader.arches || loader.arches.includes(spec.arch)) {
      const content = loader.render(entry);
      for (const path of paths) await writeFileAtomically(path, content);
    } else {
      // Left from a provisioning of another arch, it would boot this tree with stale options.
      for (const path of paths) await rm(path, { force: true });
    }
  }
}

/** Removes the system's files and images; idempotent. Defaults and the tree cache stay. */
export async function clearNetboot(tftpRoot: string, system: NetbootSystem): Promise<void> {
  const names = namesForClear(system);
  for (const loader of BOOTLOADERS) {
    for (const path of loader.configPaths(names)) await rm(join(tftpRoot, path), { force: true });
  }
  await rm(join(tftpRoot, 'images', names.fqdn), { recursive: true, force: true });
}

/** Local-boot defaults for systems without files of their own; a site's own ones are kept. */
export async function writeDefaultConfigs(tftpRoot: string): Promise<void> {
  for (const loader of BOOTLOADERS) {
    for (const file of loader.defaults) await writeFileIfMissing(join(tftpRoot, file.path), file.content);
  }
}
