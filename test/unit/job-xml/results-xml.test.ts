import { XMLValidator } from 'fast-xml-parser';
import {
  closeSchemaValidator,
  formatDuration,
  normaliseXmlWhitespace,
  parseJobXml,
  renderResultsXml,
} from '../../../common/src/job-xml/index.js';
import type {
  JobSpec,
  JobView,
  LogLink,
  RecipeSpec,
  RecipeView,
  TaskView,
} from '../../../common/src/job-xml/types.js';
import { fixture, jobXml, recipe } from './helpers.js';

afterAll(() => closeSchemaValidator());

const BASE = '${BEAKER_SERVER_BASE_URL}';
const at = (hms: string) => new Date(`2016-01-31T${hms}Z`);
const log = (path: string, name: string): LogLink => ({ href: `${BASE}${path}/${name}`, name });
const SYSTEM = 'system.test-complete-job-results';
const GUEST = 'guest.test-complete-job-results';

/** complete-job-results.xml's values, as the server would supply them, over complete-job.xml's recipes. */
function completeJobView(spec: JobSpec): JobView {
  const host = spec.recipeSets[0]?.recipes[0] as RecipeSpec;
  const guest = host.guests[0] as RecipeSpec;
  const both = [SYSTEM, GUEST];
  const distro = { name: 'BlueShoeLinux5-5', arch: 'i386', family: 'BlueShoeLinux5', variant: 'Server' };
  const done = { status: 'Completed', result: 'Pass' } as const;
  const task = (id: number, recipeId: number, name: string, extra: Partial<TaskView>): TaskView => ({
    id,
    name,
    role: 'STANDALONE',
    ...done,
    roles: [{ role: 'STANDALONE', systems: both }],
    logs: [log(`recipes/${recipeId}/tasks/${id}/logs`, 'tasks/dummy.txt')],
    results: [],
    ...extra,
  });
  const result = (id: number, recipeId: number, taskId: number, path: string, startTime: Date) => ({
    id,
    path,
    result: 'Pass' as const,
    score: '0',
    startTime,
    message: '(Pass)',
    logs: [log(`recipes/${recipeId}/tasks/${taskId}/results/${id}/logs`, 'result.txt')],
  });
  const guestView: RecipeView = {
    id: 2,
    jobId: 1,
    recipeSetId: 1,
    kind: 'guest',
    xml: guest.xml,
    whiteboard: '',
    ...done,
    startTime: at('23:30:00'),
    finishTime: at('23:30:04'),
    kickstartUrl: 'http://example.com/guest.ks',
    distro,
    system: GUEST,
    installation: {
      installStarted: at('23:30:01'),
      installFinished: at('23:30:02'),
      postinstallFinished: at('23:30:03'),
    },
    roles: [{ role: 'None', systems: both }],
    logs: [log('recipes/2/logs', 'recipe_path/dummy.txt')],
    guest: {
      macAddress: 'ff:ff:ff:00:00:00',
      location: 'nfs://dummylab.example.invalid:/distros/BlueShoeLinux5-5/Server/i386/os/',
      schemeLocations: {
        nfs: 'nfs://dummylab.example.invalid:/distros/BlueShoeLinux5-5/Server/i386/os/',
        http: 'http://dummylab.example.invalid/distros/BlueShoeLinux5-5/Server/i386/os/',
        ftp: 'ftp://dummylab.example.invalid/distros/BlueShoeLinux5-5/Server/i386/os/',
      },
    },
    tasks: [
      task(3, 2, '/distribution/check-install', {
        startTime: at('23:30:00'),
        finishTime: at('23:30:04'),
        results: [result(1, 2, 3, '/distribution/check-install', at('23:30:00'))],
      }),
    ],
    guests: [],
  };
  const hostTask = (id: number, name: string, resultId: number, systems: string[]) =>
    task(id, 1, name, {
      avgTime: 1200,
      startTime: at('23:00:04'),
      finishTime: at('23:59:00'),
      rpm: { name: `example${name.replace(/\//g, '-')}`, path: `/mnt/tests/${name}` },
      roles: [{ role: 'STANDALONE', systems }],
      results: [result(resultId, 1, id, name, at('23:00:04'))],
    });
  return {
    id: 1,
    ownerEmail: 'test-job-owner@example.com',
    ...done,
    retentionTag: spec.retentionTag,
    group: spec.group,
    product: spec.product,
    whiteboard: spec.whiteboard,
    notifyCc: spec.notifyCc,
    extraXml: spec.extraXml,
    recipeSets: [
      {
        id: 1,
        priority: 'Normal',
        waived: false,
        ...done,
        recipes: [
          {
            id: 1,
            jobId: 1,
            recipeSetId: 1,
            kind: 'machine',
            xml: host.xml,
            whiteboard: '',
            ...done,
            startTime: at('23:00:00'),
            finishTime: at('23:59:00'),
            kickstartUrl: 'http://example.com/recipe.ks',
            distro,
            system: SYSTEM,
            installation: {
              installStarted: at('23:00:01'),
              installFinished: at('23:00:02'),
              postinstallFinished: at('23:00:03'),
            },
            roles: [{ role: 'None', systems: both }],
            logs: [log('recipes/1/logs', 'recipe_path/dummy.txt')],
            tasks: [
              hostTask(1, '/distribution/check-install', 2, both),
              hostTask(2, '/distribution/reservesys', 3, [SYSTEM]),
            ],
            guests: [guestView],
          },
        ],
      },
    ],
  };
}

