import { XMLParser } from 'fast-xml-parser';
import { renderJunitXml } from '../../../common/src/job-xml/index.js';
import type { JobView, RecipeView, ResultRowView, TaskView } from '../../../common/src/job-xml/types.js';

const at = (seconds: number) => new Date(Date.UTC(2024, 0, 1, 12, 0, seconds));

const row = (
  id: number,
  path: string,
  result: ResultRowView['result'],
  startSecond: number,
  message = '',
): ResultRowView => ({
  id,
  path,
  result,
  startTime: at(startSecond),
  message,
  logs: [
    { name: 'resultoutputfile.log', href: `https://erlen.example.com/results/${id}/resultoutputfile.log` },
  ],
});

const task = (
  id: number,
  name: string,
  status: TaskView['status'],
  result: TaskView['result'],
  results: ResultRowView[],
): TaskView => ({
  id,
  name,
  role: 'STANDALONE',
  status,
  result,
  startTime: at(0),
  roles: [],
  logs: [
    { name: 'taskout.log', href: `https://erlen.example.com/tasks/${id}/taskout.log` },
    { name: 'journal.xml', href: `https://erlen.example.com/tasks/${id}/journal.xml` },
  ],
  results,
});

function recipe(id: number, tasks: TaskView[], extra: Partial<RecipeView> = {}): RecipeView {
  return {
    id,
    jobId: 1,
    recipeSetId: 1,
    kind: 'machine',
    xml: '<recipe/>',
    whiteboard: `recipe ${id}`,
    status: 'Completed',
    result: 'Pass',
    system: `host${id}.example.com`,
    roles: [],
    logs: [],
    tasks,
    guests: [],
    ...extra,
  };
}

function job(recipes: RecipeView[]): JobView {
  return {
    id: 1,
    ownerEmail: 'o@example.com',
    status: 'Completed',
    result: 'Fail',
    whiteboard: '',
    notifyCc: [],
    extraXml: [],
    recipeSets: [{ id: 1, priority: 'Normal', waived: false, status: 'Completed', result: 'Fail', recipes }],
  };
}

interface Suite {
  id: string;
  name: string;
  hostname?: string;
  tests: string;
  failures: string;
  errors: string;
  skipped: string;
  testcase: Case[];
}
interface Case {
  classname: string;
  name: string;
  time?: string;
  failure?: { message?: string; type: string };
  error?: { message?: string; type: string };
  skipped?: { message?: string; type: string };
  'system-out': string;
}

function suites(xml: string): Suite[] {
  const parsed = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => name === 'testsuite' || name === 'testcase',
  }).parse(xml) as { testsuites: { testsuite?: Suite[] } };
  return parsed.testsuites.testsuite ?? [];
}

const outcome = (c: Case) => (c.failure ? 'failure' : c.error ? 'error' : c.skipped ? 'skipped' : 'pass');

test('Pass, Fail, Warn, Cancelled and Aborted tasks map to JUnit outcomes', () => {
  const tasks = [
    task(1, '/distribution/check-install', 'Completed', 'Pass', [
      row(1, '/distribution/check-install', 'Pass', 30),
    ]),
    task(2, '/kernel/smoke', 'Completed', 'Fail', [
      row(2, '/kernel/smoke/boot', 'Pass', 10),
      row(3, '/kernel/smoke/io', 'Fail', 25, 'io broke'),
    ]),
    task(3, '/kernel/warny', 'Completed', 'Warn', [row(4, '/kernel/warny', 'Warn', 5, 'odd')]),
    task(4, '/kernel/cancelled', 'Cancelled', 'Warn', [
      row(5, '/kernel/cancelled/part', 'Pass', 3),
      row(6, '/', 'Warn', 9, 'Cancelled by alice'),
    ]),
    task(5, '/kernel/aborted', 'Aborted', 'Warn', [row(7, '/', 'Warn', 0, 'External Watchdog Expired')]),
    task(6, '/kernel/later', 'Running', 'New', []),
  ];
  const [suite] = suites(renderJunitXml(job([recipe(11, tasks)])));
  expect(suite).toMatchObject({ id: 'R:11', name: 'recipe 11', hostname: 'host11.example.com' });
  const cases = suite?.testcase ?? [];
  expect(cases.map((c) => [c.classname, c.name, outcome(c)])).toEqual([
    ['/distribution/check-install', '(main)', 'pass'],
    ['/distribution/check-install', '(none)', 'pass'],
    ['/kernel/smoke', '(main)', 'failure'],
    ['/kernel/smoke', 'boot', 'pass'],
    ['/kernel/smoke', 'io', 'failure'],
    ['/kernel/warny', '(main)', 'failure'],
    ['/kernel/warny', '(none)', 'failure'],
    ['/kernel/cancelled', '(main)', 'skipped'],
    ['/kernel/cancelled', 'part', 'pass'],
    ['/kernel/cancelled', '(none)', 'skipped'],
    ['/kernel/aborted', '(main)', 'error'],
    ['/kernel/aborted', '(none)', 'error'],
  ]);
  expect(suite).toMatchObject({ tests: '12', failures: '4', errors: '2', skipped: '2' });
  // The reason written by cancel/abort is the message; the "(main)" outcomes carry only a type.
  expect(cases[9]?.skipped).toEqual({ message: 'Cancelled by alice', type: 'skipped' });
  expect(cases[11]?.error).toEqual({ message: 'External Watchdog Expired', type: 'error' });
  expect(cases[4]?.failure).toEqual({ message: 'io broke', type: 'failure' });
  expect(cases[2]?.failure).toEqual({ type: 'failure' });
});

test('times are seconds since the previous result, and system-out lists the log URLs', () => {
  const tasks = [
    task(2, '/kernel/smoke', 'Completed', 'Pass', [
      row(2, '/kernel/smoke/boot', 'Pass', 10),
      row(3, '/kernel/smoke/io', 'Pass', 25),
    ]),
  ];
  const cases = suites(renderJunitXml(job([recipe(1, tasks)])))[0]?.testcase ?? [];
  expect(cases.map((c) => c.time)).toEqual([undefined, '10', '15']);
  expect(cases[0]?.['system-out']).toBe(
    'https://erlen.example.com/tasks/2/taskout.log\nhttps://erlen.example.com/tasks/2/journal.xml',
  );
  expect(cases[1]?.['system-out']).toBe('https://erlen.example.com/results/2/resultoutputfile.log');
});

test('guests get their own testsuite after their host; no hostname without a system', () => {
  const guest = recipe(12, [task(9, '/virt/guest', 'Completed', 'Pass', [])], {
    kind: 'guest',
    system: undefined,
    whiteboard: '',
  });
  const host = recipe(11, [], { guests: [guest] });
  const other = recipe(13, []);
  const xml = renderJunitXml(job([host, other]));
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>')).toBe(true);
  const all = suites(xml);
  expect(all.map((s) => [s.id, s.name, s.hostname, s.tests])).toEqual([
    ['R:11', 'recipe 11', 'host11.example.com', '0'],
    ['R:12', '', undefined, '1'],
    ['R:13', 'recipe 13', 'host13.example.com', '0'],
  ]);
});
