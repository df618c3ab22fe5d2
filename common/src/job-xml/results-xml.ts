/**
 * Beaker's results XML (`bkr job-results`, `/jobs/<id>.xml`): the submitted job plus ids,
 * statuses, results, roles, logs and installation times. Attribute order and element
 * placement follow Beaker's `to_xml()` as captured in complete-job-results.xml.
 *
 * Each recipe is rendered from its stored submitted XML: the recipe and task start tags are
 * regenerated and the results-only children spliced in at their canonical places, so the
 * rest of what the user wrote comes back unchanged.
 */
import { isQueued } from '../domain/status.js';
import type { JobView, LogLink, RecipeView, ResultRowView, RoleView, TaskView } from './types.js';
import { jobPreamble } from './clone-xml.js';
import { Edits, injectChildren, rankIn, type Injection } from './splice.js';
import { startTag, type AttrList, type BuiltElement } from './xml-text.js';
import { childrenNamed, parseTree, type XElement } from './xml-tree.js';

export interface ResultsXmlOptions {
  /** Include `<logs>` (default true, as Beaker has since version 24). */
  includeLogs?: boolean;
}

export function renderResultsXml(job: JobView, options: ResultsXmlOptions = {}): string {
  const includeLogs = options.includeLogs ?? true;
  const lines = [
    startTag('job', [
      ['id', String(job.id)],
      ['owner', job.ownerEmail],
      ['result', job.result],
      ['status', job.status],
      ['retention_tag', job.retentionTag],
      ['group', job.group],
      ['product', job.product],
    ]),
    ...jobPreamble(job),
  ];
  for (const set of job.recipeSets) {
    const attrs: AttrList = [
      ['priority', set.priority],
      ['response', set.waived ? 'nak' : 'ack'],
      ['id', String(set.id)],
    ];
    lines.push(`  ${startTag('recipeSet', attrs)}`);
    for (const recipe of set.recipes) lines.push(`    ${renderRecipeResults(recipe, includeLogs)}`);
    lines.push('  </recipeSet>');
  }
  lines.push('</job>');
  return `${lines.join('\n')}\n`;
}

const RECIPE_ORDER = [
  'guestrecipe',
  'autopick',
  'kickstart',
  'watchdog',
  'installation',
  'packages',
  'ks_appends',
  'roles',
  'repos',
  'distroRequires',
  'distro',
  'hostRequires',
  'partitions',
  'logs',
  'task',
  'reservesys',
];
const TASK_ORDER = ['rpm', 'fetch', 'roles', 'params', 'logs', 'results'];
const recipeRank = rankIn(RECIPE_ORDER);
const taskRank = rankIn(TASK_ORDER);

/** One `<recipe>`/`<guestrecipe>` element with its results (guests rendered from their own views). */
export function renderRecipeResults(view: RecipeView, includeLogs = true): string {
  const source = view.xml;
  const root = parseTree(source).root;
  if (!root) throw new Error(`recipe ${view.id} has no stored XML`);
  const edits = new Edits();

  childrenNamed(root, 'guestrecipe').forEach((guestEl, index) => {
    const guest = view.guests[index];
    if (guest) edits.replace(guestEl.start, guestEl.end, renderRecipeResults(guest, includeLogs));
  });
  childrenNamed(root, 'task').forEach((taskEl, index) => {
    const task = view.tasks[index];
    if (task) renderTask(source, taskEl, task, includeLogs, edits);
  });

  const items: Injection[] = [{ rank: recipeRank('installation'), element: installation(view) }];
  if (!isQueued(view.status)) items.push({ rank: recipeRank('roles'), element: roles(view.roles) });
  if (includeLogs) items.push({ rank: recipeRank('logs'), element: logs(view.logs) });
  injectChildren(source, root, startTag(root.name, recipeAttrs(view, root)), items, recipeRank, edits);
  return edits.apply(source);
}

function recipeAttrs(view: RecipeView, root: XElement): AttrList {
  const stored = (name: string) => root.attrs[name];
  const attrs: [string, string | undefined][] = [
    ['id', String(view.id)],
    ['job_id', String(view.jobId)],
    ['recipe_set_id', String(view.recipeSetId)],
    ['whiteboard', view.whiteboard],
    ['role', stored('role') ?? 'None'],
    ['kickstart_url', view.kickstartUrl],
    ['ks_meta', stored('ks_meta') ?? ''],
    ['kernel_options', stored('kernel_options') ?? ''],
    ['kernel_options_post', stored('kernel_options_post') ?? ''],
    ['start_time', formatTime(view.startTime)],
    ['finish_time', formatTime(view.finishTime)],
    ['duration', formatDuration(view.startTime, view.finishTime)],
    ['result', view.result],
    ['status', view.status],
    ['distro', view.distro?.name],
    ['arch', view.distro?.arch],
    ['family', view.distro?.family],
    ['variant', view.distro?.variant],
    ['system', view.system],
  ];
  if (root.name === 'guestrecipe') {
    attrs.push(
      ['guestname', stored('guestname') ?? ''],
      ['guestargs', stored('guestargs') ?? ''],
      ['mac_address', view.guest?.macAddress],
      ['location', view.guest?.location],
    );
    const schemes = Object.entries(view.guest?.schemeLocations ?? {}).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    for (const [scheme, url] of schemes)
      attrs.push([`${scheme.toLowerCase().replace(/[^a-z0-9]+/g, '_')}_location`, url]);
  }
  return attrs;
}