test('the results XML of complete-job.xml equals complete-job-results.xml', async () => {
  const view = completeJobView(await parseJobXml(fixture('complete-job.xml')));
  const rendered = renderResultsXml(view);
  expect(normaliseXmlWhitespace(rendered)).toBe(normaliseXmlWhitespace(fixture('complete-job-results.xml')));
});

test('without logs, every <logs> element is left out', async () => {
  const view = completeJobView(await parseJobXml(fixture('complete-job.xml')));
  const rendered = renderResultsXml(view, { includeLogs: false });
  expect(rendered).not.toContain('<logs');
  expect(rendered).not.toContain('<log ');
  expect(rendered).toContain(
    '<result path="/distribution/check-install" start_time="2016-01-31 23:00:04" score="0" result="Pass" id="2">(Pass)</result>',
  );
});

/** The view of a job just submitted: ids, Queued, nothing run yet. */
function freshView(spec: JobSpec): JobView {
  let nextId = 1;
  const recipeView = (r: RecipeSpec, recipeSetId: number): RecipeView => ({
    id: nextId++,
    jobId: 7,
    recipeSetId,
    kind: r.kind,
    xml: r.xml,
    whiteboard: r.whiteboard,
    status: 'Queued',
    result: 'New',
    roles: [],
    logs: [],
    tasks: r.tasks.map((t) => ({
      id: nextId++,
      name: t.name,
      role: t.role,
      status: 'Queued',
      result: 'New',
      roles: [],
      logs: [],
      results: [],
    })),
    guests: r.guests.map((g) => recipeView(g, recipeSetId)),
  });
  return {
    id: 7,
    ownerEmail: 'owner@example.com',
    status: 'Queued',
    result: 'New',
    retentionTag: spec.retentionTag ?? 'scratch',
    whiteboard: spec.whiteboard,
    notifyCc: spec.notifyCc,
    extraXml: spec.extraXml,
    recipeSets: spec.recipeSets.map((set, index) => ({
      id: index + 1,
      priority: set.priority ?? 'Normal',
      waived: false,
      status: 'Queued',
      result: 'New',
      recipes: set.recipes.map((r) => recipeView(r, index + 1)),
    })),
  };
}

const count = (xml: string, pattern: RegExp) => xml.match(pattern)?.length ?? 0;

