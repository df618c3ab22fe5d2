import type { CommandNetboot } from '../../../common/src/api/lab-commands.js';
import { formatKernelOptions, layerKernelOptions } from '../../../common/src/domain/kernel-options.js';

/**
 * What this lab controller adds to the layered kernel options. A live image's harness reads
 * `erlen.recipe=<id> erlen.lc=<harness API URL>` (docs/harness.md); they go on top, so no
 * tree, system or recipe option can point a harness at another recipe or lab controller. An
 * installer gets `ks=<harness API>/kickstart/<installation id>` (Beaker's `ks=`).
 */
export function kernelOptionsForBoot(netboot: CommandNetboot, harnessUrl: string): string {
  const lc = harnessUrl.replace(/\/?$/, '/');
  if (netboot.treeKind === 'live' && netboot.recipeId !== null)
    return formatKernelOptions(
      layerKernelOptions(netboot.kernelOptions, `erlen.recipe=${String(netboot.recipeId)} erlen.lc=${lc}`),
    );
  if (netboot.treeKind === 'installer' && netboot.installationId !== null) {
    // An installer fetches its kickstart here, unless the recipe brought its own (Beaker).
    const options = layerKernelOptions(netboot.kernelOptions);
    if (options.has('ks') || options.has('inst.ks')) return netboot.kernelOptions;
    return formatKernelOptions(
      layerKernelOptions(`ks=${lc}kickstart/${String(netboot.installationId)}`, netboot.kernelOptions),
    );
  }
  return netboot.kernelOptions;
}
