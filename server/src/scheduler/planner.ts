/**
 * Pure scheduling decisions over the in-memory index: no I/O, so the rules are unit-tested
 * directly and the same code runs in the scheduler, the benchmark and the fault test.
 *
 * - processSet: Beaker's New → Processed step, once per recipe set: abort a set that no
 *   system could ever run (with the reason), bump a set whose recipe fits exactly one system.
 * - planPass: queued sets in priority order, then age (set id); each set is placed whole, in
 *   one lab, or not at all, on free systems, preferring the job owner's systems, then pooled
 *   systems, then the rest (`<autopick random="true">`: uniformly at random within that order).
 */
import { PRIORITIES, type Priority } from '../../../common/src/domain/status.js';
import { formatTaskspec } from '../../../common/src/domain/taskspec.js';
import type { HostFilter, HostPredicate } from '../../../common/src/host-filter/index.js';
import { Bitset } from './bitset.js';
import type { SystemIndex } from './system-index.js';

export interface QueuedRecipe {
  id: number;
  filter: HostFilter;
  predicate: HostPredicate;
  /** `<hostRequires force=…>`: any status but Removed. */
  force: boolean;
  autopick: boolean;
  /** The recipe's tree and its guests' trees: the lab must hold all of them. */
  treeIds: number[];
  guestIds: number[];
  /** Slots whose facts match the filter (kept current as systems change). */
  bits: Bitset;
}

export interface QueuedSet {
  id: number;
  jobId: number;
  ownerId: number;
  priority: Priority;
  processed: boolean;
  /** Machine recipes, in order. */
  recipes: QueuedRecipe[];
}

export interface Placement {
  set: QueuedSet;
  labId: number;
  /** Machine recipe id → system id. */
  systems: Map<number, number>;
}

export type ProcessDecision =
  | { set: QueuedSet; action: 'abort'; reason: string }
  | { set: QueuedSet; action: 'bump'; to: Priority; recipeId: number }
  | { set: QueuedSet; action: 'ok' };

export type Random = () => number;

export const priorityRank = (priority: Priority): number => PRIORITIES.indexOf(priority);

/** Higher priority first, then the older set. */
export function compareSets(a: QueuedSet, b: QueuedSet): number {
  return priorityRank(b.priority) - priorityRank(a.priority) || a.id - b.id;
}

// ---------------------------------------------------------------------------------------
// Processing

/** Systems a recipe of the set could ever run on: not Removed, a lab with its trees, reservable by the owner. */
export function everCandidates(index: SystemIndex, set: QueuedSet, recipe: QueuedRecipe): Bitset {
  return recipe.bits
    .copy()
    .and(index.notRemovedMask)
    .and(index.labsWithTrees(recipe.treeIds, 'exists'))
    .and(index.reservableBy(set.ownerId, true));
}

export function processSet(index: SystemIndex, set: QueuedSet): ProcessDecision {
  if (set.recipes.length === 1) return processSingle(index, set, set.recipes[0] as QueuedRecipe);
  const candidates = set.recipes.map((recipe) => everCandidates(index, set, recipe));
  for (const [i, recipe] of set.recipes.entries()) {
    if ((candidates[i] as Bitset).isEmpty()) {
      return { set, action: 'abort', reason: noCandidateReason(index, set, recipe) };
    }
  }
  if (set.recipes.length > 1 && !fitsOneLab(index, candidates)) {
    return {
      set,
      action: 'abort',
      reason: `no lab has enough systems for all ${set.recipes.length} recipes of ${formatTaskspec('RS', set.id)} (a recipe set runs in one lab)`,
    };
  }
  const single = set.recipes.findIndex((_, i) => (candidates[i] as Bitset).count() === 1);
  const rank = priorityRank(set.priority);
  if (single >= 0 && rank < PRIORITIES.length - 1) {
    return {
      set,
      action: 'bump',
      to: PRIORITIES[rank + 1] as Priority,
      recipeId: (set.recipes[single] as QueuedRecipe).id,
    };
  }
  return { set, action: 'ok' };
}

/**
 * processSet for the usual one-recipe set: only "none" and "exactly one" matter, so the
 * candidates are counted up to two without building their bitset (a cold start processes
 * thousands of sets).
 */
function processSingle(index: SystemIndex, set: QueuedSet, recipe: QueuedRecipe): ProcessDecision {
  const count = countAll(
    [
      recipe.bits,
      index.notRemovedMask,
      index.labsWithTrees(recipe.treeIds, 'exists'),
      index.reservableBy(set.ownerId, true),
    ],
    2,
  );
  if (count === 0) return { set, action: 'abort', reason: noCandidateReason(index, set, recipe) };
  const rank = priorityRank(set.priority);
  if (count === 1 && rank < PRIORITIES.length - 1)
    return { set, action: 'bump', to: PRIORITIES[rank + 1] as Priority, recipeId: recipe.id };
  return { set, action: 'ok' };
}

