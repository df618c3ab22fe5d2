/**
 * `<distroRequires>`: the element-to-field mapping, the tree built from it, and its
 * evaluation against one distro tree.
 *
 * Evaluation follows Beaker's XmlDistro (Server/bkr/server/needpropertyxml.py) with two
 * deliberate differences, both because Beaker's behaviour comes from MySQL collations
 * rather than from design:
 * - `=`, `==` and `!=` compare case-sensitively; `like` (SQL LIKE, `%` and `_`, `\` escapes,
 *   see domain/sql-like.ts) is case-insensitive. Under MySQL both were case-insensitive.
 * - `<`, `<=`, `>`, `>=` on name/family/variant/arch compare by UTF-16 code units.
 * As in Beaker, a leaf with an empty value and any `virt` leaf (dynamic virt is not
 * supported) constrain nothing: they are dropped from their parent, and an and/or/not left
 * with nothing to combine constrains nothing either (so `<not><virt …/></not>` matches
 * everything too). `method` is matched against the tree's install methods; Beaker ignores
 * the element altogether.
 */
import type { DistroField, DistroFilter, DistroTreeFacts, FilterOp } from './types.js';
import { attr, elements, type XElement } from './xml-tree.js';
import { ALL_OPS } from './hostreq-rules.js';
import { compileLike, type LikeMatcher } from '../domain/sql-like.js';

/** Element name → field, including the deprecated spellings. */
export const DISTRO_ELEMENTS: Readonly<Record<string, DistroField>> = {
  family: 'family',
  name: 'name',
  tag: 'tag',
  variant: 'variant',
  arch: 'arch',
  method: 'method',
  labcontroller: 'labcontroller',
  virt: 'virt',
  distro_family: 'family',
  distro_name: 'name',
  distro_tag: 'tag',
  distro_variant: 'variant',
  distro_arch: 'arch',
  distro_virt: 'virt',
  distro_method: 'method',
  distrolabcontroller: 'labcontroller',
};

/** Ops each field accepts: list-valued fields only compare for (in)equality or likeness. */
export const DISTRO_FIELD_OPS: Readonly<Record<DistroField, readonly FilterOp[]>> = {
  family: ALL_OPS,
  name: ALL_OPS,
  variant: ALL_OPS,
  arch: ALL_OPS,
  tag: ['=', '==', '!=', 'like'],
  method: ['=', '==', '!=', 'like'],
  labcontroller: ['=', '==', '!=', 'like'],
  virt: ALL_OPS,
};

/** Builds the filter tree from a `<distroRequires>` element (already validated). */
export function buildDistroFilter(el: XElement): DistroFilter {
  return { kind: 'and', children: elements(el).map(buildNode) };
}

function buildNode(el: XElement): DistroFilter {
  if (el.name === 'and' || el.name === 'or' || el.name === 'not') {
    return { kind: el.name, children: elements(el).map(buildNode) };
  }
  const field = DISTRO_ELEMENTS[el.name];
  // Unknown elements cannot pass validation; Beaker would treat them like <and>.
  if (!field) return { kind: 'and', children: elements(el).map(buildNode) };
  const op = (attr(el, 'op') ?? '==') as FilterOp;
  return { kind: 'leaf', field, op, value: attr(el, 'value') ?? '', line: el.line };
}

/** Whether a distro tree satisfies the filter. An empty `<distroRequires/>` matches every tree. */
export function matchesDistroFilter(filter: DistroFilter, facts: DistroTreeFacts): boolean {
  return evaluate(filter, facts) ?? true;
}

/** true/false, or undefined when the node constrains nothing. */
function evaluate(filter: DistroFilter, facts: DistroTreeFacts): boolean | undefined {
  if (filter.kind === 'leaf') return evaluateLeaf(filter.field, filter.op, filter.value, facts);
  const results: boolean[] = [];
  for (const child of filter.children) {
    const result = evaluate(child, facts);
    if (result !== undefined) results.push(result);
  }
  if (results.length === 0) return undefined;
  if (filter.kind === 'or') return results.some(Boolean);
  const all = results.every(Boolean);
  return filter.kind === 'not' ? !all : all;
}

function evaluateLeaf(
  field: DistroField,
  op: FilterOp,
  value: string,
  facts: DistroTreeFacts,
): boolean | undefined {
  if (field === 'virt' || value === '') return undefined;
  switch (field) {
    case 'tag':
      return anyOf(facts.tags, op, value);
    case 'method':
      return anyOf(facts.methods, op, value);
    case 'labcontroller':
      return anyOf(facts.labControllers, op, value);
    default:
      return compare(facts[field], op, value);
  }
}

/** List fields: `!=` means none of the entries is equal; every other op means some entry matches. */
function anyOf(list: readonly string[], op: FilterOp, value: string): boolean {
  if (op === '!=') return !list.includes(value);
  return list.some((entry) => compare(entry, op, value));
}

function compare(actual: string, op: FilterOp, value: string): boolean {
  switch (op) {
    case '=':
    case '==':
      return actual === value;
    case '!=':
      return actual !== value;
    case 'like':
      return likeMatcher(value)(actual);
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
  }
}

const likeCache = new Map<string, LikeMatcher>();

/**
 * `like` as Beaker gets it from MySQL: SQL LIKE (`%` any run, `_` one character, `\` escapes),
 * case-insensitive. Compiled once per pattern; matching never backtracks exponentially.
 */
export function likeMatcher(pattern: string): LikeMatcher {
  let matcher = likeCache.get(pattern);
  if (!matcher) {
    matcher = compileLike(pattern, { caseInsensitive: true });
    if (likeCache.size >= 1000) likeCache.clear();
    likeCache.set(pattern, matcher);
  }
  return matcher;
}
