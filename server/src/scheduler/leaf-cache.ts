/**
 * The system index's cache of filter leaves, keyed by what compile() reads of a leaf: equal
 * keys mean equal predicates, whatever else the nodes carry (`implicit`, `units`, `why`).
 * The key is up to five parts looked up in nested maps, not one string: for the 60,000
 * leaves of a 10,000-recipe queue, JSON.stringify took ~90 ms of the cold start, and even
 * a template string left ~15 MB of intermediate strings behind; these lookups take ~10 ms.
 */
import type { HostNode } from '../../../common/src/host-filter/index.js';

type Part = string | number | boolean | undefined;
type Level<T> = Map<Part, T>;

export class LeafCache<T> {
  private byParts: Level<Level<Level<Level<Level<T>>>>> = new Map();
  private all: T[] = [];

  get size(): number {
    return this.all.length;
  }

  values(): readonly T[] {
    return this.all;
  }

  clear(): void {
    this.byParts = new Map();
    this.all = [];
  }

  get(node: HostNode): T | undefined {
    return this.at(node, undefined);
  }

  set(node: HostNode, value: T): void {
    this.at(node, value);
  }

  /** The entry of the leaf; with `insert`, which becomes it when there is none. */
  private at(node: HostNode, insert: T | undefined): T | undefined {
    switch (node.kind) {
      case 'text':
      case 'number':
      case 'list':
        return this.path(insert, node.kind, node.field, node.op, node.value);
      case 'keyValue':
        // No value (has the key / lacks it) is not the value ''.
        return this.path(insert, node.kind, node.key, node.op, node.value);
      case 'date':
        return this.path(insert, node.kind, node.field, node.op, node.day);
      case 'compatible':
        // No osMinor (every minor) is not osMinor ''.
        return this.path(insert, node.kind, node.arch, node.osMajor, node.osMinor);
      case 'pools':
        return this.path(insert, node.kind, node.inAny);
      case 'inventoried':
        return this.path(insert, node.kind, node.inventoried);
      case 'hyper':
        return this.path(insert, node.kind, node.value);
      case 'autoProv':
      case 'never':
        return this.path(insert, node.kind);
      default:
        // device and disk (nested criteria): rare enough for JSON. and/or/not never get here.
        return this.path(insert, node.kind, JSON.stringify(node));
    }
  }

  private path(insert: T | undefined, p0: Part, p1?: Part, p2?: Part, p3?: Part, p4?: Part): T | undefined {
    if (insert === undefined) return this.byParts.get(p0)?.get(p1)?.get(p2)?.get(p3)?.get(p4);
    const last = child(child(child(child(this.byParts, p0), p1), p2), p3);
    const found = last.get(p4);
    if (found !== undefined) return found;
    last.set(p4, insert);
    this.all.push(insert);
    return insert;
  }
}

function child<T>(level: Level<Level<T>>, part: Part): Level<T> {
  let next = level.get(part);
  if (!next) {
    next = new Map();
    level.set(part, next);
  }
  return next;
}
