/**
 * Beaker's submission rules that the RELAX NG schema does not express, or expresses only
 * through libxml2 messages too vague to act on (interleave failures name the recipe, not
 * the culprit). Every problem is reported with the line of the offending element, and all
 * of them are collected in one pass.
 */
import { PRIORITIES } from '../domain/status.js';
import type { XmlIssue } from './types.js';
import { DISTRO_ELEMENTS, DISTRO_FIELD_OPS } from './distro-filter.js';
import { ALL_OPS, checkHostRequires } from './hostreq-rules.js';
import {
  attr,
  childrenNamed,
  elements,
  firstChild,
  isNamespaced,
  textContent,
  type XElement,
} from './xml-tree.js';

export interface SemanticReport {
  errors: XmlIssue[];
  warnings: XmlIssue[];
}

export function checkJobSemantics(root: XElement | undefined): SemanticReport {
  const report: SemanticReport = { errors: [], warnings: [] };
  const error = (el: XElement, message: string) => report.errors.push({ line: el.line, message });
  const warn = (el: XElement, message: string) => report.warnings.push({ line: el.line, message });
  const ctx: Ctx = { error, warn };
  if (!root) {
    report.errors.push({ line: 1, message: 'the document has no root element' });
  } else if (root.name !== 'job') {
    error(root, `the root element must be <job>, not <${root.name}>`);
  } else {
    checkJob(root, ctx);
  }
  return report;
}

interface Ctx {
  error(el: XElement, message: string): void;
  warn(el: XElement, message: string): void;
}

