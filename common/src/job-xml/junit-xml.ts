/**
 * JUnit XML for CI servers (reference/beaker.md §7, behaviour of Beaker's
 * Server/bkr/server/junitxml.py): one testsuite per recipe, guests included; per finished
 * task a "(main)" testcase plus one per result row.
 */
import { isFinished } from '../domain/status.js';
import type { JobView, RecipeView, ResultRowView, TaskView } from './types.js';
import { renderElement, type BuiltElement } from './xml-text.js';

export function renderJunitXml(job: JobView): string {
  const suites = job.recipeSets.flatMap((set) => set.recipes.flatMap(withGuests)).map(testsuite);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderElement({ name: 'testsuites', children: suites })}\n`;
}

/** Beaker's job.all_recipes order: each host recipe followed by its guests. */
function withGuests(recipe: RecipeView): RecipeView[] {
  return [recipe, ...recipe.guests.flatMap(withGuests)];
}

function testsuite(recipe: RecipeView): BuiltElement {
  const cases = recipe.tasks.flatMap(testcases);
  const count = (outcome: string) =>
    cases.filter((c) => c.children?.some((child) => typeof child !== 'string' && child.name === outcome))
      .length;
  return {
    name: 'testsuite',
    attrs: [
      ['id', `R:${recipe.id}`],
      ['name', recipe.whiteboard],
      ['hostname', recipe.system || undefined],
      ['tests', String(cases.length)],
      ['skipped', String(count('skipped'))],
      ['failures', String(count('failure'))],
      ['errors', String(count('error'))],
    ],
    children: cases,
  };
}

function testcases(task: TaskView): BuiltElement[] {
  if (!isFinished(task.status)) return [];
  const main: (BuiltElement | string)[] = [];
  if (task.status === 'Cancelled') main.push({ name: 'skipped', attrs: [['type', 'skipped']] });
  else if (task.status === 'Aborted') main.push({ name: 'error', attrs: [['type', 'error']] });
  else if (task.result === 'Warn' || task.result === 'Fail')
    main.push({ name: 'failure', attrs: [['type', 'failure']] });
  main.push(systemOut(task.logs.map((log) => log.href)));
  const cases: BuiltElement[] = [
    {
      name: 'testcase',
      attrs: [
        ['classname', task.name],
        ['name', '(main)'],
      ],
      children: main,
    },
  ];

  task.results.forEach((row, index) => {
    const children: BuiltElement[] = [];
    const last = index === task.results.length - 1;
    const message = row.message;
    // Cancelling or aborting appends a final Warn carrying the reason; it is that outcome, not a failure.
    if (last && row.result === 'Warn' && task.status === 'Cancelled') {
      children.push({
        name: 'skipped',
        attrs: [
          ['message', message],
          ['type', 'skipped'],
        ],
      });
    } else if (last && row.result === 'Warn' && task.status === 'Aborted') {
      children.push({
        name: 'error',
        attrs: [
          ['message', message],
          ['type', 'error'],
        ],
      });
    } else if (row.result === 'Warn' || row.result === 'Fail') {
      children.push({
        name: 'failure',
        attrs: [
          ['message', message],
          ['type', 'failure'],
        ],
      });
    }
    children.push(systemOut(row.logs.map((log) => log.href)));
    const seconds = resultSeconds(task, index);
    cases.push({
      name: 'testcase',
      attrs: [
        ['classname', task.name],
        ['name', shortPath(row.path, task.name).replace(/^\/+/, '') || '(none)'],
        ['time', seconds ? seconds.toFixed(0) : undefined],
      ],
      children,
    });
  });
  return cases;
}

function systemOut(urls: readonly string[]): BuiltElement {
  return { name: 'system-out', children: [urls.join('\n')] };
}

/** The result path relative to the task name, as Beaker's RecipeTaskResult.short_path. */
export function shortPath(path: string, taskName: string): string {
  if (!path) return path;
  if (path.replace(/\/+$/, '') === taskName) return '';
  if (path.startsWith(`${taskName}/`)) return path.slice(taskName.length + 1);
  return path;
}

/** Seconds since the previous result (or since the task started, for the first one). */
function resultSeconds(task: TaskView, index: number): number | undefined {
  const row: ResultRowView | undefined = task.results[index];
  const previous = index === 0 ? task.startTime : task.results[index - 1]?.startTime;
  if (!row?.startTime || !previous) return undefined;
  return (row.startTime.getTime() - previous.getTime()) / 1000;
}
