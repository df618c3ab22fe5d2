/**
 * The scheduler's in-memory view of the inventory (brief decision 2: match in memory,
 * commit in the database). Each system has a slot; facts the placement rules mask with are
 * kept as bitsets over slots, and filter leaves are evaluated once per distinct leaf (once
 * per distinct value of the fact the leaf reads: fact-groups.ts) and cached, so a new
 * recipe's candidate set costs a few bitset operations per node instead of one filter
 * evaluation per system.
 *
 * Rules (reference/beaker.md §4.2, §4.4): a recipe may run on a system that matches its
 * filter, is Automated (any status but Removed with force=), is free, sits in an enabled and
 * online lab holding the recipe's distro tree and every guest's tree, whose access policy
 * grants `reserve` to the job owner (or the owner owns or borrows it), and is not loaned to
 * somebody else.
 */
import { compileNode, type HostPredicate } from '../../../common/src/host-filter/evaluate.js';
import type { HostNode, SystemFacts } from '../../../common/src/host-filter/index.js';
import type { SystemRecord } from '../modules/lab/system-facts.js';
import { Bitset } from './bitset.js';
import { fieldOf, groupByField, groupByKey, type GroupedFact } from './fact-groups.js';
import { LeafCache } from './leaf-cache.js';

/** A system as the index holds it: its facts and the ids the placement rules need. */
export type IndexedSystem = SystemRecord;

export interface IndexedLab {
  id: number;
  fqdn: string;
  /** Enabled, not removed and online: its systems may get new work. */
  usable: boolean;
  /** Not removed: its systems count for "could this recipe ever run". */
  exists: boolean;
}

export interface IndexedTree {
  id: number;
  arch: string;
  osMajor: string;
  osMinor: string;
  labIds: ReadonlySet<number>;
}

export interface AccessRule {
  policyId: number;
  userId: number | null;
  groupId: number | null;
}

export interface IndexedGroup {
  id: number;
  inverted: boolean;
  /** Members (normal groups) or excluded users (inverted groups). */
  userIds: ReadonlySet<number>;
}

/** Everything but the systems: small tables, reloaded whole on an inventory event or sweep. */
export interface InventoryContext {
  labs: readonly IndexedLab[];
  trees: readonly IndexedTree[];
  /** `reserve` grants only. */
  reserveRules: readonly AccessRule[];
  groups: readonly IndexedGroup[];
}

const LEAF_CACHE_LIMIT = 20_000;

/**
 * Spare slots when the capacity grows, as a share of the systems. Every recipe's candidate
 * bitset spans the capacity, so spare slots cost every bitset operation, while growing
 * again (a rebuild of every recipe's bitset) is rare: with half as many spare, 5,000
 * systems got 7,552 slots (236 words a bitset); now 5,376 (168 words), room for 376 more.
 */
const GROWTH_HEADROOM = 1 / 16;

interface CachedLeaf {
  predicate: HostPredicate;
  bits: Bitset;
}

export class SystemIndex {
  private slots: (IndexedSystem | undefined)[] = [];
  private readonly slotOf = new Map<number, number>();
  private readonly vacant: number[] = [];
  private capacityValue: number;

  // Masks over slots, maintained on every upsert/remove.
  private present!: Bitset;
  private free!: Bitset;
  private automated!: Bitset;
  private notRemoved!: Bitset;
  private inAnyPool!: Bitset;
  private byLab = new Map<number, Bitset>();
  private byOwner = new Map<number, Bitset>();

  private context: InventoryContext = { labs: [], trees: [], reserveRules: [], groups: [] };
  private labs = new Map<number, IndexedLab>();
  private trees = new Map<number, IndexedTree>();

  // Derived caches, dropped when what they derive from changes.
  private leaves = new LeafCache<CachedLeaf>();
  /** Systems grouped by a field's value, by the field's name (see fact-groups.ts). */
  private fieldGroups = new Map<string, GroupedFact>();
  /** Systems grouped by their values, per key; built for every key at once. */
  private keyGroups: Map<string, GroupedFact> | undefined;
  /** Every system, as lacking a key that no system has. */
  private lackingKey: GroupedFact | undefined;
  private reservable = new Map<number, Bitset>();
  private reservableEver = new Map<number, Bitset>();
  private labMasks = new Map<string, Bitset>();

