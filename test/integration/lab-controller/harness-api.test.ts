// Contract test of the harness API a lab controller serves (Beaker's beaker-proxy paths,
// reference/beaker.md §5.6 (a) and (b)): requests go to the lab controller's real Fastify app,
// which relays over HTTP to the real server on a port, backed by PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { buildHarnessApi } from '../../../lab-controller/src/harness-api/harness-api.js';
import { LogStore } from '../../../lab-controller/src/harness-api/log-store.js';
import { configureNetboot } from '../../../lab-controller/src/netboot/netboot.js';
import { ServerClient } from '../../../lab-controller/src/server-client.js';
import { listen } from '../../support/cli.js';
import { addSystem, jobXml, LAB_A, LAB_B, submit, testScheduler, TREE } from '../../support/scheduler-lab.js';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

const LC_URL = 'http://lab-a.example.com:8000';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
let server: TestServer;
let dir: string;
let lc: FastifyInstance;
let otherLc: FastifyInstance;

async function harnessApi(token: string, baseUrl: string, name: string): Promise<FastifyInstance> {
  return buildHarnessApi({
    server: new ServerClient(baseUrl, token),
    logs: new LogStore(join(dir, name, 'logs'), 64 * 1024),
    tftpRoot: join(dir, name, 'tftp'),
    publicUrl: LC_URL,
    bootUrl: 'http://10.0.2.100:8000',
    // Only lab A's serves a harness bundle.
    harnessBundle: name === 'a' ? join(dir, 'erlen-harness.mjs') : undefined,
    logger: pino({ level: 'silent' }),
  });
}

