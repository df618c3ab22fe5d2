// Reading logs through the server: the 307 redirects to the lab controller, the index
// (`GET /logs?taskspec=`), and `erlen job-logs` (the built binary, dist/) against the real
// server listening on a port. Log rows are inserted with Prisma, as the lab controller's first
// write would register them. The lab controller itself is replaced by a small node:http server
// that serves only the log GET: everything between the CLI and it (the server's redirect,
// fetch following it across origins) is the real HTTP path.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, runErlen, type Run } from '../../support/cli.js';
import { jobXml, seedLabs, submit } from '../../support/scheduler-lab.js';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

const PUBLIC_URL = 'http://erlen.test'; // startTestServer's publicUrl, without its trailing slash

let server: TestServer;
let url: string;
let owner: string;
let stranger: string;
const scratch = mkdtempSync(join(tmpdir(), 'erlen-logs-'));

/** The stand-in lab controller: serves `files` at their harness-API paths, records every request. */
let lab: Server;
let labUrl: string;
const files = new Map<string, string>();
const labRequests: { url: string; headers: IncomingHttpHeaders }[] = [];

// One job: R1 (tasks T1, T2; T1 has result TR1) in one recipe set, R2 (task T3) in another.
let jobId: number;
let setIds: [number, number];
let r1: number, r2: number, t1: number, t2: number, t3: number, tr1: number;

interface Row {
  recipeId: number;
  recipeTaskId?: number;
  resultId?: number;
  path?: string;
  filename: string;
  content?: string; // absent: registered, but gone from the lab controller's disk
  server?: string;
}

function route(row: Row): string {
  let path = `/recipes/${row.recipeId}`;
  if (row.recipeTaskId) path += `/tasks/${row.recipeTaskId}`;
  if (row.resultId) path += `/results/${row.resultId}`;
  const name = row.path ? `${row.path}/${row.filename}` : row.filename;
  return `${path}/logs/${name.split('/').map(encodeURIComponent).join('/')}`;
}

async function addLogs(rows: Row[]): Promise<void> {
  for (const { content, server: base, ...row } of rows) {
    await server.db.logFile.create({
      data: { ...row, server: base ?? labUrl, size: Buffer.byteLength(content ?? '') },
    });
    if (content !== undefined) files.set(route(row), content);
  }
}

beforeAll(async () => {
  lab = createServer((req, res) => {
    labRequests.push({ url: req.url ?? '', headers: req.headers });
    const content = files.get(req.url ?? '');
    if (content === undefined) res.writeHead(404, { 'content-type': 'text/plain' }).end('no such file');
    else res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(content);
  });
  await new Promise<void>((resolve) => lab.listen(0, '127.0.0.1', resolve));
  labUrl = `http://127.0.0.1:${(lab.address() as AddressInfo).port}`;

  server = await startTestServer();
  await seedLabs(server);
  owner = await server.user('logowner');
  stranger = await server.user('stranger');
  jobId = await submit(server, owner, jobXml([[{ tasks: 2 }], [{}]]));
  const sets = await server.db.recipeSet.findMany({ where: { jobId }, orderBy: { position: 'asc' } });
  setIds = [sets[0]!.id, sets[1]!.id];
  const recipes = await server.db.recipe.findMany({
    where: { recipeSet: { jobId } },
    orderBy: { id: 'asc' },
    include: { tasks: { orderBy: { position: 'asc' } } },
  });
  [r1, r2] = [recipes[0]!.id, recipes[1]!.id];
  [t1, t2, t3] = [recipes[0]!.tasks[0]!.id, recipes[0]!.tasks[1]!.id, recipes[1]!.tasks[0]!.id];
  tr1 = (
    await server.db.recipeTaskResult.create({ data: { recipeTaskId: t1, path: '/t0/setup', result: 'Pass' } })
  ).id;
  // Out of order on purpose: the index sorts.
  await addLogs([
    { recipeId: r2, filename: 'console.log', content: 'R2 console\n', server: `${labUrl}/` },
    { recipeId: r1, recipeTaskId: t2, filename: 'my log.txt', content: 'spaces survive\n' },
    { recipeId: r1, recipeTaskId: t1, resultId: tr1, filename: 'resultoutputfile.log', content: 'TR1 out\n' },
    { recipeId: r1, recipeTaskId: t1, filename: 'taskout.log', content: 'T1 taskout\n' },
    { recipeId: r1, recipeTaskId: t1, path: 'debug', filename: 'avc.log', content: 'T1 avc ✓\n' },
    { recipeId: r1, path: 'debug', filename: 'anaconda.log', content: 'R1 anaconda\n' },
    { recipeId: r1, filename: 'console.log', content: 'R1 console: booted ✓\n' },
    { recipeId: r2, filename: 'gone.log' },
  ]);
  url = await listen(server);
});

