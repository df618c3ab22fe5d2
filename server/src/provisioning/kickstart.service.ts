import { formatTaskspec } from '../../../common/src/domain/taskspec.js';
import { ErlenError } from '../../../common/src/errors.js';
import type { Db } from '../db/prisma.js';
import { labTreeUrl, type LabIdentity } from '../modules/lab/commands.service.js';
import { renderKickstart } from './kickstart.js';

/**
 * The kickstart of an installation on a system of this lab, rendered on first request and
 * kept (Beaker's rendered_kickstart), so every fetch during one installation gets the same.
 */
export async function installationKickstart(
  db: Db,
  lab: LabIdentity,
  installationId: number,
  harnessUrl: string,
): Promise<string> {
  const installation = await db.installation.findFirst({
    where: { id: installationId, system: { labControllerId: lab.id } },
    include: {
      system: { select: { fqdn: true } },
      recipe: {
        select: { id: true, ksMeta: true, packages: true, repos: true, ksAppends: true, kickstart: true },
      },
      distroTree: { select: { ksMeta: true, labUrls: { select: { labControllerId: true, url: true } } } },
    },
  });
  if (!installation?.system || !installation.recipe || !installation.distroTree)
    throw new ErlenError(
      'NOT_FOUND',
      `no installation ${String(installationId)} for a recipe in lab ${lab.fqdn}`,
    );
  if (installation.renderedKickstart !== null) return installation.renderedKickstart;
  const treeUrl = labTreeUrl(installation.distroTree.labUrls, lab.id);
  if (!treeUrl)
    throw new ErlenError(
      'NOT_FOUND',
      `lab ${lab.fqdn} has no URL for the tree of ${formatTaskspec('R', installation.recipe.id)}`,
    );
  const recipe = installation.recipe;
  const text = renderKickstart({
    recipeId: recipe.id,
    fqdn: installation.system.fqdn,
    treeUrl,
    ksMeta: [installation.distroTree.ksMeta, recipe.ksMeta],
    packages: recipe.packages,
    repos: recipe.repos as { name: string; url: string }[],
    ksAppends: recipe.ksAppends,
    custom: recipe.kickstart,
    harnessUrl: harnessUrl.replace(/\/?$/, '/'),
  });
  // Conditional, so two first fetches racing both answer what was stored.
  await db.installation.updateMany({
    where: { id: installation.id, renderedKickstart: null },
    data: { renderedKickstart: text },
  });
  const stored = await db.installation.findUniqueOrThrow({
    where: { id: installation.id },
    select: { renderedKickstart: true },
  });
  return stored.renderedKickstart ?? text;
}
