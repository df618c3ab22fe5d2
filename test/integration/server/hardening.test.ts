import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { recordTaskResult } from '../../../server/src/modules/jobs/job-lifecycle.js';
import { LAB, seedSampleLab } from '../../support/lab-fixtures.js';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let owner: string;

beforeAll(async () => {
  server = await startTestServer();
  owner = await server.user('owner');
  await seedSampleLab(server, owner);
});
afterAll(async () => server.close());

const JOB = `<job><notify><cc>hidden@example.com</cc></notify><recipeSet>
  <recipe whiteboard="r1"><distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires><hostRequires/>
    <task name="/a" role="STANDALONE"/><task name="/b" role="STANDALONE"/></recipe></recipeSet></job>`;

async function submit(): Promise<number> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/jobs',
    headers: { ...bearer(owner), 'content-type': 'application/xml' },
    payload: JOB,
  });
  expect(response.statusCode).toBe(201);
  return Number(response.json().id.slice(2));
}

describe('every route is authenticated', () => {
  const PUBLIC = new Set(['GET /healthz', 'POST /auth/login', 'GET /openapi.json']);

  it('refuses anonymous calls to every documented route except the public ones', async () => {
    const spec = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => [method.toUpperCase(), path] as const),
    );
    expect(routes.length).toBeGreaterThan(20);
    for (const [method, path] of routes) {
      if (PUBLIC.has(`${method} ${path}`)) continue;
      const url = path.replace(/\{[^}]+\}/g, '1');
      const response = await server.app.inject({ method: method as 'GET', url });
      expect({ route: `${method} ${path}`, status: response.statusCode }).toEqual({
        route: `${method} ${path}`,
        status: 401,
      });
    }
  });
});

describe('exports and views', () => {
  it('serves JUnit, a single recipe, and hides the notify list in a recipe-set clone from others', async () => {
    const jobId = await submit();
    const junit = await server.app.inject({
      method: 'GET',
      url: `/jobs/${jobId}.junit.xml`,
      headers: bearer(owner),
    });
    expect(junit.statusCode).toBe(200);
    expect(junit.body).toMatch(/<testsuites[\s>]/);
    const recipe = await server.db.recipe.findFirstOrThrow({ where: { recipeSet: { jobId } } });
    const detail = await server.app.inject({
      method: 'GET',
      url: `/recipes/${recipe.id}`,
      headers: bearer(owner),
    });
    expect(detail.json()).toMatchObject({
      id: `R:${recipe.id}`,
      whiteboard: 'r1',
      tasks: [{ name: '/a' }, { name: '/b' }],
    });
    const set = await server.db.recipeSet.findFirstOrThrow({ where: { jobId } });
    const stranger = await server.user(`stranger${jobId}`);
    const clone = await server.app.inject({
      method: 'GET',
      url: `/recipesets/${set.id}/clone`,
      headers: bearer(stranger),
    });
    expect(clone.statusCode).toBe(200);
    expect(clone.body).toContain('<recipeSet');
    expect(clone.body).not.toContain('hidden@example.com');
  });

  it('refuses ids beyond the integer range as a bad request instead of a database error', async () => {
    const response = await server.app.inject({
      method: 'GET',
      url: '/jobs/99999999999',
      headers: bearer(owner),
    });
    expect(response.statusCode).toBe(400);
    expect(
      (await server.app.inject({ method: 'GET', url: '/jobs/2147483647', headers: bearer(owner) }))
        .statusCode,
    ).toBe(404);
  });
});