/** A scheduled recipe on a fresh system of lab A: its id and its tasks' ids. */
async function runningRecipe(fqdn: string, tasks = 2): Promise<{ recipeId: number; taskIds: number[] }> {
  await addSystem(server, fqdn, { macAddress: '52:54:00:aa:bb:01', ipAddress: '10.0.0.7' });
  const user = await server.user(`u-${fqdn.split('.')[0]}`);
  const jobId = await submit(
    server,
    user,
    jobXml([[{ tasks, hostRequires: `<hostRequires><hostname op="=" value="${fqdn}"/></hostRequires>` }]]),
  );
  const scheduler = testScheduler(server);
  await scheduler.start();
  await scheduler.stop();
  const recipe = await server.db.recipe.findFirstOrThrow({
    where: { recipeSet: { jobId } },
    include: { tasks: { orderBy: { position: 'asc' } }, resource: true },
  });
  expect(recipe.resource?.fqdn).toBe(fqdn);
  return { recipeId: recipe.id, taskIds: recipe.tasks.map((t) => t.id) };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

beforeAll(async () => {
  server = await startTestServer({ maxResultsPerRecipe: 50, maxLogsPerRecipe: 4 });
  const baseUrl = await listen(server);
  dir = await mkdtemp(join(tmpdir(), 'erlen-harness-'));
  const tokens: string[] = [];
  for (const fqdn of [LAB_A, LAB_B]) {
    const created = await server.app.inject({
      method: 'POST',
      url: '/labcontrollers',
      headers: bearer(server.adminToken),
      payload: { fqdn },
    });
    tokens.push(created.json().token);
  }
  await server.app.inject({
    method: 'POST',
    url: '/distro-trees',
    headers: bearer(server.adminToken),
    payload: {
      name: TREE,
      osMajor: 'ErlenLinux1',
      arch: 'x86_64',
      labUrls: [LAB_A, LAB_B].map((lab) => ({ labController: lab, url: `http://${lab}/distros/${TREE}/` })),
    },
  });
  await writeFile(join(dir, 'erlen-harness.mjs'), '// the harness bundle\n');
  lc = await harnessApi(tokens[0]!, baseUrl, 'a');
  otherLc = await harnessApi(tokens[1]!, baseUrl, 'b');
});

afterAll(async () => {
  await lc.close();
  await otherLc.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('harness API: recipes, tasks, results, watchdog', () => {
  it('serves the recipe as results XML; 406 when XML is not acceptable; 404 for unknown or another lab’s recipe', async () => {
    const { recipeId, taskIds } = await runningRecipe('x1.example.com');
    const xml = await lc.inject({ method: 'GET', url: `/recipes/${recipeId}/` });
    expect(xml.statusCode).toBe(200);
    expect(xml.headers['content-type']).toMatch(/application\/xml/);
    expect(xml.body).toContain(`<recipe id="${recipeId}"`);
    for (const id of taskIds) expect(xml.body).toContain(`id="${id}"`);
    expect(xml.body).toMatch(/<job [^>]*owner="u-x1@example.com"/);

    const json = await lc.inject({
      method: 'GET',
      url: `/recipes/${recipeId}/`,
      headers: { accept: 'application/json' },
    });
    expect(json.statusCode).toBe(406);
    expect((await lc.inject({ method: 'GET', url: '/recipes/999999/' })).statusCode).toBe(404);
    expect((await otherLc.inject({ method: 'GET', url: `/recipes/${recipeId}/` })).statusCode).toBe(404);
  });

  it('runs a task: Running sets the watchdog, results get 201 + Location, Completed closes it (409 after)', async () => {
    const { recipeId, taskIds } = await runningRecipe('x2.example.com');
    const [first] = taskIds as [number];
    const started = await lc.inject({
      method: 'PATCH',
      url: `/recipes/${recipeId}/tasks/${first}/`,
      headers: FORM,
      payload: form({ status: 'Running', name: '/distribution/check', version: '1.2' }),
    });
    expect(started.statusCode).toBe(200);
    expect(started.json()).toMatchObject({
      id: first,
      status: 'Running',
      name: '/distribution/check',
      version: '1.2',
    });
    // Expected time (task library default 1,200 s) plus Beaker's 30 minutes.
    const watchdog = await lc.inject({ method: 'GET', url: `/recipes/${recipeId}/watchdog` });
    expect(watchdog.json().seconds).toBeGreaterThan(2990);
    expect(watchdog.json().seconds).toBeLessThanOrEqual(3000);

    const extended = await lc.inject({
      method: 'POST',
      url: `/recipes/${recipeId}/watchdog`,
      headers: FORM,
      payload: form({ seconds: '600' }),
    });
    expect(extended.statusCode).toBe(204);
    const seconds = (await lc.inject({ method: 'GET', url: `/recipes/${recipeId}/watchdog` })).json().seconds;
    expect(seconds).toBeGreaterThan(590);
    expect(seconds).toBeLessThanOrEqual(600);

    const result = await lc.inject({
      method: 'POST',
      url: `/recipes/${recipeId}/tasks/${first}/results/`,
      headers: FORM,
      payload: form({ result: 'Pass', path: '/distribution/check/setup', score: '7', message: 'ok' }),
    });
    expect(result.statusCode).toBe(201);
    const row = await server.db.recipeTaskResult.findFirstOrThrow({ where: { recipeTaskId: first } });
    expect(result.headers.location).toBe(`${LC_URL}/recipes/${recipeId}/tasks/${first}/results/${row.id}`);
    expect(row).toMatchObject({ result: 'Pass', path: '/distribution/check/setup', message: 'ok' });
    expect(Number(row.score)).toBe(7);

    const done = await lc.inject({
      method: 'PATCH',
      url: `/recipes/${recipeId}/tasks/${first}`,
      payload: { status: 'Completed' },
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'Completed', result: 'Pass' });
    const late = await lc.inject({
      method: 'POST',
      url: `/recipes/${recipeId}/tasks/${first}/results/`,
      headers: FORM,
      payload: form({ result: 'Fail', path: '/late' }),
    });
    expect(late.statusCode).toBe(409);
    const again = await lc.inject({
      method: 'POST',
      url: `/recipes/${recipeId}/tasks/${first}/status`,
      headers: FORM,
      payload: form({ status: 'Running' }),
    });
    expect(again.statusCode).toBe(409);
    const panic = await lc.inject({
      method: 'POST',
      url: `/recipes/${recipeId}/tasks/${taskIds[1]}/results/`,
      headers: FORM,
      payload: form({ result: 'Panic', path: '/' }),
    });
    expect(panic.statusCode).toBe(400); // only the console monitor records Panic
    const foreignTask = await lc.inject({
      method: 'PATCH',
      url: `/recipes/${recipeId}/tasks/999999/`,
      payload: { status: 'Running' },
    });
    expect(foreignTask.statusCode).toBe(404);
  });

  it('refuses results over the recipe’s limit with 403', async () => {
    const { recipeId, taskIds } = await runningRecipe('x3.example.com', 1);
    const post = () =>
      lc.inject({
        method: 'POST',
        url: `/recipes/${recipeId}/tasks/${taskIds[0]}/results/`,
        headers: FORM,
        payload: form({ result: 'Pass', path: '/r' }),
      });
    await server.db.recipeTaskResult.createMany({
      data: Array.from({ length: server.config.maxResultsPerRecipe - 1 }, () => ({
        recipeTaskId: taskIds[0]!,
        path: '/bulk',
        result: 'Pass' as const,
      })),
    });
    expect((await post()).statusCode).toBe(201);
    const refused = await post();
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toMatch(/the most a recipe may have/);
  });

  it('lets the harness abort its recipe (status=Aborted only)', async () => {
    const { recipeId } = await runningRecipe('x4.example.com');
    const wrong = await lc.inject({
      method: 'POST',
      url: `/recipes/${recipeId}/status`,
      headers: FORM,
      payload: form({ status: 'Completed' }),
    });
    expect(wrong.statusCode).toBe(400);
    const aborted = await lc.inject({
      method: 'POST',
      url: `/recipes/${recipeId}/status`,
      headers: FORM,
      payload: form({ status: 'Aborted', message: 'harness gave up' }),
    });
    expect(aborted.statusCode).toBe(204);
    const recipe = await server.db.recipe.findUniqueOrThrow({ where: { id: recipeId } });
    expect(recipe.status).toBe('Aborted');
    const warn = await server.db.recipeTaskResult.findFirstOrThrow({ where: { recipeTask: { recipeId } } });
    expect(warn).toMatchObject({ result: 'Warn', message: 'harness gave up' });
    // A finished recipe has no watchdog left to extend.
    const extend = await lc.inject({
      method: 'POST',
      url: `/recipes/${recipeId}/watchdog`,
      payload: { seconds: 60 },
    });
    expect(extend.statusCode).toBe(409);
  });
});

describe('harness API: logs', () => {
  it('stores a whole log and resumable Content-Range chunks on disk, indexes them on the server, serves them back', async () => {
    const { recipeId, taskIds } = await runningRecipe('l1.example.com');
    const task = taskIds[0]!;
    const whole = await lc.inject({
      method: 'PUT',
      url: `/recipes/${recipeId}/logs/console.log`,
      headers: { 'content-type': 'text/plain' },
      payload: 'booting\n',
    });
    expect(whole.statusCode).toBe(204);
    // Two chunks, second first: each lands at its offset.
    const chunk = (range: string, body: string) =>
      lc.inject({
        method: 'PUT',
        url: `/recipes/${recipeId}/tasks/${task}/logs/sub/taskout.log`,
        headers: { 'content-type': 'application/octet-stream', 'content-range': range },
        payload: Buffer.from(body),
      });
    expect((await chunk('bytes 6-10/11', 'world')).statusCode).toBe(204);
    expect((await chunk('bytes 0-5/*', 'hello ')).statusCode).toBe(204);

    const read = await lc.inject({
      method: 'GET',
      url: `/recipes/${recipeId}/tasks/${task}/logs/sub/taskout.log`,
    });
    expect(read.statusCode).toBe(200);
    expect(read.body).toBe('hello world');
    expect((await lc.inject({ method: 'GET', url: `/recipes/${recipeId}/logs/console.log` })).body).toBe(
      'booting\n',
    );
    const rows = await server.db.logFile.findMany({ where: { recipeId }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.recipeTaskId, r.path, r.filename, r.server])).toEqual([
      [null, '', 'console.log', LC_URL],
      [task, 'sub', 'taskout.log', LC_URL],
    ]);
    // On disk in Beaker's layout; nothing in PostgreSQL but the index.
    const onDisk = join(
      dir,
      'a',
      'logs',
      'tasks',
      `${Math.floor(task / 1000)}+`,
      String(task),
      'sub',
      'taskout.log',
    );
    expect(await readFile(onDisk, 'utf8')).toBe('hello world');

    const html = await lc.inject({ method: 'GET', url: `/recipes/${recipeId}/tasks/${task}/logs/` });
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain(`href="${LC_URL}/recipes/${recipeId}/tasks/${task}/logs/sub/taskout.log"`);
    const atom = await lc.inject({
      method: 'GET',
      url: `/recipes/${recipeId}/tasks/${task}/logs/`,
      headers: { accept: 'application/atom+xml' },
    });
    expect(atom.headers['content-type']).toMatch(/application\/atom\+xml/);
    expect(atom.body).toContain('<title>sub/taskout.log</title>');
  });

  it('registers each file once when the first chunks of several files race, and keeps the per-recipe limit', async () => {
    const { recipeId, taskIds } = await runningRecipe('l3.example.com', 1);
    const task = taskIds[0]!;
    const chunk = (file: string, index: number) =>
      lc.inject({
        method: 'PUT',
        url: `/recipes/${recipeId}/tasks/${task}/logs/${file}`,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `bytes ${index * 4}-${index * 4 + 3}/20`,
        },
        payload: Buffer.from(`${file[0]}${index}${index}\n`),
      });
    const files = ['a.log', 'b.log', 'c.log'];
    const answers = await Promise.all(files.flatMap((file) => [0, 1, 2, 3, 4].map((i) => chunk(file, i))));
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 204));
    const rows = await server.db.logFile.findMany({ where: { recipeId }, orderBy: { filename: 'asc' } });
    expect(rows.map((r) => r.filename)).toEqual(files);
    const read = await lc.inject({ method: 'GET', url: `/recipes/${recipeId}/tasks/${task}/logs/b.log` });
    expect(read.body).toBe('b00\nb11\nb22\nb33\nb44\n');
    // This server allows 4 files a recipe: the fourth registers, the fifth is refused.
    expect((await chunk('d.log', 0)).statusCode).toBe(204);
    expect((await chunk('e.log', 0)).statusCode).toBe(403);
  });

  it('stores result logs, and refuses bad ranges, unknown files and finished tasks', async () => {
    const { recipeId, taskIds } = await runningRecipe('l2.example.com', 1);
    const task = taskIds[0]!;
    const result = await lc.inject({
      method: 'POST',
      url: `/recipes/${recipeId}/tasks/${task}/results/`,
      headers: FORM,
      payload: form({ result: 'Fail', path: '/x' }),
    });
    const resultId = Number(String(result.headers.location).split('/').pop());
    const put = (url: string, headers: Record<string, string> = {}, payload = 'data') =>
      lc.inject({ method: 'PUT', url, headers: { 'content-type': 'text/plain', ...headers }, payload });
    const resultLog = `/recipes/${recipeId}/tasks/${task}/results/${resultId}/logs/avc.log`;
    expect((await put(resultLog)).statusCode).toBe(204);
    expect((await lc.inject({ method: 'GET', url: resultLog })).body).toBe('data');
    expect(await server.db.logFile.count({ where: { resultId } })).toBe(1);

    const taskLog = `/recipes/${recipeId}/tasks/${task}/logs/out.log`;
    expect((await put(taskLog, { 'content-range': 'bytes 5-1/10' })).statusCode).toBe(400);
    expect((await put(taskLog, { 'content-range': 'bytes 0-9/10' }, 'short')).statusCode).toBe(400);
    expect(
      (await lc.inject({ method: 'GET', url: `/recipes/${recipeId}/logs/missing.log` })).statusCode,
    ).toBe(404);
    // A chunk above the per-request limit (64 KiB here).
    expect((await put(taskLog, {}, 'x'.repeat(64 * 1024 + 1))).statusCode).toBe(413);

    await lc.inject({
      method: 'PATCH',
      url: `/recipes/${recipeId}/tasks/${task}/`,
      payload: { status: 'Running' },
    });
    await lc.inject({
      method: 'PATCH',
      url: `/recipes/${recipeId}/tasks/${task}/`,
      payload: { status: 'Completed' },
    });
    const late = await put(`/recipes/${recipeId}/tasks/${task}/logs/late.log`);
    expect(late.statusCode).toBe(409);
    // Refused before a byte was written.
    await expect(
      stat(join(dir, 'a', 'logs', 'tasks', `${Math.floor(task / 1000)}+`, String(task), 'late.log')),
    ).rejects.toThrow();
  });
});