afterAll(async () => {
  await server.close();
  await new Promise((resolve) => lab.close(resolve));
});

const get = (path: string, token?: string) =>
  server.app.inject({ method: 'GET', url: path, headers: token ? bearer(token) : {} });

/** Every log of the job as the index should list it: by recipe, task, result, then name. */
function expectedIndex() {
  const entry = (
    owner: { recipeId: number; taskId?: number; resultId?: number },
    name: string,
    content: string,
    base = labUrl,
  ) => {
    const path = route({
      recipeId: owner.recipeId,
      recipeTaskId: owner.taskId,
      resultId: owner.resultId,
      filename: name,
    });
    return {
      ...owner,
      name,
      size: Buffer.byteLength(content),
      href: `${PUBLIC_URL}${path}`,
      url: `${base}${path}`,
    };
  };
  return [
    entry({ recipeId: r1 }, 'console.log', 'R1 console: booted ✓\n'),
    entry({ recipeId: r1 }, 'debug/anaconda.log', 'R1 anaconda\n'),
    entry({ recipeId: r1, taskId: t1 }, 'debug/avc.log', 'T1 avc ✓\n'),
    entry({ recipeId: r1, taskId: t1 }, 'taskout.log', 'T1 taskout\n'),
    entry({ recipeId: r1, taskId: t1, resultId: tr1 }, 'resultoutputfile.log', 'TR1 out\n'),
    entry({ recipeId: r1, taskId: t2 }, 'my log.txt', 'spaces survive\n'),
    // Registered with a trailing slash on the base URL: no double slash in the link.
    entry({ recipeId: r2 }, 'console.log', 'R2 console\n'),
    entry({ recipeId: r2 }, 'gone.log', ''),
  ];
}