/** How many slots every mask holds, counting no further than `limit`. */
function countAll(masks: readonly Bitset[], limit: number): number {
  const words = masks.map((mask) => mask.words);
  const length = Math.min(...words.map((w) => w.length));
  let total = 0;
  for (let i = 0; i < length; i++) {
    let word = 0xffffffff;
    for (const w of words) {
      word &= w[i] as number;
      if (word === 0) break;
    }
    for (; word !== 0; word &= word - 1) if (++total >= limit) return total;
  }
  return total;
}

/** The first rule that removed the last system, as a user would want to read it. */
function noCandidateReason(index: SystemIndex, set: QueuedSet, recipe: QueuedRecipe): string {
  const subject = `${formatTaskspec('R', recipe.id)} does not match any system`;
  const matching = recipe.bits.copy().and(index.notRemovedMask);
  if (matching.isEmpty()) {
    return recipe.force
      ? `${subject}: no system named ${JSON.stringify(recipe.filter.force)} (or it is Removed)`
      : `${subject}: no system satisfies its <hostRequires>`;
  }
  // No counts: the results are readable by everybody, the inventory is not.
  const reservable = matching.copy().and(index.reservableBy(set.ownerId, true));
  if (reservable.isEmpty()) {
    return `${subject}: systems satisfy its <hostRequires> but the job owner may reserve none of them`;
  }
  return `${subject}: systems satisfy its <hostRequires>, but none is attached to a lab that holds its distro tree${recipe.treeIds.length > 1 ? ' and its guests’ trees' : ''}`;
}

