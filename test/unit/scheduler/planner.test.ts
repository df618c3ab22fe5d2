import { describe, expect, it } from '@jest/globals';
import { MATCH_ALL, compileHostFilter } from '../../../common/src/host-filter/index.js';
import { Bitset } from '../../../server/src/scheduler/bitset.js';
import { compareSets, matchAll, planPass, type QueuedSet } from '../../../server/src/scheduler/planner.js';
import { SystemIndex, type IndexedSystem } from '../../../server/src/scheduler/system-index.js';
import { INVENTORY } from '../host-filter/inventory.js';

describe('Bitset', () => {
  it('keeps complement, count and ordinal picks inside its capacity', () => {
    const bits = new Bitset(70);
    expect(bits.not().count()).toBe(70);
    bits.set(3, false);
    bits.set(69, false);
    expect(bits.count()).toBe(68);
    expect(bits.first()).toBe(0);
    expect(bits.nth(3)).toBe(4);
    expect(bits.nth(67)).toBe(68);
    expect(bits.nth(68)).toBe(-1);
    expect([...new Bitset(70).fill().andNot(bits).slots()]).toEqual([3, 69]);
  });
});

describe('matchAll', () => {
  it('finds a full matching when the greedy choice would block a later list', () => {
    // Greedy gives list 0 slot 1; list 1 can only use slot 1: the first choice must move.
    expect(matchAll([[1, 2], [1]])).toEqual([2, 1]);
  });
  it('answers undefined when no matching covers every list', () => {
    expect(matchAll([[1], [1], [1, 2]])).toBeUndefined();
  });
});

// Four systems of the unit inventory in two labs; tree 1 is in both labs.
function lab(): SystemIndex {
  const index = new SystemIndex();
  const systems: IndexedSystem[] = INVENTORY.slice(0, 4).map((facts, i) => ({
    id: i + 1,
    ownerId: 100,
    userId: null,
    loanedToId: null,
    labControllerId: i < 2 ? 1 : 2,
    activeAccessPolicyId: 7,
    modifiedAt: 0,
    facts: { ...facts, status: 'Automated' },
  }));
  index.setContext({
    labs: [
      { id: 1, fqdn: 'lab1', usable: true, exists: true },
      { id: 2, fqdn: 'lab2', usable: true, exists: true },
    ],
    trees: [{ id: 1, arch: 'x86_64', osMajor: 'X', osMinor: '1', labIds: new Set([1, 2]) }],
    reserveRules: [{ policyId: 7, userId: null, groupId: null }],
    groups: [],
  });
  index.upsert(systems);
  return index;
}

function set(
  index: SystemIndex,
  id: number,
  recipes: number,
  priority: QueuedSet['priority'] = 'Normal',
): QueuedSet {
  return {
    id,
    jobId: id,
    ownerId: 5,
    priority,
    processed: true,
    recipes: Array.from({ length: recipes }, (_, i) => ({
      id: id * 10 + i,
      filter: MATCH_ALL,
      predicate: compileHostFilter(MATCH_ALL),
      force: false,
      autopick: false,
      treeIds: [1],
      guestIds: [],
      bits: index.matching(MATCH_ALL.root),
    })),
  };
}

describe('planPass', () => {
  it('orders by priority, then age, and never hands a system out twice in a pass', () => {
    const index = lab();
    const sets = [set(index, 1, 1), set(index, 2, 2, 'High'), set(index, 3, 2), set(index, 4, 1)].sort(
      compareSets,
    );
    expect(sets.map((s) => s.id)).toEqual([2, 1, 3, 4]);
    const placements = planPass(index, sets);
    // High set takes lab 1 whole; set 1 takes a lab-2 system; set 3 cannot fit one lab; set 4
    // takes the last. Systems 1, 2 and 4 are in pools, so 4 is preferred to 3.
    expect(INVENTORY.slice(0, 4).map((f) => f.pools.length > 0)).toEqual([true, true, false, true]);
    expect(placements.map((p) => [p.set.id, p.labId, [...p.systems.values()]])).toEqual([
      [2, 1, [1, 2]],
      [1, 2, [4]],
      [4, 2, [3]],
    ]);
  });

  it('leaves busy systems and unprocessed sets alone', () => {
    const index = lab();
    for (const id of [1, 2, 3]) index.setUser(id, 9);
    const unprocessed = { ...set(index, 1, 1), processed: false };
    expect(planPass(index, [unprocessed, set(index, 2, 1)]).map((p) => [...p.systems.values()])).toEqual([
      [4],
    ]);
  });
});

describe('planPass with a focus', () => {
  it('tries only new sets and sets that could use a freed system', () => {
    const index = lab();
    for (const id of [1, 2, 3]) index.setUser(id, 9);
    const onlyOnThree = set(index, 1, 1);
    for (const slot of [0, 1, 3]) onlyOnThree.recipes[0]!.bits.set(slot, false);
    const anywhere = set(index, 2, 1);
    // System 4 is free, but nothing was freed and neither set is new: nothing to try.
    const nothingNew = { sets: new Set<number>(), freed: new Bitset(index.capacity) };
    expect(planPass(index, [onlyOnThree, anywhere], Math.random, nothingNew)).toEqual([]);
    // Set 2 is new: it is tried and placed.
    const placed = planPass(index, [onlyOnThree, anywhere], Math.random, {
      ...nothingNew,
      sets: new Set([2]),
    });
    expect(placed.map((p) => p.set.id)).toEqual([2]);
    // System 3 freed: only the set that can use it is tried (it needs system 3 only).
    index.setUser(3, null);
    const freed = new Bitset(index.capacity);
    freed.set(index.slotOfSystem(3)!);
    expect(
      planPass(index, [onlyOnThree], Math.random, { sets: new Set(), freed }).map((p) => [
        ...p.systems.values(),
      ]),
    ).toEqual([[3]]);
  });
});