  constructor(capacity = 1024) {
    this.capacityValue = roundCapacity(capacity);
    this.resetMasks();
  }

  get capacity(): number {
    return this.capacityValue;
  }

  get size(): number {
    return this.slotOf.size;
  }

  system(slot: number): IndexedSystem | undefined {
    return this.slots[slot];
  }

  slotOfSystem(systemId: number): number | undefined {
    return this.slotOf.get(systemId);
  }

  systems(): IterableIterator<IndexedSystem> {
    return (this.slots.filter(Boolean) as IndexedSystem[])[Symbol.iterator]();
  }

  lab(id: number): IndexedLab | undefined {
    return this.labs.get(id);
  }

  tree(id: number): IndexedTree | undefined {
    return this.trees.get(id);
  }

  /** Replaces the small tables (labs, trees, policies, groups). */
  setContext(context: InventoryContext): void {
    this.context = context;
    this.labs = new Map(context.labs.map((lab) => [lab.id, lab]));
    this.trees = new Map(context.trees.map((tree) => [tree.id, tree]));
    this.reservable.clear();
    this.reservableEver.clear();
    this.labMasks.clear();
  }

  /**
   * Adds or replaces systems. Returns true when the capacity grew: every bitset built
   * before (recipes' candidate sets) must then be rebuilt.
   */
  upsert(systems: readonly IndexedSystem[]): boolean {
    const needed = this.slotOf.size + systems.filter((s) => !this.slotOf.has(s.id)).length;
    let grew = false;
    if (needed > this.capacityValue) {
      this.capacityValue = roundCapacity(needed + needed * GROWTH_HEADROOM);
      const all = [...this.systems()];
      this.slots = [];
      this.slotOf.clear();
      this.vacant.length = 0;
      this.resetMasks();
      this.leaves.clear();
      for (const system of all) this.place(system);
      grew = true;
    }
    for (const system of systems) this.place(system);
    this.dropGroups();
    this.reservable.clear();
    this.reservableEver.clear();
    this.labMasks.clear();
    return grew;
  }

  remove(systemId: number): number | undefined {
    const slot = this.slotOf.get(systemId);
    if (slot === undefined) return undefined;
    this.clearSlot(slot);
    this.slots[slot] = undefined;
    this.slotOf.delete(systemId);
    this.vacant.push(slot);
    for (const leaf of this.leaves.values()) leaf.bits.set(slot, false);
    this.dropGroups();
    this.reservable.clear();
    this.reservableEver.clear();
    this.labMasks.clear();
    return slot;
  }

  /** Marks a system taken or free without reloading it (after a commit or a conflict). */
  setUser(systemId: number, userId: number | null): void {
    const slot = this.slotOf.get(systemId);
    const system = slot === undefined ? undefined : this.slots[slot];
    if (slot === undefined || !system) return;
    system.userId = userId;
    this.free.set(slot, userId === null);
  }

  // -------------------------------------------------------------------------------------
  // Filters

  /** Systems whose facts satisfy the node (a new bitset the caller may change). */
  matching(node: HostNode): Bitset {
    return this.andInto(this.present.copy(), node);
  }

  /**
   * `out` ∧ the node's systems, in place. Nested `and`s (a recipe's filter is the user's
   * `and` inside one with the implicit type, inside one with the tree's compatibility) are
   * folded into `out` instead of each getting a bitset of its own; leaves are combined from
   * the cache without copying them. `out` must lie within `present`. The children are
   * walked by index: for-of over the frozen arrays of stored filters left an iterator
   * result per child, ~4 MB of garbage at a cold start.
   */
  private andInto(out: Bitset, node: HostNode): Bitset {
    switch (node.kind) {
      case 'and':
        for (let i = 0; i < node.children.length; i++) this.andInto(out, node.children[i] as HostNode);
        return out;
      case 'or':
        return out.and(this.anyOf(node.children));
      case 'not':
        return node.children.length === 0 ? out : out.andNot(this.allOf(node));
      default:
        return out.and(this.leafBits(node));
    }
  }