describe('harness API: kickstart check-ins, power, health', () => {
  it('records install_start, install_done (answering the FQDN), postinstall_done; install_fail aborts', async () => {
    const { recipeId } = await runningRecipe('k1.example.com');
    expect((await lc.inject({ method: 'GET', url: `/install_start/${recipeId}` })).body).toBe('True');
    const watchdog = (await lc.inject({ method: 'GET', url: `/recipes/${recipeId}/watchdog` })).json();
    expect(watchdog.seconds).toBeGreaterThan(3 * 3600 - 10); // the installer gets three hours
    const done = await lc.inject({ method: 'GET', url: `/install_done/${recipeId}/reported.example.com` });
    expect(done.body).toBe("'k1.example.com'");
    expect((await lc.inject({ method: 'GET', url: `/postinstall_done/${recipeId}` })).body).toBe('True');
    const installation = await server.db.installation.findUniqueOrThrow({ where: { recipeId } });
    expect(installation.installStartedAt).not.toBeNull();
    expect(installation.installFinishedAt).not.toBeNull();
    expect(installation.postinstallFinishedAt).not.toBeNull();

    const failing = await runningRecipe('k2.example.com');
    expect((await lc.inject({ method: 'GET', url: `/install_fail/${failing.recipeId}/` })).statusCode).toBe(
      200,
    );
    const recipe = await server.db.recipe.findUniqueOrThrow({ where: { id: failing.recipeId } });
    expect(recipe.status).toBe('Aborted');
    expect((await lc.inject({ method: 'GET', url: '/install_start/999999' })).statusCode).toBe(404);
  });

  it('/nopxe removes the system’s netboot files and records a completed clear_netboot', async () => {
    await runningRecipe('n1.example.com');
    const tftp = join(dir, 'a', 'tftp');
    const image = join(dir, 'vmlinuz');
    await writeFile(image, 'KERNEL');
    await configureNetboot(tftp, {
      fqdn: 'n1.example.com',
      macAddress: '52:54:00:aa:bb:01',
      ipAddress: '10.0.0.7',
      arch: 'x86_64',
      kernelOptions: '',
      kernelUrl: pathToFileURL(image).href,
      initrdUrl: pathToFileURL(image).href,
      distroTreeId: 1,
    });
    await stat(join(tftp, 'pxelinux.cfg', '0A000007'));
    expect((await lc.inject({ method: 'GET', url: '/nopxe/n1.example.com' })).body).toBe('True');
    await expect(stat(join(tftp, 'pxelinux.cfg', '0A000007'))).rejects.toThrow();
    const system = await server.db.system.findUniqueOrThrow({ where: { fqdn: 'n1.example.com' } });
    const commands = await server.db.command.findMany({
      where: { systemId: system.id, action: 'clear_netboot' },
    });
    expect(commands.map((c) => c.status)).toContain('Completed');
  });

  it('powers a peer system of the lab through the queue; not one of another lab', async () => {
    await runningRecipe('p1.example.com');
    const response = await lc.inject({
      method: 'PUT',
      url: '/power/p1.example.com/',
      headers: FORM,
      payload: form({ action: 'on' }),
    });
    expect(response.statusCode).toBe(204);
    const system = await server.db.system.findUniqueOrThrow({ where: { fqdn: 'p1.example.com' } });
    const queued = await server.db.command.findMany({ where: { systemId: system.id, service: 'harness' } });
    expect(queued.map((c) => `${c.action}:${c.status}`)).toEqual(['on:Queued']);
    const foreign = await otherLc.inject({
      method: 'PUT',
      url: '/power/p1.example.com/',
      payload: { action: 'off' },
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('serves an installation’s kickstart (pointing installers at the boot URL) and the harness bundle', async () => {
    const { recipeId } = await runningRecipe('ks1.example.com', 1);
    const installation = await server.db.installation.findUniqueOrThrow({ where: { recipeId } });
    const kickstart = await lc.inject({ method: 'GET', url: `/kickstart/${installation.id}` });
    expect(kickstart.statusCode).toBe(200);
    expect(kickstart.body).toContain(`url --url=http://${LAB_A}/distros/${TREE}/`);
    expect(kickstart.body).toContain(`'http://10.0.2.100:8000/install_start/${recipeId}'`);
    expect(kickstart.body).toContain("'http://10.0.2.100:8000/harness/erlen-harness.mjs'");
    // Rendered once and kept: what the installer fetched is what the installation records.
    const stored = await server.db.installation.findUniqueOrThrow({ where: { id: installation.id } });
    expect(stored.renderedKickstart).toBe(kickstart.body);
    expect((await otherLc.inject({ method: 'GET', url: `/kickstart/${installation.id}` })).statusCode).toBe(
      404,
    );
    expect((await lc.inject({ method: 'GET', url: '/kickstart/999999' })).statusCode).toBe(404);
    expect((await lc.inject({ method: 'GET', url: '/kickstart/x' })).statusCode).toBe(400);

    const bundle = await lc.inject({ method: 'GET', url: '/harness/erlen-harness.mjs' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body).toBe('// the harness bundle\n');
    expect((await otherLc.inject({ method: 'GET', url: '/harness/erlen-harness.mjs' })).statusCode).toBe(404);
  });

  it('answers health checks', async () => {
    const health = await lc.inject({ method: 'GET', url: '/healthz/' });
    expect(health.statusCode).toBe(200);
    expect(health.body).toBe('We are healthy!');
    expect((await lc.inject({ method: 'HEAD', url: '/healthz' })).statusCode).toBe(200);
  });
});
