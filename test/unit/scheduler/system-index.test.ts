import { describe, expect, it } from '@jest/globals';
import { compileNode } from '../../../common/src/host-filter/evaluate.js';
import type { HostNode, SystemFacts } from '../../../common/src/host-filter/index.js';
import { Bitset } from '../../../server/src/scheduler/bitset.js';
import { indexOfFacts, SystemIndex } from '../../../server/src/scheduler/system-index.js';
import { INVENTORY, NUMERIC_KEYS } from '../host-filter/inventory.js';

/** The systems (1-based ids) the index matches, checked against the predicate on every system. */
function matching(index: SystemIndex, facts: readonly SystemFacts[], node: HostNode): number[] {
  const bits = index.matching(node);
  const predicate = compileNode(node);
  const ids: number[] = [];
  facts.forEach((f, i) => {
    const inIndex = bits.has(index.slotOfSystem(i + 1) as number);
    expect([f.fqdn, inIndex]).toEqual([f.fqdn, predicate(f)]);
    if (inIndex) ids.push(i + 1);
  });
  return ids;
}

const withKeyValues = (entries: [string, string[]][], numericKeys = NUMERIC_KEYS): SystemFacts => ({
  ...(INVENTORY[0] as SystemFacts),
  fqdn: `kv${entries.map(([k, v]) => `${k}=${v.join('+')}`).join(',')}.example.com`,
  keyValues: new Map(entries),
  numericKeys,
});

describe('SystemIndex leaves', () => {
  it('keeps apart leaves that differ only where the cache key must look', () => {
    const facts = [
      withKeyValues([['DISPLAY', ['']]]),
      withKeyValues([['DISPLAY', ['vga']]]),
      withKeyValues([]),
      {
        ...(INVENTORY[0] as SystemFacts),
        fqdn: 'excluded.example.com',
        excluded: [{ arch: 'x86_64', osMajor: 'X', osMinor: '1' }],
      },
    ];
    const index = indexOfFacts(facts);
    // Has the key, and has the value '': the first and then the second leaf, cached apart.
    expect(matching(index, facts, { kind: 'keyValue', key: 'DISPLAY', op: '=' })).toEqual([1, 2]);
    expect(matching(index, facts, { kind: 'keyValue', key: 'DISPLAY', op: '=', value: '' })).toEqual([1]);
    // No osMinor (every minor) excludes the version-excluded system; osMinor '' does not.
    const compatible = { kind: 'compatible', arch: 'x86_64', osMajor: 'X' } as const;
    expect(matching(index, facts, compatible)).toEqual([1, 2, 3]);
    expect(matching(index, facts, { ...compatible, osMinor: '' })).toEqual([1, 2, 3, 4]);
    expect(matching(index, facts, { ...compatible, osMinor: '1' })).toEqual([1, 2, 3]);
  });

  it('evaluates equality per value without skipping numeric, several-valued or missing values', () => {
    const facts = [
      withKeyValues([['NR_DISKS', ['04']]]),
      withKeyValues([['NR_DISKS', ['4']]]),
      withKeyValues([['NR_DISKS', ['2', '4']]]),
      withKeyValues([['MODULE', ['e1000e', 'igb']]]),
      withKeyValues([['MODULE', ['igb']]]),
      withKeyValues([]),
    ];
    const index = indexOfFacts(facts);
    // NR_DISKS is numeric: 04 = 4, and a list holding 4 matches.
    expect(matching(index, facts, { kind: 'keyValue', key: 'NR_DISKS', op: '=', value: '4' })).toEqual([
      1, 2, 3,
    ]);
    expect(matching(index, facts, { kind: 'keyValue', key: 'MODULE', op: '==', value: 'igb' })).toEqual([
      4, 5,
    ]);
    expect(matching(index, facts, { kind: 'keyValue', key: 'MODULE', op: '!=', value: 'igb' })).toEqual([
      1, 2, 3, 6,
    ]);
    expect(matching(index, facts, { kind: 'keyValue', key: 'NOWHERE', op: '!=' })).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect(matching(index, facts, { kind: 'text', field: 'user', op: '=', value: '' })).toEqual([]);
    expect(matching(index, facts, { kind: 'list', field: 'arch', op: '=', value: 'i386' })).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
  });

  it('does not take a key for text when the systems disagree on which keys are numeric', () => {
    const facts = [
      withKeyValues([['SPEED', ['04']]], new Set(['SPEED'])),
      withKeyValues([['SPEED', ['4']]], new Set()),
    ];
    const index = indexOfFacts(facts);
    expect(matching(index, facts, { kind: 'keyValue', key: 'SPEED', op: '=', value: '4' })).toEqual([1, 2]);
  });

  it('agrees with the predicate on every leaf of the unit inventory, nested in and/or/not', () => {
    const index = indexOfFacts(INVENTORY);
    const leaves: HostNode[] = [
      { kind: 'text', field: 'vendor', op: '=', value: 'Dell Inc.' },
      { kind: 'text', field: 'fqdn', op: 'like', value: '%lab2%' },
      { kind: 'number', field: 'memory', op: '>=', value: 16384 },
      { kind: 'list', field: 'cpuFlag', op: '=', value: 'vmx' },
      { kind: 'keyValue', key: 'HVM', op: '=', value: '1' },
      { kind: 'keyValue', key: 'NETBOOT_METHOD', op: 'like', value: 'GRUB%' },
    ];
    for (const leaf of leaves) {
      matching(index, INVENTORY, leaf);
      for (const other of leaves) {
        matching(index, INVENTORY, { kind: 'and', children: [leaf, { kind: 'not', children: [other] }] });
        matching(index, INVENTORY, { kind: 'or', children: [{ kind: 'and', children: [leaf] }, other] });
      }
    }
  });
});

describe('SystemIndex capacity', () => {
  it('grows with a sixteenth to spare, not half', () => {
    const index = indexOfFacts(
      Array.from({ length: 5000 }, (_, i) => ({ ...(INVENTORY[0] as SystemFacts), fqdn: `s${i}` })),
    );
    expect(index.capacity).toBe(5376);
  });
});

describe('Bitset word loops', () => {
  it('combine every word, also past the last multiple of four', () => {
    for (const capacity of [32, 64, 96, 160, 224]) {
      const a = new Bitset(capacity);
      const b = new Bitset(capacity);
      for (let slot = 0; slot < capacity; slot++) {
        a.set(slot, slot % 3 === 0);
        b.set(slot, slot % 2 === 0);
      }
      const expected = (test: (x: boolean, y: boolean) => boolean) =>
        Array.from({ length: capacity }, (_, slot) => slot).filter((slot) =>
          test(slot % 3 === 0, slot % 2 === 0),
        );
      expect([...a.copy().and(b).slots()]).toEqual(expected((x, y) => x && y));
      expect([...a.copy().or(b).slots()]).toEqual(expected((x, y) => x || y));
      expect([...a.copy().andNot(b).slots()]).toEqual(expected((x, y) => x && !y));
    }
  });
});