  /** The systems of an `and` or a `not`'s children: present ∧ each child. */
  private allOf(node: HostNode & { children: HostNode[] }): Bitset {
    const out = this.present.copy();
    for (let i = 0; i < node.children.length; i++) this.andInto(out, node.children[i] as HostNode);
    return out;
  }

  /** An `or` without children is empty here, as it always was in the index (parsing drops such nodes). */
  private anyOf(children: readonly HostNode[]): Bitset {
    const out = new Bitset(this.capacityValue);
    for (let i = 0; i < children.length; i++) {
      const child = children[i] as HostNode;
      if (child.kind === 'and') out.or(this.allOf(child));
      else if (child.kind === 'not') out.or(this.andInto(this.present.copy(), child));
      else if (child.kind === 'or') out.or(this.anyOf(child.children));
      else out.or(this.leafBits(child));
    }
    return out;
  }

  private leafBits(node: HostNode): Bitset {
    let leaf = this.leaves.get(node);
    if (!leaf) {
      if (this.leaves.size >= LEAF_CACHE_LIMIT) this.leaves.clear();
      const predicate = compileNode(node);
      leaf = { predicate, bits: this.groupedBits(node, predicate) ?? this.evaluate(predicate) };
      this.leaves.set(node, leaf);
    }
    return leaf.bits;
  }

  private evaluate(predicate: HostPredicate): Bitset {
    const bits = new Bitset(this.capacityValue);
    for (let slot = 0; slot < this.slots.length; slot++) {
      const system = this.slots[slot];
      if (system && predicate(system.facts)) bits.set(slot);
    }
    return bits;
  }

  /** A leaf that reads one fact, evaluated once per distinct value of it (undefined for other leaves). */
  private groupedBits(node: HostNode, predicate: HostPredicate): Bitset | undefined {
    return this.groupsFor(node)?.bits(node, predicate, this.capacityValue);
  }

  private groupsFor(node: HostNode): GroupedFact | undefined {
    if (node.kind === 'keyValue') {
      this.keyGroups ??= groupByKey(this.slots);
      return this.keyGroups.get(node.key) ?? (this.lackingKey ??= groupByField(this.slots, () => undefined));
    }
    const field = fieldOf(node);
    if (!field) return undefined;
    let grouped = this.fieldGroups.get(field.name);
    if (!grouped) {
      grouped = groupByField(this.slots, field.read);
      this.fieldGroups.set(field.name, grouped);
    }
    return grouped;
  }

  private dropGroups(): void {
    this.fieldGroups.clear();
    this.keyGroups = undefined;
    this.lackingKey = undefined;
  }

  // -------------------------------------------------------------------------------------
  // Placement masks

  /** Free systems that may take new work now, before recipe-specific rules. */
  freeMask(force: boolean): Bitset {
    return this.free.copy().and(force ? this.notRemoved : this.automated);
  }

  /** Systems not Removed (force=) or Automated (otherwise), free or not. */
  statusMask(force: boolean): Bitset {
    return force ? this.notRemoved : this.automated;
  }

  get notRemovedMask(): Bitset {
    return this.notRemoved;
  }

  get poolMask(): Bitset {
    return this.inAnyPool;
  }

  ownedBy(userId: number): Bitset | undefined {
    return this.byOwner.get(userId);
  }

  inLab(labId: number): Bitset | undefined {
    return this.byLab.get(labId);
  }

  isFree(slot: number): boolean {
    return this.free.has(slot);
  }

  /**
   * Systems in labs holding every one of the trees (no tree: any lab); `usable` labs only
   * (enabled, online), or every lab that exists (for "could it ever run").
   */
  labsWithTrees(treeIds: readonly number[], which: 'usable' | 'exists'): Bitset {
    const key = `${which}:${[...treeIds].sort((a, b) => a - b).join(',')}`;
    let mask = this.labMasks.get(key);
    if (!mask) {
      mask = new Bitset(this.capacityValue);
      for (const lab of this.labs.values()) {
        if (!(which === 'usable' ? lab.usable : lab.exists)) continue;
        if (!treeIds.every((id) => this.trees.get(id)?.labIds.has(lab.id) ?? false)) continue;
        const systems = this.byLab.get(lab.id);
        if (systems) mask.or(systems);
      }
      this.labMasks.set(key, mask);
    }
    return mask;
  }