function fitsOneLab(index: SystemIndex, candidates: readonly Bitset[]): boolean {
  const labs = new Set<number>();
  for (const slot of (candidates[0] as Bitset).slots()) {
    const lab = index.system(slot)?.labControllerId;
    if (lab !== null && lab !== undefined) labs.add(lab);
  }
  for (const labId of labs) {
    const inLab = index.inLab(labId);
    if (!inLab) continue;
    const lists = candidates.map((c) => [...c.copy().and(inLab).slots()]);
    if (matchAll(lists)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Placement

/**
 * What changed since the last pass, when nothing else did: only sets that are new or changed,
 * or that could use a newly freed system, can have become placeable, so only those are tried.
 */
export interface PassFocus {
  sets: ReadonlySet<number>;
  freed: Bitset;
}

/**
 * One pass over the queue: placements for every set that fits on free systems right now
 * (with a focus: only among the focused sets). `sets` must be sorted with compareSets.
 * Systems placed earlier in the pass are not reused.
 */
export function planPass(
  index: SystemIndex,
  sets: readonly QueuedSet[],
  random: Random = Math.random,
  focus?: PassFocus,
): Placement[] {
  return [...placements(index, sets, random, focus)];
}

/**
 * planPass one placement at a time, in priority order, so the scheduler can commit the first
 * placements while it plans the rest. The index's free systems are read once, at the start.
 */
export function* placements(
  index: SystemIndex,
  sets: readonly QueuedSet[],
  random: Random = Math.random,
  focus?: PassFocus,
): Generator<Placement, void, undefined> {
  const freeNow = index.freeMask(true); // free and not Removed; Automated is checked per recipe
  if (freeNow.isEmpty()) return;
  const freeWords = freeNow.nonZeroWords();
  // A release frees a system or three: a word or two of `freed` to test per set.
  const freedWords = focus?.freed.nonZeroWords() ?? [];
  for (const set of sets) {
    if (!set.processed || set.recipes.length === 0) continue;
    if (
      focus &&
      !focus.sets.has(set.id) &&
      !set.recipes.some((recipe) => recipe.bits.intersectsAt(focus.freed, freedWords))
    )
      continue;
    if (!set.recipes.every((recipe) => recipe.bits.intersectsAt(freeNow, freeWords))) continue;
    const candidates: Bitset[] = [];
    for (const recipe of set.recipes) {
      const c = recipe.bits
        .copy()
        .and(freeNow)
        .and(index.statusMask(recipe.force))
        .and(index.labsWithTrees(recipe.treeIds, 'usable'))
        .and(index.reservableBy(set.ownerId));
      if (c.isEmpty()) break;
      candidates.push(c);
    }
    if (candidates.length < set.recipes.length) continue;
    const placement =
      set.recipes.length === 1
        ? placeSingle(index, set, candidates[0] as Bitset, random)
        : placeGang(index, set, candidates, random);
    if (!placement) continue;
    for (const systemId of placement.systems.values()) {
      const slot = index.slotOfSystem(systemId);
      if (slot !== undefined) freeNow.set(slot, false);
    }
    yield placement;
    if (freeNow.isEmpty()) return;
  }
}

function placeSingle(
  index: SystemIndex,
  set: QueuedSet,
  candidates: Bitset,
  random: Random,
): Placement | undefined {
  const recipe = set.recipes[0] as QueuedRecipe;
  const slot = pick(index, set.ownerId, candidates, recipe.autopick, random);
  const system = index.system(slot);
  if (!system || system.labControllerId === null) return undefined;
  return { set, labId: system.labControllerId, systems: new Map([[recipe.id, system.id]]) };
}

/** All-or-nothing in one lab: a full bipartite matching of recipes to distinct systems. */
function placeGang(
  index: SystemIndex,
  set: QueuedSet,
  candidates: Bitset[],
  random: Random,
): Placement | undefined {
  const labs = new Set<number>();
  for (const slot of (candidates[0] as Bitset).slots()) {
    const lab = index.system(slot)?.labControllerId;
    if (lab !== null && lab !== undefined) labs.add(lab);
  }
  for (const labId of [...labs].sort((a, b) => a - b)) {
    const inLab = index.inLab(labId) as Bitset;
    const lists = set.recipes.map((recipe, i) =>
      preferenceOrder(
        index,
        set.ownerId,
        (candidates[i] as Bitset).copy().and(inLab),
        recipe.autopick,
        random,
      ),
    );
    if (lists.some((list) => list.length === 0)) continue;
    const matched = matchAll(lists);
    if (!matched) continue;
    const systems = new Map<number, number>();
    set.recipes.forEach((recipe, i) =>
      systems.set(recipe.id, (index.system(matched[i] as number) as { id: number }).id),
    );
    return { set, labId, systems };
  }
  return undefined;
}

/** The job owner's systems, then systems in some pool, then the rest (Beaker's scheduler_ordering). */
function tiers(index: SystemIndex, ownerId: number, candidates: Bitset): Bitset[] {
  const owned = index.ownedBy(ownerId);
  const mine = owned ? candidates.copy().and(owned) : new Bitset(candidates.capacity);
  const pooled = candidates.copy().andNot(mine).and(index.poolMask);
  const rest = candidates.copy().andNot(mine).andNot(pooled);
  return [mine, pooled, rest];
}

function pick(index: SystemIndex, ownerId: number, candidates: Bitset, random: boolean, rnd: Random): number {
  for (const tier of tiers(index, ownerId, candidates)) {
    if (tier.isEmpty()) continue;
    return random ? tier.nth(Math.floor(rnd() * tier.count())) : tier.first();
  }
  return -1;
}

function preferenceOrder(
  index: SystemIndex,
  ownerId: number,
  candidates: Bitset,
  random: boolean,
  rnd: Random,
): number[] {
  return tiers(index, ownerId, candidates).flatMap((tier) => {
    const slots = [...tier.slots()];
    if (random) shuffle(slots, rnd);
    return slots;
  });
}

function shuffle(values: number[], rnd: Random): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [values[i], values[j]] = [values[j] as number, values[i] as number];
  }
}

/**
 * Kuhn's augmenting paths: a distinct slot for every list, trying each list's slots in its
 * order, so preferred systems win when a choice exists. Undefined when no full matching.
 * Recipe sets hold a handful of recipes, so the cost is small even with long lists.
 */
export function matchAll(lists: readonly (readonly number[])[]): number[] | undefined {
  const owner = new Map<number, number>(); // slot → list index
  const chosen: number[] = new Array<number>(lists.length).fill(-1);
  const tryAssign = (i: number, seen: Set<number>): boolean => {
    // A free slot first: earlier lists keep their preferred systems when nothing forces a move.
    for (const slot of lists[i] as readonly number[]) {
      if (seen.has(slot) || owner.has(slot)) continue;
      owner.set(slot, i);
      chosen[i] = slot;
      return true;
    }
    for (const slot of lists[i] as readonly number[]) {
      if (seen.has(slot)) continue;
      seen.add(slot);
      const holder = owner.get(slot);
      if (holder === undefined || tryAssign(holder, seen)) {
        owner.set(slot, i);
        chosen[i] = slot;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < lists.length; i++) if (!tryAssign(i, new Set())) return undefined;
  return chosen;
}
