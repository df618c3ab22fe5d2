/**
 * "Why does my recipe wait?" (`GET /recipes/:id/explain`, `erlen job-explain`). Built from
 * the database with the scheduler's own index and rules (system-index.ts, recipe-filter.ts),
 * so the answer is what the scheduler would decide now: systems that satisfy the recipe's
 * filter, split by the first rule that keeps each from taking it, and for the rest the
 * filter predicates that reject them, grouped.
 */
import { formatTaskspec } from '../../../common/src/domain/taskspec.js';
import { explainHostDetail } from '../../../common/src/host-filter/index.js';
import { ErlenError } from '../../../common/src/errors.js';
import type { Db } from '../db/prisma.js';
import { FilterCache, recipeFilter } from './recipe-filter.js';
import { loadInventoryContext, loadSystems } from './store.js';
import { SystemIndex } from './system-index.js';

/** Why a system that satisfies the filter cannot take the recipe now, most permanent first. */
export const WAIT_REASONS = {
  removed: 'removed',
  noLab: 'has no lab controller',
  labOffline: 'lab controller disabled or offline',
  treeMissing: 'lab does not hold the distro tree',
  noPermission: 'job owner may not reserve it',
  loaned: 'loaned to somebody else',
  notAutomated: 'Broken or Manual',
  busy: 'busy (reserved)',
} as const;
export type WaitReason = keyof typeof WAIT_REASONS;

export interface RecipeExplanation {
  recipe: string;
  status: string;
  /** Where it runs, once assigned. */
  system: string | null;
  systems: number;
  /** Systems that satisfy the filter (hostRequires, system type, distro compatibility). */
  matching: number;
  /** Systems that could take it right now (the scheduler assigns within milliseconds). */
  available: number;
  waiting: { reason: WaitReason; description: string; count: number; examples: string[] }[];
  /** For systems that do not satisfy the filter: the rejecting predicate, most common first. */
  rejectedBy: { predicate: string; count: number }[];
  summary: string;
}

const EXAMPLES = 5;

export async function explainRecipe(
  db: Db,
  recipeId: number,
  options: { labOfflineAfterMs: number; visibleSystemIds?: ReadonlySet<number> },
): Promise<RecipeExplanation> {
  const recipe = await db.recipe.findFirst({
    where: { id: recipeId, recipeSet: { job: { deletedAt: null } } },
    include: {
      resource: { select: { fqdn: true } },
      recipeSet: { select: { job: { select: { ownerId: true } } } },
      guests: { select: { distroTreeId: true } },
    },
  });
  const spec = formatTaskspec('R', recipeId);
  if (!recipe) throw new ErlenError('NOT_FOUND', `no recipe ${spec}`);
  if (recipe.kind === 'guest') {
    throw new ErlenError('BAD_REQUEST', `${spec} is a guest recipe: it runs on its host recipe's system`);
  }
  const index = new SystemIndex();
  const [systems, context] = await Promise.all([
    // Callers see only what they may see: counts too, not just names (a filter naming a
    // hidden system would otherwise tell whether it exists and what state it is in).
    loadSystems(db, options.visibleSystemIds ? [...options.visibleSystemIds] : undefined),
    loadInventoryContext(db, new Date(), options.labOfflineAfterMs),
  ]);
  index.setContext(context);
  index.upsert(systems);

  const tree = recipe.distroTreeId === null ? undefined : index.tree(recipe.distroTreeId);
  const filter = recipeFilter(
    new FilterCache().machineFilter(recipe.hostRequiresXml, recipe.hostFilter),
    tree,
  );
  const treeIds = [recipe.distroTreeId, ...recipe.guests.map((g) => g.distroTreeId)].filter(
    (id): id is number => id !== null,
  );
  const force = recipe.hostRequiresForce !== null;
  const ownerId = recipe.recipeSet.job.ownerId;
  const matching = index.matching(filter.root);
  const usableLabs = index.labsWithTrees([], 'usable');
  const withTrees = index.labsWithTrees(treeIds, 'usable');
  const permitted = index.reservableBy(ownerId, true);
  const reservable = index.reservableBy(ownerId);
  const status = index.statusMask(force);

  const groups = new Map<WaitReason, { count: number; examples: string[] }>();
  let available = 0;
  const rejected = new Map<string, number>();
  for (const system of index.systems()) {
    const slot = index.slotOfSystem(system.id) as number;
    if (!matching.has(slot)) {
      const predicate = explainHostDetail(filter, system.facts)?.predicate ?? 'filter';
      rejected.set(predicate, (rejected.get(predicate) ?? 0) + 1);
      continue;
    }
    const lab = system.labControllerId === null ? undefined : index.lab(system.labControllerId);
    const reason: WaitReason | undefined =
      system.facts.status === 'Removed'
        ? 'removed'
        : !lab?.exists
          ? 'noLab'
          : !usableLabs.has(slot)
            ? 'labOffline'
            : !withTrees.has(slot)
              ? 'treeMissing'
              : !permitted.has(slot)
                ? 'noPermission'
                : !reservable.has(slot)
                  ? 'loaned'
                  : !status.has(slot)
                    ? 'notAutomated'
                    : !index.isFree(slot)
                      ? 'busy'
                      : undefined;
    if (!reason) {
      available++;
      continue;
    }
    const group = groups.get(reason) ?? { count: 0, examples: [] };
    group.count++;
    if (group.examples.length < EXAMPLES) group.examples.push(system.facts.fqdn);
    groups.set(reason, group);
  }

  const waiting = (Object.keys(WAIT_REASONS) as WaitReason[])
    .filter((reason) => groups.has(reason))
    .map((reason) => ({
      reason,
      description: WAIT_REASONS[reason],
      ...(groups.get(reason) as { count: number; examples: string[] }),
    }));
  const rejectedBy = [...rejected]
    .map(([predicate, count]) => ({ predicate, count }))
    .sort((a, b) => b.count - a.count || a.predicate.localeCompare(b.predicate));
  const explanation = {
    recipe: spec,
    status: recipe.status,
    system: recipe.resource?.fqdn ?? null,
    systems: index.size,
    matching: matching.count(),
    available,
    waiting,
    rejectedBy,
  };
  return { ...explanation, summary: summarize(explanation) };
}

function summarize(e: Omit<RecipeExplanation, 'summary'>): string {
  if (e.system) return `${e.recipe} is ${e.status} on ${e.system}`;
  if (e.status !== 'Queued') return `${e.recipe} is ${e.status}`;
  if (e.matching === 0) {
    const top = e.rejectedBy[0];
    return `${e.recipe}: none of ${e.systems} systems satisfies its filter${top ? ` (most fail ${top.predicate})` : ''}`;
  }
  if (e.available > 0)
    return `${e.recipe}: ${e.available} system(s) can take it now; the scheduler will assign it`;
  const parts = e.waiting.map((w) => `${w.count} ${w.description}`);
  return `${e.recipe}: ${e.matching} system(s) satisfy its filter, none can take it now: ${parts.join(', ')}`;
}
