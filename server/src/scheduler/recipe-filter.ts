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
  return { ...parsed, root: { kind: 'and', children: [parsed.root, compatibleWith(tree)] } };
}

/**
 * One `compatible` node per tree, shared by the recipes on it (nodes are never changed):
 * 10,000 recipes on a handful of trees built 10,000 of them, through an object spread, at
 * every cold start.
 */
const compatibleNodes = new WeakMap<IndexedTree, HostNode>();

function compatibleWith(tree: IndexedTree): HostNode {
  let node = compatibleNodes.get(tree);
  if (!node) {
    const { arch, osMajor, osMinor } = tree;
    node = osMinor ? { kind: 'compatible', arch, osMajor, osMinor } : { kind: 'compatible', arch, osMajor };
    compatibleNodes.set(tree, node);
  }
  return node;
}

/** A queued recipe set as the planner works on it: machine recipes with their filters and candidate bitsets. */
export function queuedSet(row: QueuedSetRow, index: SystemIndex, filters: FilterCache): QueuedSet {
  const guestsOf = guestsByHost(row.recipes);
  const recipes: QueuedRecipe[] = [];
  for (const recipe of row.recipes) {
    if (recipe.kind !== 'machine') continue;
    const guests = guestsOf?.get(recipe.id) ?? NO_GUESTS;
    const treeIds = recipe.distroTreeId === null ? [] : [recipe.distroTreeId];
    for (const guest of guests) if (guest.distroTreeId !== null) treeIds.push(guest.distroTreeId);
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

type QueuedSetRecipe = QueuedSetRow['recipes'][number];

const NO_GUESTS: readonly QueuedSetRecipe[] = [];

/** Guest recipes by their host recipe's id; undefined when the set has none (nearly every set). */
function guestsByHost(recipes: readonly QueuedSetRecipe[]): Map<number, QueuedSetRecipe[]> | undefined {
  let guestsOf: Map<number, QueuedSetRecipe[]> | undefined;
  for (const recipe of recipes) {
    if (recipe.kind !== 'guest' || recipe.hostRecipeId === null) continue;
    guestsOf ??= new Map();
    const guests = guestsOf.get(recipe.hostRecipeId);
    if (guests) guests.push(recipe);
    else guestsOf.set(recipe.hostRecipeId, [recipe]);
  }
  return guestsOf;
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