function renderTask(source: string, el: XElement, task: TaskView, includeLogs: boolean, edits: Edits): void {
  const attrs: AttrList = [
    ['name', task.name],
    ['role', task.role || 'STANDALONE'],
    ['version', task.version],
    ['id', String(task.id)],
    ['result', task.result],
    ['status', task.status],
    ['avg_time', task.avgTime === undefined ? undefined : String(task.avgTime)],
    ['start_time', formatTime(task.startTime)],
    ['finish_time', formatTime(task.finishTime)],
    ['duration', formatDuration(task.startTime, task.finishTime)],
  ];
  const items: Injection[] = [];
  if (task.rpm)
    items.push({
      rank: taskRank('rpm'),
      element: {
        name: 'rpm',
        attrs: [
          ['name', task.rpm.name],
          ['path', task.rpm.path],
        ],
      },
    });
  if (!isQueued(task.status)) items.push({ rank: taskRank('roles'), element: roles(task.roles) });
  if (includeLogs) items.push({ rank: taskRank('logs'), element: logs(task.logs) });
  if (task.results.length > 0) {
    items.push({
      rank: taskRank('results'),
      element: { name: 'results', children: task.results.map((row) => resultRow(row, includeLogs)) },
    });
  }
  injectChildren(source, el, startTag('task', attrs), items, taskRank, edits);
}

function resultRow(row: ResultRowView, includeLogs: boolean): BuiltElement {
  // Beaker writes str() of missing values, hence "None".
  const attrs: AttrList = [
    ['path', row.path],
    ['start_time', formatTime(row.startTime) ?? 'None'],
    ['score', row.score ?? 'None'],
    ['result', row.result],
    ['id', String(row.id)],
  ];
  const children: (BuiltElement | string)[] = [row.message];
  if (includeLogs && row.logs.length > 0) children.push(logs(row.logs));
  return { name: 'result', attrs, children };
}

function installation(view: RecipeView): BuiltElement {
  const times = view.installation ?? {};
  return {
    name: 'installation',
    attrs: [
      ['install_started', formatTime(times.installStarted)],
      ['install_finished', formatTime(times.installFinished)],
      ['postinstall_finished', formatTime(times.postinstallFinished)],
    ],
  };
}

/** Rendered in the order given (Beaker sorts roles by name; the caller does that). */
function roles(list: readonly RoleView[]): BuiltElement {
  return {
    name: 'roles',
    children: list.map((role) => ({
      name: 'role',
      attrs: [['value', role.role]],
      children: role.systems.map((fqdn) => ({ name: 'system', attrs: [['value', fqdn]] })),
    })),
  };
}

function logs(list: readonly LogLink[]): BuiltElement {
  return {
    name: 'logs',
    children: list.map((log) => ({
      name: 'log',
      attrs: [
        ['href', log.href],
        ['name', log.name],
      ],
    })),
  };
}

/** Beaker's "YYYY-MM-DD HH:MM:SS", in UTC. */
export function formatTime(time: Date | undefined): string | undefined {
  return time ? time.toISOString().slice(0, 19).replace('T', ' ') : undefined;
}

/**
 * Python's str(timedelta) at whole seconds ("0:59:00", "1 day, 2:03:04"). Like Beaker,
 * nothing for a missing end or a zero duration.
 */
export function formatDuration(start: Date | undefined, finish: Date | undefined): string | undefined {
  if (!start || !finish) return undefined;
  const total = Math.floor(finish.getTime() / 1000) - Math.floor(start.getTime() / 1000);
  if (total === 0) return undefined;
  const days = Math.floor(total / 86400);
  const rest = total - days * 86400;
  const clock = `${Math.floor(rest / 3600)}:${pad(Math.floor(rest / 60) % 60)}:${pad(rest % 60)}`;
  return days === 0 ? clock : `${days} day${Math.abs(days) === 1 ? '' : 's'}, ${clock}`;
}

const pad = (n: number) => String(n).padStart(2, '0');