const EMAIL =
  /^[^\s@<>()",;:[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

// libxml2 stops at the first failure inside an interleave, so misspelt elements further
// down would go unreported; these lists catch them wherever they are.
const JOB_CHILDREN = ['notify', 'whiteboard', 'recipeSet'];
const RECIPE_CHILDREN = [
  'autopick',
  'kickstart',
  'watchdog',
  'packages',
  'ks_appends',
  'repos',
  'distroRequires',
  'distro',
  'hostRequires',
  'partitions',
  'task',
  'reservesys',
];
const TASK_CHILDREN = ['fetch', 'params'];

function checkChildNames(el: XElement, allowed: readonly string[], ctx: Ctx): void {
  for (const child of elements(el)) {
    if (!allowed.includes(child.name)) ctx.error(child, `<${child.name}> is not allowed in <${el.name}>`);
  }
}

function checkJob(job: XElement, ctx: Ctx): void {
  checkChildNames(
    job,
    [
      ...JOB_CHILDREN,
      ...elements(job)
        .filter(isNamespaced)
        .map((el) => el.name),
    ],
    ctx,
  );
  for (const cc of elements(job)
    .filter((el) => el.name === 'notify')
    .flatMap((notify) => childrenNamed(notify, 'cc'))) {
    const address = textContent(cc).trim();
    if (!EMAIL.test(address)) ctx.error(cc, `<cc>: "${address}" is not an e-mail address`);
  }
  const recipeSets = childrenNamed(job, 'recipeSet');
  if (recipeSets.length === 0) ctx.error(job, '<job> has no <recipeSet>; a job needs at least one');
  for (const recipeSet of recipeSets) {
    const priority = attr(recipeSet, 'priority');
    if (priority !== undefined && !(PRIORITIES as readonly string[]).includes(priority)) {
      ctx.error(recipeSet, `<recipeSet>: priority="${priority}" is not one of ${PRIORITIES.join(', ')}`);
    }
    checkChildNames(recipeSet, ['recipe'], ctx);
    const recipes = childrenNamed(recipeSet, 'recipe');
    if (recipes.length === 0)
      ctx.error(recipeSet, '<recipeSet> has no <recipe>; a recipe set needs at least one');
    for (const recipe of recipes) checkRecipe(recipe, ctx);
  }
}

const RESERVE_WHEN = ['always', 'onwarn', 'onfail', 'onabort'];
const BOOLEAN = /^\s*(true|false|1|0|TRUE|FALSE)\s*$/;

function checkRecipe(recipe: XElement, ctx: Ctx): void {
  const tag = `<${recipe.name}>`;
  const guest = recipe.name === 'guestrecipe';
  checkChildNames(recipe, guest ? RECIPE_CHILDREN : ['guestrecipe', ...RECIPE_CHILDREN], ctx);
  if (guest && attr(recipe, 'guestargs') === undefined)
    ctx.error(recipe, '<guestrecipe> needs a guestargs attribute');
  for (const name of ['ks_meta', 'kernel_options', 'kernel_options_post']) {
    const problem = shellWordsProblem(attr(recipe, name) ?? '');
    if (problem) ctx.error(recipe, `${tag}: ${name} cannot be parsed: ${problem}`);
  }

  const tasks = childrenNamed(recipe, 'task');
  if (tasks.length === 0) ctx.error(recipe, `${tag} has no <task>; a recipe needs at least one`);
  for (const task of tasks) checkTask(task, ctx);

  const distroRequires = childrenNamed(recipe, 'distroRequires');
  const distro = childrenNamed(recipe, 'distro');
  if (distroRequires.length + distro.length === 0) {
    ctx.error(recipe, `${tag} needs either <distroRequires> or <distro>`);
  } else if (distroRequires.length + distro.length > 1) {
    ctx.error(recipe, `${tag} must have exactly one <distroRequires> or <distro>`);
  }
  for (const el of distroRequires) for (const child of elements(el)) checkDistroFilter(child, ctx);
  for (const el of distro) checkExplicitDistro(el, ctx);

  const hostRequires = childrenNamed(recipe, 'hostRequires');
  if (hostRequires.length === 0) ctx.error(recipe, `${tag} needs a <hostRequires> element (it may be empty)`);
  if (hostRequires.length > 1) ctx.error(recipe, `${tag} has more than one <hostRequires>`);
  for (const el of hostRequires) checkHostRequires(el, ctx);

  const autopick = firstChild(recipe, 'autopick');
  const random = autopick && attr(autopick, 'random');
  if (autopick && random !== undefined && !BOOLEAN.test(random)) {
    ctx.error(autopick, `<autopick>: random="${random}" is not true or false`);
  }
  const watchdog = firstChild(recipe, 'watchdog');
  const panic = watchdog && attr(watchdog, 'panic');
  if (watchdog && panic !== undefined && panic !== 'ignore' && panic !== 'None') {
    ctx.error(watchdog, `<watchdog>: panic="${panic}" must be "ignore" or "None"`);
  }
  for (const reservesys of childrenNamed(recipe, 'reservesys')) {
    const duration = attr(reservesys, 'duration');
    if (duration !== undefined && !/^\s*\d+\s*$/.test(duration)) {
      ctx.error(
        reservesys,
        `<reservesys>: duration="${duration}" must be a whole number of seconds (0 or more)`,
      );
    }
    const when = attr(reservesys, 'when');
    if (when !== undefined && !RESERVE_WHEN.includes(when)) {
      ctx.error(reservesys, `<reservesys>: when="${when}" must be one of ${RESERVE_WHEN.join(', ')}`);
    }
  }
  for (const partition of childrenNamed(recipe, 'partitions').flatMap((el) =>
    childrenNamed(el, 'partition'),
  )) {
    checkPartition(partition, ctx);
  }
  // Missing required attributes otherwise surface only as an interleave failure of the recipe.
  for (const pkg of childrenNamed(recipe, 'packages').flatMap((el) => childrenNamed(el, 'package'))) {
    if (attr(pkg, 'name') === undefined) ctx.error(pkg, '<package> needs a name attribute');
  }
  for (const repo of childrenNamed(recipe, 'repos').flatMap((el) => childrenNamed(el, 'repo'))) {
    for (const name of ['name', 'url'])
      if (attr(repo, name) === undefined) ctx.error(repo, `<repo> needs a ${name} attribute`);
  }

  if (!guest) for (const child of childrenNamed(recipe, 'guestrecipe')) checkRecipe(child, ctx);
}

function checkTask(task: XElement, ctx: Ctx): void {
  checkChildNames(task, TASK_CHILDREN, ctx);
  const fetch = childrenNamed(task, 'fetch');
  if (fetch.length === 0) {
    const name = attr(task, 'name');
    if (name === undefined || name.trim() === '') {
      ctx.error(
        task,
        '<task> needs a name attribute (it may be left out only when the task has a <fetch> element)',
      );
    }
  }
  if (fetch.length > 1) ctx.error(task, '<task> has more than one <fetch>');
  for (const el of fetch) {
    const url = attr(el, 'url');
    if (url === undefined || url.trim() === '') ctx.error(el, '<fetch> needs a url attribute');
  }
  for (const param of childrenNamed(task, 'params').flatMap((el) => childrenNamed(el, 'param'))) {
    if (attr(param, 'name') === undefined) ctx.error(param, '<param> needs a name attribute');
    if (attr(param, 'value') === undefined) ctx.error(param, '<param> needs a value attribute');
  }
}

function checkDistroFilter(el: XElement, ctx: Ctx): void {
  if (el.name === 'and' || el.name === 'or' || el.name === 'not') {
    for (const child of elements(el)) checkDistroFilter(child, ctx);
    return;
  }
  const field = DISTRO_ELEMENTS[el.name];
  if (!field) {
    ctx.error(el, `<${el.name}> is not a known <distroRequires> filter`);
    return;
  }
  if (el.name !== field && el.name.startsWith('distro'))
    ctx.warn(el, `<${el.name}> is deprecated; use <${field}>`);
  if (field === 'virt') ctx.warn(el, `<${el.name}> is ignored: dynamic virtualisation is not supported`);
  const op = attr(el, 'op');
  const allowed = DISTRO_FIELD_OPS[field];
  if (op !== undefined && !(allowed as readonly string[]).includes(op)) {
    const known = (ALL_OPS as readonly string[]).includes(op);
    ctx.error(
      el,
      `<${el.name}>: op="${op}" is ${known ? 'not allowed here' : 'not an operator'}; use one of ${allowed.join(' ')}`,
    );
  }
  if (attr(el, 'value') === undefined) ctx.error(el, `<${el.name}> needs a value attribute`);
}

function checkExplicitDistro(distro: XElement, ctx: Ctx): void {
  const required: [string, string][] = [
    ['tree', 'url'],
    ['kernel', 'url'],
    ['initrd', 'url'],
    ['arch', 'value'],
    ['osversion', 'major'],
  ];
  for (const [name, attribute] of required) {
    const el = firstChild(distro, name);
    if (!el) ctx.error(distro, `<distro> needs a <${name}> element`);
    else if (!attr(el, attribute)) ctx.error(el, `<${name}> needs a non-empty ${attribute} attribute`);
  }
}

function checkPartition(partition: XElement, ctx: Ctx): void {
  if (!attr(partition, 'name')) ctx.error(partition, '<partition> needs a name attribute (the mount point)');
  const size = attr(partition, 'size');
  if (size === undefined) ctx.error(partition, '<partition> needs a size attribute (in GB)');
  else if (!/^\s*\d+\s*$/.test(size)) {
    ctx.error(partition, `<partition>: size="${size}" must be a whole number of GB`);
  }
  const type = attr(partition, 'type');
  if (type !== undefined && type !== 'part' && type !== 'lvm') {
    ctx.error(partition, `<partition>: type="${type}" must be "part" or "lvm"`);
  }
}

/** Mirrors Python's shlex.split failures, which is how Beaker parses ks_meta and kernel options. */
export function shellWordsProblem(value: string): string | undefined {
  let quote = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quote === "'") {
      if (ch === "'") quote = '';
    } else if (ch === '\\') {
      if (i + 1 >= value.length) return 'it ends with an unescaped backslash';
      i++;
    } else if (quote === '"') {
      if (ch === '"') quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    }
  }
  return quote ? `no closing ${quote === '"' ? 'double' : 'single'} quote` : undefined;
}
