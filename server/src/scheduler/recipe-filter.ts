/**
 * A recipe as the scheduler sees it (its filter and, for queued sets, its candidate bitset),
 * shared by the scheduler and the explain API so the two cannot disagree. The filter: the
 * user's `<hostRequires>`, Beaker's implicit system type, and compatibility with the
 * recipe's distro tree (arch, no exclusion of its OS).
 */
import {
  hostFilterFromStore,
  parseHostRequires,
  withImplicitSystemType,
  type HostFilter,
  type HostNode,
} from '../../../common/src/host-filter/index.js';
import { compileHostFilter, type HostPredicate } from '../../../common/src/host-filter/index.js';
import type { QueuedRecipe, QueuedSet } from './planner.js';
import type { QueuedSetRow } from './store.js';
import type { IndexedTree, SystemIndex } from './system-index.js';

/** What a stored filter that no longer parses means: nothing matches, and explain says why. */
const NEVER: HostFilter = Object.freeze({
  root: Object.freeze({ kind: 'never', why: 'the stored <hostRequires> no longer parses' }) as HostNode,
  namesSystemType: true,
});

/** Parses `<hostRequires>` text once per distinct text (recipes copied from one another share it). */
export class FilterCache {
  private readonly parsed = new Map<string, HostFilter | null>();

  /** The stored filter when its format is current, else the XML parsed (once per text). */
  machineFilter(xml: string, stored?: unknown): HostFilter | null {
    const fromStore = stored === undefined || stored === null ? undefined : hostFilterFromStore(stored);
    if (fromStore) return withImplicitSystemType(fromStore, 'machine');
    let filter = this.parsed.get(xml);
    if (filter === undefined) {
      const result = parseHostRequires(xml);
      filter = result.ok ? withImplicitSystemType(result.filter, 'machine') : null;
      this.parsed.set(xml, filter);
    }
    return filter;
  }
}

export function recipeFilter(parsed: HostFilter | null, tree: IndexedTree | undefined): HostFilter {
  if (!parsed) return NEVER;
  if (!tree || parsed.force !== undefined) return parsed;
  const compatible: HostNode = {
    kind: 'compatible',
    arch: tree.arch,
    osMajor: tree.osMajor,
    ...(tree.osMinor ? { osMinor: tree.osMinor } : {}),
  };
  return { ...parsed, root: { kind: 'and', children: [parsed.root, compatible] } };
}

/** A queued recipe set as the planner works on it: machine recipes with their filters and candidate bitsets. */
export function queuedSet(row: QueuedSetRow, index: SystemIndex, filters: FilterCache): QueuedSet {
  const guestsOf = new Map<number, { id: number; distroTreeId: number | null }[]>();
  for (const recipe of row.recipes) {
    if (recipe.kind !== 'guest' || recipe.hostRecipeId === null) continue;
    guestsOf.set(recipe.hostRecipeId, [...(guestsOf.get(recipe.hostRecipeId) ?? []), recipe]);
  }
  const recipes: QueuedRecipe[] = [];
  for (const recipe of row.recipes) {
    if (recipe.kind !== 'machine') continue;
    const guests = guestsOf.get(recipe.id) ?? [];
    const treeIds = [recipe.distroTreeId, ...guests.map((g) => g.distroTreeId)].filter(
      (id): id is number => id !== null,
    );
    const tree = recipe.distroTreeId === null ? undefined : index.tree(recipe.distroTreeId);
    const filter = recipeFilter(filters.machineFilter(recipe.hostRequiresXml, recipe.hostFilter), tree);
    recipes.push({
      id: recipe.id,
      filter,
      predicate: compiledOnFirstUse(filter),
      force: recipe.hostRequiresForce !== null,
      autopick: recipe.autopickRandom,
      treeIds,
      guestIds: guests.map((g) => g.id),
      bits: index.matching(filter.root),
    });
  }
  return {
    id: row.id,
    jobId: row.jobId,
    ownerId: row.ownerId,
    priority: row.priority,
    processed: row.processed,
    recipes,
  };
}

/**
 * The recipe's predicate is needed only when a system changes under a loaded queue; a cold
 * start builds 10,000 recipes' bitsets from the index's cached leaves and would otherwise
 * compile every filter for nothing.
 */
function compiledOnFirstUse(filter: HostFilter): HostPredicate {
  let compiled: HostPredicate | undefined;
  return (facts) => (compiled ??= compileHostFilter(filter))(facts);
}