describe('GET …/logs/<name>: a 307 to the lab controller storing the file', () => {
  it.each<[string, () => string]>([
    ['a recipe log', () => `/recipes/${r1}/logs/console.log`],
    ['a recipe log in a sub-directory', () => `/recipes/${r1}/logs/debug/anaconda.log`],
    ['a task log', () => `/recipes/${r1}/tasks/${t1}/logs/taskout.log`],
    ['a task log in a sub-directory', () => `/recipes/${r1}/tasks/${t1}/logs/debug/avc.log`],
    ['a result log', () => `/recipes/${r1}/tasks/${t1}/results/${tr1}/logs/resultoutputfile.log`],
    ['a name with a space, percent-encoded', () => `/recipes/${r1}/tasks/${t2}/logs/my%20log.txt`],
  ])('redirects %s to the same path on the lab controller', async (_what, path) => {
    const response = await get(path(), owner);
    expect({ status: response.statusCode, location: response.headers.location }).toEqual({
      status: 307,
      location: `${labUrl}${path()}`,
    });
  });

  it('joins a base URL registered with a trailing slash without doubling it', async () => {
    const response = await get(`/recipes/${r2}/logs/console.log`, owner);
    expect(response.headers.location).toBe(`${labUrl}/recipes/${r2}/logs/console.log`);
  });

  it("lets any account read any job's logs, as it may view any job", async () => {
    const response = await get(`/recipes/${r1}/logs/console.log`, stranger);
    expect(response.statusCode).toBe(307);
  });

  it.each<[string, () => string, () => string]>([
    ['an unknown file', () => `/recipes/${r1}/logs/nope.log`, () => `R:${r1} has no log file "nope.log"`],
    ['an unknown recipe', () => '/recipes/2147483647/logs/console.log', () => 'no recipe R:2147483647'],
    // The file exists, but as a task's log: owners are matched, not just names.
    [
      "a task's log asked for as the recipe's",
      () => `/recipes/${r1}/logs/taskout.log`,
      () => `R:${r1} has no log file "taskout.log"`,
    ],
    [
      'a file in another sub-directory',
      () => `/recipes/${r1}/logs/anaconda.log`,
      () => `R:${r1} has no log file "anaconda.log"`,
    ],
    [
      'a task of another recipe',
      () => `/recipes/${r2}/tasks/${t1}/logs/taskout.log`,
      () => `no task T:${t1} in R:${r2}`,
    ],
    [
      'a result of another task',
      () => `/recipes/${r1}/tasks/${t2}/results/${tr1}/logs/resultoutputfile.log`,
      () => `no result TR:${tr1} in T:${t2}`,
    ],
    ['no file name at all', () => `/recipes/${r1}/logs/`, () => `GET /logs?taskspec=R:${r1} lists them`],
  ])('answers 404 for %s', async (_what, path, message) => {
    const response = await get(path(), owner);
    expect(response.statusCode).toBe(404);
    expect(response.headers.location).toBeUndefined();
    expect(response.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(message()) });
  });

  it('refuses anonymous callers and bad tokens with 401', async () => {
    for (const path of [
      `/recipes/${r1}/logs/console.log`,
      `/recipes/${r1}/tasks/${t1}/logs/taskout.log`,
      `/recipes/${r1}/tasks/${t1}/results/${tr1}/logs/resultoutputfile.log`,
      `/logs?taskspec=J:${jobId}`,
    ]) {
      expect({ path, status: (await get(path)).statusCode }).toEqual({ path, status: 401 });
      expect({ path, status: (await get(path, 'erl_not-a-token')).statusCode }).toEqual({
        path,
        status: 401,
      });
    }
  });

  it('hides the logs of a deleted job', async () => {
    const deleted = await submit(server, owner, jobXml([[{}]]));
    const recipe = await server.db.recipe.findFirstOrThrow({ where: { recipeSet: { jobId: deleted } } });
    await addLogs([{ recipeId: recipe.id, filename: 'console.log', content: 'secret\n' }]);
    expect((await get(`/recipes/${recipe.id}/logs/console.log`, owner)).statusCode).toBe(307);
    await server.db.job.update({ where: { id: deleted }, data: { deletedAt: new Date() } });
    const redirect = await get(`/recipes/${recipe.id}/logs/console.log`, owner);
    expect({ status: redirect.statusCode, message: redirect.json().message }).toEqual({
      status: 404,
      message: `no recipe R:${recipe.id}`,
    });
    const index = await get(`/logs?taskspec=R:${recipe.id}`, owner);
    expect({ status: index.statusCode, message: index.json().message }).toEqual({
      status: 404,
      message: `no recipe R:${recipe.id}`,
    });
  });
});

describe('GET /logs?taskspec=', () => {
  it("lists a job's logs by recipe, task, result and name, with server and lab controller URLs", async () => {
    const response = await get(`/logs?taskspec=J:${jobId}`, stranger);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ items: expectedIndex() });
  });

  it.each<[string, () => string, () => string[]]>([
    ['a recipe set', () => `RS:${setIds[1]}`, () => [`R:${r2} console.log`, `R:${r2} gone.log`]],
    [
      // As Beaker's Recipe.all_logs: the recipe's, its tasks' and their results'.
      "a recipe: with its tasks' and results' logs",
      () => `R:${r1}`,
      () => [
        `R:${r1} console.log`,
        `R:${r1} debug/anaconda.log`,
        `T:${t1} debug/avc.log`,
        `T:${t1} taskout.log`,
        `TR:${tr1} resultoutputfile.log`,
        `T:${t2} my log.txt`,
      ],
    ],
    [
      "a task: with its results' logs",
      () => `T:${t1}`,
      () => [`T:${t1} debug/avc.log`, `T:${t1} taskout.log`, `TR:${tr1} resultoutputfile.log`],
    ],
    ['a result', () => `TR:${tr1}`, () => [`TR:${tr1} resultoutputfile.log`]],
    ['a task without logs', () => `T:${t3}`, () => []],
  ])('narrows to %s', async (_what, taskspec, expected) => {
    const response = await get(`/logs?taskspec=${taskspec()}`, owner);
    expect(response.statusCode).toBe(200);
    const owners = (
      response.json().items as { recipeId: number; taskId?: number; resultId?: number; name: string }[]
    ).map(
      (log) =>
        `${log.resultId ? `TR:${log.resultId}` : log.taskId ? `T:${log.taskId}` : `R:${log.recipeId}`} ${log.name}`,
    );
    expect(owners).toEqual(expected());
  });

  it.each<[string, string, number, string]>([
    ['an unknown job', 'J:2147483647', 404, 'no job J:2147483647'],
    ['an unknown recipe set', 'RS:2147483647', 404, 'no recipe set RS:2147483647'],
    ['an unknown result', 'TR:2147483647', 404, 'no result TR:2147483647'],
    ['something that is not a taskspec', 'X:1', 400, '"X:1" is not a taskspec'],
  ])('refuses %s', async (_what, taskspec, status, message) => {
    const response = await get(`/logs?taskspec=${encodeURIComponent(taskspec)}`, owner);
    expect(response.statusCode).toBe(status);
    expect(response.json().message).toContain(message);
  });

  it('requires a taskspec', async () => {
    expect((await get('/logs', owner)).statusCode).toBe(400);
  });
});

