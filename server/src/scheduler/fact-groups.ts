/**
 * Most filter leaves read one fact of a system: a text, number or list field, or the values
 * of one key. Thousands of systems share a few values of such a fact, so the system index
 * groups the systems by the fact's value and evaluates a leaf once per group, on any one
 * system of it, instead of once per system: the synthetic lab's 10,000 recipes hold ~570
 * distinct leaves, ~2.8 million evaluations over 5,000 systems without groups.
 *
 * This relies on each leaf's predicate (host-filter/evaluate.ts) reading nothing but the
 * fact named here: the field's getter from host-filter/fields.ts, or the key's values and
 * whether the key is numeric (the systems of a group may have different numericKeys sets;
 * SystemFacts has them shared, and loadSystemRecords gives every system the same one).
 */
import { LIST_FIELDS, NUMBER_FIELDS, TEXT_FIELDS } from '../../../common/src/host-filter/fields.js';
import type { HostPredicate } from '../../../common/src/host-filter/evaluate.js';
import type { HostNode, SystemFacts } from '../../../common/src/host-filter/index.js';
import { Bitset } from './bitset.js';

type FactValue = string | number | readonly string[] | null | undefined;
type Slots = readonly ({ facts: SystemFacts } | undefined)[];

interface FactGroup {
  /** Any one of the group's systems. */
  facts: SystemFacts;
  slots: number[];
}

/** The systems of the index grouped by the value of one fact, for the leaves that read it. */
export class GroupedFact {
  /** Systems without the fact (null, or no such key). */
  private absent: FactGroup | undefined;
  /** By the value, or by the one entry of a list (nearly every key-value list). */
  private readonly byValue = new Map<string | number, FactGroup>();
  /** Lists of any other length, by their JSON. */
  private readonly byList = new Map<string, FactGroup>();

  /** `numericKeys`: the set every system has, when they all have the same one. */
  constructor(private readonly numericKeys: ReadonlySet<string> | undefined) {}

  add(value: FactValue, facts: SystemFacts, slot: number): void {
    if (value === null || value === undefined) {
      if (this.absent) this.absent.slots.push(slot);
      else this.absent = { facts, slots: [slot] };
    } else if (typeof value !== 'object') addTo(this.byValue, value, facts, slot);
    else this.addList(value, facts, slot);
  }

  addList(list: readonly string[], facts: SystemFacts, slot: number): void {
    if (list.length === 1) addTo(this.byValue, list[0] as string, facts, slot);
    else addTo(this.byList, JSON.stringify(list), facts, slot);
  }

  /**
   * The leaf's systems: its predicate evaluated on one system of each group. A leaf that
   * asks for one exact string (see equalTo) is evaluated only on the group of that value
   * (and on absent and several-valued systems): the other one-value groups cannot match,
   * and unique values (hostnames, asset tags) would otherwise be one evaluation a system.
   */
  bits(node: HostNode, predicate: HostPredicate, capacity: number): Bitset {
    const bits = new Bitset(capacity);
    // forEach, not for-of: an iterator result per group was ~8 MB of garbage at a cold start.
    const mark = (group: FactGroup | undefined) => {
      if (!group || !predicate(group.facts)) return;
      for (let i = 0; i < group.slots.length; i++) bits.set(group.slots[i] as number);
    };
    mark(this.absent);
    const only = this.equalTo(node);
    if (only === undefined) this.byValue.forEach(mark);
    else mark(this.byValue.get(only));
    this.byList.forEach(mark);
    return bits;
  }

  /**
   * The string a one-value fact must be for the leaf to hold, when the leaf is `=`/`==` on
   * text (case-sensitive, by code units: index.ts), on a list (some entry equal) or on a
   * key that is not numeric (a numeric key's values compare as numbers: 4 = 04).
   */
  private equalTo(node: HostNode): string | undefined {
    if (!('op' in node) || (node.op !== '=' && node.op !== '==')) return undefined;
    if (node.kind === 'text' || node.kind === 'list') return node.value;
    if (node.kind !== 'keyValue' || this.numericKeys === undefined || this.numericKeys.has(node.key))
      return undefined;
    return node.value;
  }
}

/** The field a text, number or list leaf reads, by a name for its groups; undefined for other leaves. */
export function fieldOf(
  node: HostNode,
): { name: string; read: (facts: SystemFacts) => FactValue } | undefined {
  switch (node.kind) {
    case 'text':
      return { name: `text ${node.field}`, read: TEXT_FIELDS[node.field] };
    case 'number':
      return { name: `number ${node.field}`, read: NUMBER_FIELDS[node.field] };
    case 'list':
      return { name: `list ${node.field}`, read: LIST_FIELDS[node.field] };
    default:
      return undefined;
  }
}

/** The systems grouped by what `read` gives for them. */
export function groupByField(slots: Slots, read: (facts: SystemFacts) => FactValue): GroupedFact {
  const grouped = new GroupedFact(sharedNumericKeys(slots));
  for (let slot = 0; slot < slots.length; slot++) {
    const facts = slots[slot]?.facts;
    if (facts) grouped.add(read(facts), facts, slot);
  }
  return grouped;
}

/**
 * The systems grouped by their values for each key, every key in one pass over each
 * system's key-values: a pass per key (a lookup in each system's map, 150,000 of them for
 * 30 keys) spent ~60 ms of a cold start on cache misses. A key no system has is missing
 * from the result (every system lacks it: `groupByField(slots, () => undefined)`).
 */
export function groupByKey(slots: Slots): Map<string, GroupedFact> {
  const numericKeys = sharedNumericKeys(slots);
  const byKey = new Map<string, { grouped: GroupedFact; has: Uint8Array; count: number }>();
  let systems = 0;
  for (let slot = 0; slot < slots.length; slot++) {
    const facts = slots[slot]?.facts;
    if (!facts) continue;
    systems++;
    facts.keyValues.forEach((values, key) => {
      let entry = byKey.get(key);
      if (!entry) {
        entry = { grouped: new GroupedFact(numericKeys), has: new Uint8Array(slots.length), count: 0 };
        byKey.set(key, entry);
      }
      entry.grouped.addList(values, facts, slot);
      entry.has[slot] = 1;
      entry.count++;
    });
  }
  const out = new Map<string, GroupedFact>();
  for (const [key, { grouped, has, count }] of byKey) {
    if (count < systems) {
      for (let slot = 0; slot < slots.length; slot++) {
        const facts = slots[slot]?.facts;
        if (facts && has[slot] === 0) grouped.add(undefined, facts, slot);
      }
    }
    out.set(key, grouped);
  }
  return out;
}

/** The numericKeys set of every system when they all have the same one, else undefined. */
function sharedNumericKeys(slots: Slots): ReadonlySet<string> | undefined {
  let shared: ReadonlySet<string> | undefined;
  for (const system of slots) {
    if (!system) continue;
    if (shared === undefined) shared = system.facts.numericKeys;
    else if (system.facts.numericKeys !== shared) return undefined;
  }
  return shared;
}

function addTo<K>(groups: Map<K, FactGroup>, id: K, facts: SystemFacts, slot: number): void {
  const group = groups.get(id);
  if (group) group.slots.push(slot);
  else groups.set(id, { facts, slots: [slot] });
}
