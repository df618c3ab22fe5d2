/**
 * A recipe's filter as the scheduler applies it, shared by the scheduler and the explain
 * API so the two cannot disagree: the user's `<hostRequires>`, Beaker's implicit system
 * type, and compatibility with the recipe's distro tree (arch, no exclusion of its OS).
 */
import {
  hostFilterFromStore,
  parseHostRequires,
  withImplicitSystemType,
  type HostFilter,
  type HostNode,
} from '../../../common/src/host-filter/index.js';
import type { IndexedTree } from './system-index.js';

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