describe('concurrency', () => {
  it('two cancels at once give each task exactly one Warn result', async () => {
    const jobId = await submit();
    const cancel = () =>
      server.app.inject({
        method: 'POST',
        url: `/jobs/${jobId}/cancel`,
        headers: bearer(owner),
        payload: { message: 'x' },
      });
    const responses = await Promise.all([cancel(), cancel(), cancel()]);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    const tasks = await server.db.recipeTask.findMany({
      where: { recipe: { recipeSet: { jobId } } },
      include: { results: true },
    });
    for (const task of tasks) {
      expect(task.status).toBe('Cancelled');
      expect(task.results).toHaveLength(1);
    }
  });

  it('a result racing a cancel is either refused or counted in the task result', async () => {
    for (let round = 0; round < 5; round++) {
      const jobId = await submit();
      const task = await server.db.recipeTask.findFirstOrThrow({
        where: { recipe: { recipeSet: { jobId } } },
      });
      const [recorded] = await Promise.allSettled([
        recordTaskResult(server.db, task.id, { result: 'Fail', path: '/a/race' }),
        server.app.inject({
          method: 'POST',
          url: `/jobs/${jobId}/cancel`,
          headers: bearer(owner),
          payload: {},
        }),
      ]);
      const after = await server.db.recipeTask.findUniqueOrThrow({
        where: { id: task.id },
        include: { results: true },
      });
      const hasFail = after.results.some((r) => r.result === 'Fail');
      expect(after.status).toBe('Cancelled');
      expect(after.result).toBe(hasFail ? 'Fail' : 'Warn');
      if (recorded.status === 'rejected') expect(recorded.reason).toMatchObject({ statusCode: 409 });
      else expect(hasFail).toBe(true);
    }
  });

  it('creating the same group twice at once gives one 201 and one 409', async () => {
    const create = () =>
      server.app.inject({
        method: 'POST',
        url: '/groups',
        headers: bearer(owner),
        payload: { name: 'racers' },
      });
    const statuses = (await Promise.all([create(), create()])).map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 409]);
  });
});

describe('input hygiene', () => {
  it('refuses a cancel message with control characters and keeps the job untouched', async () => {
    const jobId = await submit();
    const response = await server.app.inject({
      method: 'POST',
      url: `/jobs/${jobId}/cancel`,
      headers: bearer(owner),
      payload: { message: 'bad \u001b[31m colour \u0000' },
    });
    expect(response.statusCode).toBe(400);
    expect((await server.db.job.findUniqueOrThrow({ where: { id: jobId } })).status).toBe('Queued');
  });

  it('lets a lab controller register trees for its own lab only', async () => {
    const lab2 = await server.app.inject({
      method: 'POST',
      url: '/labcontrollers',
      headers: bearer(server.adminToken),
      payload: { fqdn: 'lab2.example.com' },
    });
    const token = lab2.json().token as string;
    const tree = (lab: string) => ({
      name: 'Sneaky-1',
      osMajor: 'Sneaky1',
      arch: 'x86_64',
      labUrls: [{ labController: lab, url: `http://${lab}/sneaky/` }],
    });
    const foreign = await server.app.inject({
      method: 'POST',
      url: '/distro-trees',
      headers: bearer(token),
      payload: tree(LAB),
    });
    expect(foreign.statusCode).toBe(403);
    expect(await server.db.distro.count({ where: { name: 'Sneaky-1' } })).toBe(0);
    const own = await server.app.inject({
      method: 'POST',
      url: '/distro-trees',
      headers: bearer(token),
      payload: tree('lab2.example.com'),
    });
    expect(own.statusCode).toBe(201);
  });
});

describe('Redis is not the source of truth', () => {
  it('still stores and acknowledges a submission when Redis cannot be reached', async () => {
    const offline = await startTestServer({ redisUrl: 'redis://127.0.0.1:1' });
    try {
      const token = await offline.user('submitter');
      await seedSampleLab(offline, token);
      const started = performance.now();
      const response = await offline.app.inject({
        method: 'POST',
        url: '/jobs',
        headers: { ...bearer(token), 'content-type': 'application/xml' },
        payload: JOB.replace('<notify><cc>hidden@example.com</cc></notify>', ''),
      });
      expect(response.statusCode).toBe(201);
      expect(performance.now() - started).toBeLessThan(5000);
      const jobId = Number(response.json().id.slice(2));
      expect((await offline.db.job.findUniqueOrThrow({ where: { id: jobId } })).status).toBe('Queued');
    } finally {
      await offline.close();
    }
  });
});