test('a freshly submitted job exports as well-formed XML with the job structure and no run data', async () => {
  const source = fixture('virtualization-workflow-sample-job.xml');
  const rendered = renderResultsXml(freshView(await parseJobXml(source)));
  expect(XMLValidator.validate(rendered)).toBe(true);
  expect(count(rendered, /<recipe /g)).toBe(1);
  expect(count(rendered, /<guestrecipe /g)).toBe(2);
  expect(count(rendered, /<task /g)).toBe(count(source, /<task /g));
  expect(count(rendered, /<installation\/>/g)).toBe(3);
  expect(count(rendered, /<logs\/>/g)).toBe(3 + 6);
  expect(rendered).not.toMatch(/<roles|start_time|system=|duration=/);
  expect(rendered).toContain(
    '<job id="7" owner="owner@example.com" result="New" status="Queued" retention_tag="scratch">',
  );
  expect(rendered).toContain(
    '<recipe id="1" job_id="7" recipe_set_id="1" whiteboard="" role="RECIPE_MEMBERS" ks_meta="" kernel_options="" kernel_options_post="" result="New" status="Queued">',
  );
  expect(rendered).toContain(
    '<guestrecipe id="6" job_id="7" recipe_set_id="1" whiteboard="" role="RECIPESERVERS" ks_meta="" kernel_options="" kernel_options_post="" result="New" status="Queued" guestname="guest1" guestargs="--ram=1024 --vcpus=2 --file-size=20 --kvm">',
  );
  // Ids as freshView hands them out: the host, its four tasks, then each guest and its task.
  expect(rendered).toContain(
    '<task name="/distribution/check-install" role="None" id="7" result="New" status="Queued">',
  );
  // The host's own children keep their order, with <installation/> after <watchdog>.
  expect(normaliseXmlWhitespace(rendered)).toContain('<watchdog panic="ignore"/><installation/><packages/>');
});

test('stored content the renderer does not know about survives, and odd layouts still get their children', async () => {
  const tasks = [
    '      <!-- keep me -->',
    '      <task name="/a" role="SERVERS"></task>',
    '      <task name="/b"><params><param name="X" value="a &amp; b"/></params></task>',
  ].join('\n');
  const extra = '      <kickstart><![CDATA[%pre\necho <hi>\n%end]]></kickstart>';
  const spec = await parseJobXml(jobXml(recipe({ tasks, extra })));
  const view = freshView(spec);
  const host = view.recipeSets[0]?.recipes[0] as RecipeView;
  host.status = 'Running';
  host.tasks = host.tasks.map((t, i) => ({
    ...t,
    status: i === 0 ? 'Completed' : 'Running',
    roles: [{ role: t.role, systems: ['a.example.com'] }],
  }));
  host.roles = [{ role: 'None', systems: ['a.example.com'] }];
  const rendered = renderResultsXml(view);
  expect(XMLValidator.validate(rendered)).toBe(true);
  expect(rendered).toContain('<!-- keep me -->');
  expect(rendered).toContain('<kickstart><![CDATA[%pre\necho <hi>\n%end]]></kickstart>');
  const flat = normaliseXmlWhitespace(rendered);
  expect(flat).toContain(
    '<task name="/a" role="SERVERS" id="2" result="New" status="Completed"><roles><role value="SERVERS"><system value="a.example.com"/></role></roles><logs/></task>',
  );
  expect(flat).toContain(
    '<task name="/b" role="None" id="3" result="New" status="Running"><roles><role value="None"><system value="a.example.com"/></role></roles><params><param name="X" value="a &amp; b"/></params><logs/></task>',
  );
  expect(flat).toContain('<!-- keep me --><logs/><task name="/a"');
});

test('durations print like Python timedelta, and zero or open-ended durations are left out', () => {
  const start = new Date('2020-01-01T00:00:00Z');
  const plus = (seconds: number) => new Date(start.getTime() + seconds * 1000);
  expect(formatDuration(start, plus(4))).toBe('0:00:04');
  expect(formatDuration(start, plus(3599))).toBe('0:59:59');
  expect(formatDuration(start, plus(86400 + 3723))).toBe('1 day, 1:02:03');
  expect(formatDuration(start, plus(3 * 86400))).toBe('3 days, 0:00:00');
  expect(formatDuration(start, plus(0))).toBeUndefined();
  expect(formatDuration(start, undefined)).toBeUndefined();
});
