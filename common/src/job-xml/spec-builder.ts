/**
 * Turns a validated job document into a JobSpec, applying the defaults Beaker's
 * process_xmljob/handleRecipe apply (Server/bkr/server/jobs.py) and keeping the verbatim
 * pieces (recipe XML, hostRequires, extra XML) that clone and results export reuse.
 */
import type { Priority } from '../domain/status.js';
import type {
  ExplicitDistro,
  JobSpec,
  RecipeSetSpec,
  RecipeSpec,
  ReservesysWhen,
  TaskSpec,
  WatchdogPanic,
} from './types.js';
import { buildDistroFilter } from './distro-filter.js';
import { escapeAttr } from './xml-text.js';
import {
  attr,
  childrenNamed,
  elements,
  firstChild,
  isNamespaced,
  textContent,
  type XDocument,
  type XElement,
} from './xml-tree.js';
import { filterFromElement, MATCH_ALL } from '../host-filter/parse.js';

export function buildJobSpec(doc: XDocument): JobSpec {
  const job = doc.root;
  if (!job) throw new Error('buildJobSpec needs a parsed <job>');
  const whiteboard = firstChild(job, 'whiteboard');
  const notifyCc: string[] = [];
  for (const cc of childrenNamed(job, 'notify').flatMap((notify) => childrenNamed(notify, 'cc'))) {
    const address = textContent(cc).trim();
    if (address && !notifyCc.includes(address)) notifyCc.push(address);
  }
  return {
    user: nonEmpty(attr(job, 'user')),
    group: nonEmpty(attr(job, 'group')),
    retentionTag: nonEmpty(attr(job, 'retention_tag')),
    product: nonEmpty(attr(job, 'product')),
    whiteboard: whiteboard ? textContent(whiteboard).trim() : '',
    notifyCc,
    extraXml: elements(job)
      .filter(isNamespaced)
      .map((el) => extraXml(doc.text, job, el)),
    recipeSets: childrenNamed(job, 'recipeSet').map((el): RecipeSetSpec => ({
      line: el.line,
      priority: attr(el, 'priority') as Priority | undefined,
      recipes: childrenNamed(el, 'recipe').map((recipe) => buildRecipe(doc.text, recipe)),
    })),
  };
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

/**
 * The element verbatim. Prefixes it uses that are declared on `<job>` rather than on the
 * element itself get their declarations added, so the fragment stands on its own.
 */
function extraXml(text: string, job: XElement, el: XElement): string {
  const verbatim = text.slice(el.start, el.end);
  const used = new Set<string>();
  const declared = new Set<string>();
  const visit = (node: XElement) => {
    for (const name of [node.name, ...Object.keys(node.attrs)]) {
      if (name.startsWith('xmlns:')) declared.add(name.slice(6));
      else if (name.includes(':') && !name.startsWith('xml:')) used.add(name.slice(0, name.indexOf(':')));
    }
    for (const child of elements(node)) visit(child);
  };
  visit(el);
  let additions = '';
  for (const prefix of used) {
    const uri = job.attrs[`xmlns:${prefix}`];
    if (!declared.has(prefix) && uri !== undefined) additions += ` xmlns:${prefix}="${escapeAttr(uri)}"`;
  }
  if (!additions) return verbatim;
  const nameEnd = 1 + el.name.length;
  return verbatim.slice(0, nameEnd) + additions + verbatim.slice(nameEnd);
}

function buildRecipe(text: string, el: XElement): RecipeSpec {
  const guest = el.name === 'guestrecipe';
  const autopick = firstChild(el, 'autopick');
  const watchdog = firstChild(el, 'watchdog');
  const distroRequires = firstChild(el, 'distroRequires');
  const distro = firstChild(el, 'distro');
  const hostRequires = firstChild(el, 'hostRequires');
  const reservesys = firstChild(el, 'reservesys');
  const kickstart = firstChild(el, 'kickstart');
  const packages: string[] = [];
  for (const pkg of childrenNamed(el, 'packages').flatMap((p) => childrenNamed(p, 'package'))) {
    const name = attr(pkg, 'name');
    if (name !== undefined && !packages.includes(name)) packages.push(name);
  }
  return {
    kind: guest ? 'guest' : 'machine',
    line: el.line,
    xml: text.slice(el.start, el.end),
    whiteboard: attr(el, 'whiteboard') ?? '',
    role: attr(el, 'role') ?? 'None',
    ksMeta: attr(el, 'ks_meta') ?? '',
    kernelOptions: attr(el, 'kernel_options') ?? '',
    kernelOptionsPost: attr(el, 'kernel_options_post') ?? '',
    ...(guest ? { guestName: attr(el, 'guestname') ?? '', guestArgs: attr(el, 'guestargs') ?? '' } : {}),
    autopickRandom: ['true', '1'].includes(
      (autopick && attr(autopick, 'random'))?.trim().toLowerCase() ?? '',
    ),
    watchdogPanic: watchdog ? ((attr(watchdog, 'panic') ?? 'None') as WatchdogPanic) : undefined,
    distroRequires: distroRequires ? buildDistroFilter(distroRequires) : undefined,
    distro: distro ? buildExplicitDistro(distro) : undefined,
    hostRequiresXml: hostRequires ? text.slice(hostRequires.start, hostRequires.end) : '',
    hostRequiresForce: nonEmpty(hostRequires && attr(hostRequires, 'force')),
    hostFilter: hostRequires ? filterFromElement(hostRequires) : MATCH_ALL,
    reservesys: reservesys
      ? {
          duration: Number.parseInt(attr(reservesys, 'duration') ?? '86400', 10),
          when: (attr(reservesys, 'when') ?? 'always') as ReservesysWhen,
        }
      : undefined,
    packages,
    repos: childrenNamed(el, 'repos')
      .flatMap((r) => childrenNamed(r, 'repo'))
      .map((repo) => ({ name: attr(repo, 'name') ?? '', url: attr(repo, 'url') ?? '' })),
    ksAppends: childrenNamed(el, 'ks_appends')
      .flatMap((k) => childrenNamed(k, 'ks_append'))
      .map(textContent),
    kickstart: kickstart ? textContent(kickstart) : undefined,
    partitions: childrenNamed(el, 'partitions')
      .flatMap((p) => childrenNamed(p, 'partition'))
      .map((partition) => ({
        ...(attr(partition, 'fs') ? { fs: attr(partition, 'fs') } : {}),
        name: attr(partition, 'name') ?? '',
        type: (attr(partition, 'type') ?? 'part') as 'part' | 'lvm',
        sizeGb: Number.parseInt(attr(partition, 'size') ?? '5', 10),
      })),
    tasks: childrenNamed(el, 'task').map(buildTask),
    guests: guest ? [] : childrenNamed(el, 'guestrecipe').map((g) => buildRecipe(text, g)),
  };
}

function buildTask(el: XElement): TaskSpec {
  const fetchEl = firstChild(el, 'fetch');
  const fetch = fetchEl
    ? { url: attr(fetchEl, 'url') ?? '', subdir: nonEmpty(attr(fetchEl, 'subdir')) }
    : undefined;
  // Beaker's RecipeTask.from_fetch_url: the URL, then a space and the subdir if there is one.
  const defaultName = fetch ? (fetch.subdir ? `${fetch.url} ${fetch.subdir}` : fetch.url) : '';
  return {
    line: el.line,
    name: attr(el, 'name') ?? defaultName,
    role: attr(el, 'role') ?? 'None',
    ...(fetch ? { fetch: fetch.subdir === undefined ? { url: fetch.url } : fetch } : {}),
    params: childrenNamed(el, 'params')
      .flatMap((p) => childrenNamed(p, 'param'))
      .map((param) => ({ name: attr(param, 'name') ?? '', value: attr(param, 'value') ?? '' })),
  };
}

function buildExplicitDistro(el: XElement): ExplicitDistro {
  const value = (name: string, attribute: string) => {
    const child = firstChild(el, name);
    return child ? attr(child, attribute) : undefined;
  };
  const optional = (name: string, attribute: string) => nonEmpty(value(name, attribute));
  const result: ExplicitDistro = {
    treeUrl: value('tree', 'url') ?? '',
    kernelUrl: value('kernel', 'url') ?? '',
    initrdUrl: value('initrd', 'url') ?? '',
    arch: value('arch', 'value') ?? '',
    osMajor: value('osversion', 'major') ?? '',
  };
  const extras = {
    imageUrl: optional('image', 'url'),
    osMinor: optional('osversion', 'minor'),
    name: optional('name', 'value'),
    variant: optional('variant', 'value'),
  };
  for (const [key, v] of Object.entries(extras))
    if (v !== undefined) (result as unknown as Record<string, string>)[key] = v;
  return result;
}
