import { XMLParser } from 'fast-xml-parser';
import { ErlenError } from '../../common/src/errors.js';

/** Role name → FQDNs of the systems holding it (Beaker's `<roles>`). */
export type Roles = Record<string, string[]>;

export interface PlannedTask {
  id: number;
  name: string;
  /** 1-based place in the recipe (TESTORDER). */
  order: number;
  role: string;
  status: string;
  /** Expected run time in seconds (`avg_time`), when the recipe document gives one. */
  avgTime?: number;
  fetch?: { url: string; subdir?: string };
  params: { name: string; value: string }[];
  roles: Roles;
  /** How many results the task already has (reported before a reboot, say). */
  resultCount: number;
}

/** What the harness reads from the recipe document (reference/beaker.md §6.2). */
export interface RecipePlan {
  jobId: number;
  recipeSetId: number;
  recipeId: number;
  kind: 'machine' | 'guest';
  owner: string;
  role: string;
  status: string;
  distro: string;
  family: string;
  variant: string;
  arch: string;
  whiteboard: string;
  jobWhiteboard: string;
  roles: Roles;
  tasks: PlannedTask[];
}

/** Statuses after which a task is never run again. */
const FINISHED = new Set(['Completed', 'Aborted', 'Cancelled']);
export const isFinishedStatus = (status: string) => FINISHED.has(status);

type Node = Record<string, unknown>;
const REPEATED = new Set(['recipeSet', 'recipe', 'guestrecipe', 'task', 'param', 'role', 'system', 'result']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => REPEATED.has(name),
});

/** The recipe `recipeId` of a results-format recipe document (GET /recipes/<id>/). */
export function parseRecipeDocument(xml: string, recipeId: number): RecipePlan {
  let document: Node;
  try {
    document = parser.parse(xml) as Node;
  } catch (error) {
    throw new ErlenError('BAD_REQUEST', `the recipe document is not XML: ${(error as Error).message}`);
  }
  const job = document.job as Node | undefined;
  if (!job) throw new ErlenError('BAD_REQUEST', 'the recipe document has no <job>');
  for (const set of nodes(job.recipeSet)) {
    for (const recipe of nodes(set.recipe)) {
      const guest = nodes(recipe.guestrecipe).find((g) => attr(g, 'id') === String(recipeId));
      const found = attr(recipe, 'id') === String(recipeId) ? recipe : guest;
      if (found) return plan(job, set, found, guest ? 'guest' : 'machine');
    }
  }
  throw new ErlenError('NOT_FOUND', `the recipe document holds no recipe ${recipeId}`);
}

function plan(job: Node, set: Node, recipe: Node, kind: 'machine' | 'guest'): RecipePlan {
  return {
    jobId: integer(job, 'id', 'job'),
    recipeSetId: integer(set, 'id', 'recipeSet'),
    recipeId: integer(recipe, 'id', 'recipe'),
    kind,
    owner: attr(job, 'owner') ?? '',
    role: attr(recipe, 'role') ?? 'None',
    status: attr(recipe, 'status') ?? '',
    distro: attr(recipe, 'distro') ?? '',
    family: attr(recipe, 'family') ?? '',
    variant: attr(recipe, 'variant') ?? '',
    arch: attr(recipe, 'arch') ?? '',
    whiteboard: attr(recipe, 'whiteboard') ?? '',
    jobWhiteboard: text(job.whiteboard),
    roles: roles(recipe.roles),
    tasks: nodes(recipe.task).map((task, index) => plannedTask(task, index + 1)),
  };
}

function plannedTask(task: Node, order: number): PlannedTask {
  const fetch = (task.fetch as Node | undefined) ?? undefined;
  const url = fetch ? attr(fetch, 'url') : undefined;
  const subdir = fetch ? attr(fetch, 'subdir') : undefined;
  const avgTime = Number(attr(task, 'avg_time'));
  const params = nodes((task.params as Node | undefined)?.param).map((param) => ({
    name: attr(param, 'name') ?? '',
    value: attr(param, 'value') ?? '',
  }));
  return {
    id: integer(task, 'id', 'task'),
    name: attr(task, 'name') ?? '',
    order,
    role: attr(task, 'role') ?? 'STANDALONE',
    status: attr(task, 'status') ?? '',
    ...(Number.isSafeInteger(avgTime) && avgTime > 0 ? { avgTime } : {}),
    ...(url ? { fetch: { url, ...(subdir ? { subdir } : {}) } } : {}),
    params: params.filter((p) => p.name !== ''),
    roles: roles(task.roles),
    resultCount: nodes((task.results as Node | undefined)?.result).length,
  };
}

function roles(element: unknown): Roles {
  const found: Roles = {};
  for (const role of nodes((element as Node | undefined)?.role)) {
    const name = attr(role, 'value');
    if (!name) continue;
    const systems = nodes(role.system).flatMap((s) => attr(s, 'value') ?? []);
    found[name] = [...(found[name] ?? []), ...systems];
  }
  return found;
}

/** Repeated children as an array; an empty element (parsed as "") has none. */
function nodes(value: unknown): Node[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is Node => typeof v === 'object' && v !== null);
}

function attr(node: Node, name: string): string | undefined {
  const value = node[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}

function integer(node: Node, name: string, element: string): number {
  const value = Number(attr(node, name));
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ErlenError('BAD_REQUEST', `the recipe document's <${element}> has no ${name}`);
  return value;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as Node)['#text'] === 'string')
    return (value as Node)['#text'] as string;
  return '';
}