describe('erlen job-logs', () => {
  const erlen = (args: string[]): Promise<Run> =>
    runErlen(['job-logs', ...args], { url, token: owner, home: scratch });

  beforeEach(() => {
    labRequests.length = 0;
  });

  it('prints the server URL of every log, one per line, as bkr job-logs', async () => {
    const run = await erlen([`J:${jobId}`]);
    expect(run).toEqual({
      code: 0,
      stdout: expectedIndex()
        .map((log) => `${log.href}\n`)
        .join(''),
      stderr: '',
    });
    // Listing reads the server's index only.
    expect(labRequests).toEqual([]);
  });

  it('prints sizes before the URLs with --size, and handles several taskspecs in order', async () => {
    const run = await erlen(['--size', `TR:${tr1}`, `R:${r2}`]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      [
        `     8 ${PUBLIC_URL}/recipes/${r1}/tasks/${t1}/results/${tr1}/logs/resultoutputfile.log`,
        `    11 ${PUBLIC_URL}/recipes/${r2}/logs/console.log`,
        `     0 ${PUBLIC_URL}/recipes/${r2}/logs/gone.log`,
        '',
      ].join('\n'),
    );
  });

  it("prints the content of matching logs with --cat, fetched from the lab controller without the user's token", async () => {
    const run = await erlen(['--cat', 'console.log', `J:${jobId}`]);
    expect(run).toEqual({ code: 0, stdout: 'R1 console: booted ✓\nR2 console\n', stderr: '' });
    expect(labRequests.map((r) => r.url)).toEqual([
      `/recipes/${r1}/logs/console.log`,
      `/recipes/${r2}/logs/console.log`,
    ]);
    // The server needed the token (anonymous calls get 401); the lab controller must not see it.
    for (const request of labRequests) expect(request.headers.authorization).toBeUndefined();
  });

  it('matches --cat against the whole name or its end after a slash', async () => {
    const byEnd = await erlen(['--cat', 'avc.log', `T:${t1}`]);
    const byWhole = await erlen(['--cat', 'debug/avc.log', `T:${t1}`]);
    const encoded = await erlen(['--cat', 'my log.txt', `R:${r2}`, `T:${t2}`]);
    expect([byEnd, byWhole]).toEqual([
      { code: 0, stdout: 'T1 avc ✓\n', stderr: '' },
      { code: 0, stdout: 'T1 avc ✓\n', stderr: '' },
    ]);
    // R:r2 has no such log: reported, and T:t2's is still printed.
    expect(encoded).toEqual({
      code: 1,
      stdout: 'spaces survive\n',
      stderr: `erlen: R:${r2}: no log named "my log.txt"\n`,
    });
  });

  it('says which lab controller refused when the file is gone from its disk', async () => {
    const run = await erlen(['--cat', 'gone.log', `R:${r2}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`erlen: R:${r2}: ${labUrl} answered HTTP 404 Not Found\n`);
    expect(labRequests.map((r) => r.url)).toEqual([`/recipes/${r2}/logs/gone.log`]);
  });

  it("reports the server's refusal per taskspec and carries on", async () => {
    const run = await erlen(['J:2147483647', `TR:${tr1}`]);
    expect(run).toEqual({
      code: 1,
      stdout: `${PUBLIC_URL}/recipes/${r1}/tasks/${t1}/results/${tr1}/logs/resultoutputfile.log\n`,
      stderr: 'erlen: J:2147483647: no job J:2147483647\n',
    });
  });

  it('exits 2 for something that is not a taskspec, before asking the server', async () => {
    const run = await erlen([`J:${jobId}`, 'X:1']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('"X:1" is not a taskspec');
  });
});