  /**
   * Systems the user may have the scheduler reserve for them: their own, loaned to them, or
   * granted `reserve` by the active policy (to them, a group of theirs or everybody); minus
   * systems loaned to somebody else. `ever`: ignoring loans (a loan ends; a policy is a rule).
   */
  reservableBy(userId: number, ever = false): Bitset {
    const cache = ever ? this.reservableEver : this.reservable;
    let mask = cache.get(userId);
    if (mask) return mask;
    const groups = new Set(
      this.context.groups
        .filter((g) => (g.inverted ? !g.userIds.has(userId) : g.userIds.has(userId)))
        .map((g) => g.id),
    );
    const policies = new Set(
      this.context.reserveRules
        .filter(
          (rule) =>
            rule.userId === userId ||
            (rule.groupId !== null && groups.has(rule.groupId)) ||
            (rule.userId === null && rule.groupId === null),
        )
        .map((rule) => rule.policyId),
    );
    mask = new Bitset(this.capacityValue);
    for (let slot = 0; slot < this.slots.length; slot++) {
      const system = this.slots[slot];
      if (!system) continue;
      const granted =
        system.ownerId === userId ||
        system.loanedToId === userId ||
        (system.activeAccessPolicyId !== null && policies.has(system.activeAccessPolicyId));
      const loanedAway = !ever && system.loanedToId !== null && system.loanedToId !== userId;
      if (granted && !loanedAway) mask.set(slot);
    }
    cache.set(userId, mask);
    return mask;
  }

  // -------------------------------------------------------------------------------------

  private resetMasks(): void {
    const c = this.capacityValue;
    this.present = new Bitset(c);
    this.free = new Bitset(c);
    this.automated = new Bitset(c);
    this.notRemoved = new Bitset(c);
    this.inAnyPool = new Bitset(c);
    this.byLab = new Map();
    this.byOwner = new Map();
  }

  private place(system: IndexedSystem): void {
    let slot = this.slotOf.get(system.id);
    if (slot === undefined) {
      slot = this.vacant.pop() ?? this.slots.length;
      this.slotOf.set(system.id, slot);
    } else {
      this.clearSlot(slot);
    }
    this.slots[slot] = system;
    const { facts } = system;
    this.present.set(slot);
    this.free.set(slot, system.userId === null);
    this.automated.set(slot, facts.status === 'Automated');
    this.notRemoved.set(slot, facts.status !== 'Removed');
    this.inAnyPool.set(slot, facts.pools.length > 0);
    if (system.labControllerId !== null)
      maskFor(this.byLab, system.labControllerId, this.capacityValue).set(slot);
    maskFor(this.byOwner, system.ownerId, this.capacityValue).set(slot);
    for (const leaf of this.leaves.values()) leaf.bits.set(slot, leaf.predicate(facts));
  }

  private clearSlot(slot: number): void {
    const old = this.slots[slot];
    for (const mask of [this.present, this.free, this.automated, this.notRemoved, this.inAnyPool])
      mask.set(slot, false);
    if (!old) return;
    if (old.labControllerId !== null) this.byLab.get(old.labControllerId)?.set(slot, false);
    this.byOwner.get(old.ownerId)?.set(slot, false);
  }
}

/**
 * An index of bare facts, without owners, labs or policies, for matching filters alone (the
 * host-filter tests, the benchmark's candidate statistics): system i + 1 holds facts[i].
 */
export function indexOfFacts(facts: readonly SystemFacts[]): SystemIndex {
  const index = new SystemIndex();
  index.upsert(
    facts.map((f, i) => ({
      id: i + 1,
      ownerId: 0,
      userId: null,
      loanedToId: null,
      labControllerId: null,
      activeAccessPolicyId: null,
      modifiedAt: 0,
      facts: f,
    })),
  );
  return index;
}

function maskFor(masks: Map<number, Bitset>, key: number, capacity: number): Bitset {
  let mask = masks.get(key);
  if (!mask) {
    mask = new Bitset(capacity);
    masks.set(key, mask);
  }
  return mask;
}

const roundCapacity = (n: number): number => Math.max(64, Math.ceil(n / 64) * 64);
