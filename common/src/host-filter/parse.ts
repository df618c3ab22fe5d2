/**
 * `<hostRequires>` text → HostFilter, once per recipe (or per search). Input is checked with
 * the same rules as job submission (job-xml/hostreq-rules.ts: ops, units, numbers, dates,
 * force), except that unknown elements are a warning and act like `<and>`, as in Beaker.
 */
import { isErlenError } from '../errors.js';
import { assertNotHostile, DEFAULT_MAX_BYTES, type XmlLimits } from '../job-xml/guard.js';
import { checkHostRequires } from '../job-xml/hostreq-rules.js';
import type { XmlIssue } from '../job-xml/types.js';
import { attr, checkWellFormed, elements, parseTree, type XElement } from '../job-xml/xml-tree.js';
import { buildRoot, type BuildReport } from './build.js';
import type { HostFilter } from './types.js';

export type HostRequiresParse =
  { ok: true; filter: HostFilter; force?: string; warnings: XmlIssue[] } | { ok: false; errors: XmlIssue[] };

/** Matches every system: what an absent or empty `<hostRequires/>` means. */
export const MATCH_ALL: HostFilter = Object.freeze({
  root: Object.freeze({ kind: 'and', children: [] }),
  namesSystemType: false,
}) as HostFilter;

/**
 * Parses a `<hostRequires>` element as stored with the recipe (RecipeSpec.hostRequiresXml;
 * "" means no element, which matches everything). Text that is not a `<hostRequires>`
 * element is read as its content, so a search may pass just `<system>…</system>` or several
 * filter elements.
 */
export function parseHostRequires(xml: string, limits: XmlLimits = {}): HostRequiresParse {
  if (xml.trim() === '') return { ok: true, filter: MATCH_ALL, warnings: [] };
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (xml.length > maxBytes) {
    return { ok: false, errors: [{ message: `host filter larger than ${maxBytes} characters` }] };
  }
  const text = asHostRequires(xml);
  try {
    assertNotHostile(text, limits);
  } catch (error) {
    if (!isErlenError(error)) throw error;
    const issues = Array.isArray(error.details) ? (error.details as XmlIssue[]) : [];
    return { ok: false, errors: issues.length > 0 ? issues : [{ message: error.message }] };
  }
  const malformed = checkWellFormed(text);
  if (malformed) return { ok: false, errors: [malformed] };
  const root = parseTree(text).root;
  if (!root) return { ok: false, errors: [{ line: 1, message: 'the host filter has no element' }] };

  const errors: XmlIssue[] = [];
  const warnings: XmlIssue[] = [];
  const report = {
    error: (el: XElement, message: string) => errors.push({ line: el.line, message }),
    warn: (el: XElement, message: string) => warnings.push({ line: el.line, message }),
  };
  checkHostRequires(root, report, { unknownElements: 'warn' });
  if (errors.length > 0) return { ok: false, errors };

  const filter = filterFromElement(root, report);
  return { ok: true, filter, ...(filter.force ? { force: filter.force } : {}), warnings };
}

/**
 * The filter of a `<hostRequires>` element that has passed checkHostRequires: job
 * submission builds it from the tree it already parsed, so a recipe is parsed once.
 */
export function filterFromElement(root: XElement, report: BuildReport = { warn: () => {} }): HostFilter {
  const force = attr(root, 'force')?.trim();
  if (force) {
    return deepFreeze({
      root: { kind: 'text', field: 'fqdn', op: '==', value: force },
      force,
      namesSystemType: false,
    });
  }
  return deepFreeze({ root: buildRoot(root, report), namesSystemType: namesSystemType(root) });
}

/**
 * Stored form of a parsed filter (recipe.host_filter): the scheduler loads thousands of
 * recipes at start and should not parse XML for each. The format number lets a later
 * change of HostNode fall back to parsing the stored XML.
 */
export const HOST_FILTER_FORMAT = 1;

export function storedHostFilter(filter: HostFilter): { format: number; filter: HostFilter } {
  return { format: HOST_FILTER_FORMAT, filter };
}

export function hostFilterFromStore(value: unknown): HostFilter | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stored = value as { format?: unknown; filter?: unknown };
  return stored.format === HOST_FILTER_FORMAT && typeof stored.filter === 'object' && stored.filter !== null
    ? deepFreeze(stored.filter as HostFilter)
    : undefined;
}

/**
 * Compiled predicates are cached per node, so parsed filters must not change afterwards.
 * The scheduler freezes every stored filter of its queue at start: walked by index and by
 * for-in rather than with Object.values, 10,000 filters took ~9 ms instead of ~25 and left
 * no array of values (or keys) per node behind.
 */
function deepFreeze<T extends object>(value: T): T {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) freezeChild(value[i]);
  } else {
    for (const key in value) if (Object.hasOwn(value, key)) freezeChild(value[key]);
  }
  return Object.freeze(value);
}

function freezeChild(child: unknown): void {
  if (typeof child === 'object' && child !== null) deepFreeze(child);
}

/**
 * The text itself when its root is `<hostRequires>`, else the text inside one. Scanned
 * without regular expressions over the prolog (hostile input must not backtrack); an XML
 * declaration becomes blanks so lines and columns stay those of the input.
 */
function asHostRequires(xml: string): string {
  let i = 0;
  let declarationEnd = 0;
  for (;;) {
    while (i < xml.length && ' \t\r\n'.includes(xml[i] as string)) i++;
    const end = xml.startsWith('<?', i)
      ? xml.indexOf('?>', i)
      : xml.startsWith('<!--', i)
        ? xml.indexOf('-->', i)
        : -2;
    if (end === -2) break;
    if (end === -1) return xml; // unterminated: the well-formedness check reports it
    if (xml.startsWith('<?xml', i)) declarationEnd = end + 2;
    i = end + (xml[end] === '?' ? 2 : 3);
  }
  const name = /^<([^\s/>]+)/.exec(xml.slice(i, i + 64))?.[1];
  if (name === 'hostRequires') return xml;
  const blanks = xml.slice(0, declarationEnd).replace(/[^\n]/g, ' ');
  return `<hostRequires>${blanks}${xml.slice(declarationEnd)}</hostRequires>`;
}

/** Beaker's `.//system_type` or `.//system/type` test (MachineRecipe.host_requires). */
function namesSystemType(el: XElement): boolean {
  for (const child of elements(el)) {
    if (child.name === 'system_type' || (child.name === 'type' && el.name === 'system')) return true;
    if (namesSystemType(child)) return true;
  }
  return false;
}
