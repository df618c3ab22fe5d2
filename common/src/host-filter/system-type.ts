/**
 * Beaker's implicit system type (MachineRecipe/GuestRecipe.host_requires): unless the
 * filter names a system type or uses force=, `<system_type value="Machine"/>` (guests:
 * `Virtual`) is appended, so Laptops, Prototypes and Resources are only used when asked for.
 */
import type { HostFilter, HostNode } from './types.js';

export type RecipeKind = 'machine' | 'guest';

export function withImplicitSystemType(filter: HostFilter, kind: RecipeKind): HostFilter {
  if (filter.force !== undefined || filter.namesSystemType) return filter;
  const type: HostNode = Object.freeze({
    kind: 'text',
    field: 'type',
    op: '==',
    value: kind === 'guest' ? 'Virtual' : 'Machine',
    implicit: true,
  });
  const { root } = filter;
  const children = Object.freeze(root.kind === 'and' ? [...root.children, type] : [root, type]);
  const combined = children.length === 1 ? type : Object.freeze({ kind: 'and' as const, children });
  return Object.freeze({ root: combined as HostNode, namesSystemType: true });
}
