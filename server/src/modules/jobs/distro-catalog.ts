import { matchesDistroFilter } from '../../../../common/src/job-xml/index.js';
import type { DistroFilter, DistroTreeFacts } from '../../../../common/src/job-xml/types.js';
import type { Db } from '../../db/prisma.js';

export interface CatalogTree extends DistroTreeFacts {
  id: number;
  createdAt: Date;
}

/**
 * Distro trees that some lab serves, with the facts `<distroRequires>` filters look at.
 * Beaker picks the newest matching tree that exists in at least one lab.
 */
export async function loadDistroCatalog(db: Db): Promise<CatalogTree[]> {
  const trees = await db.distroTree.findMany({
    where: { labUrls: { some: { labController: { removedAt: null } } } },
    include: {
      arch: true,
      distro: { include: { osVersion: { include: { osMajor: true } } } },
      labUrls: { where: { labController: { removedAt: null } }, include: { labController: true } },
    },
  });
  return trees.map((tree) => ({
    id: tree.id,
    createdAt: tree.createdAt,
    name: tree.distro.name,
    family: tree.distro.osVersion.osMajor.name,
    variant: tree.variant,
    arch: tree.arch.name,
    tags: tree.distro.tags,
    methods: [...new Set(tree.labUrls.map((u) => u.url.split(':')[0] ?? ''))],
    labControllers: [...new Set(tree.labUrls.map((u) => u.labController.fqdn))],
  }));
}

export function newestMatchingTree(
  catalog: readonly CatalogTree[],
  filter: DistroFilter,
): CatalogTree | undefined {
  let best: CatalogTree | undefined;
  for (const tree of catalog) {
    if (!matchesDistroFilter(filter, tree)) continue;
    if (
      !best ||
      tree.createdAt > best.createdAt ||
      (tree.createdAt.getTime() === best.createdAt.getTime() && tree.id > best.id)
    ) {
      best = tree;
    }
  }
  return best;
}
