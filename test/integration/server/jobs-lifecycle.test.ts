import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { changeTaskStatus, recordTaskResult, stop } from '../../../server/src/modules/jobs/job-lifecycle.js';
import { seedSampleLab } from '../../support/lab-fixtures.js';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let owner: string;
let stranger: string;

beforeAll(async () => {
  server = await startTestServer();
  owner = await server.user('owner');
  stranger = await server.user('stranger');
  await seedSampleLab(server, owner);
});
afterAll(async () => server.close());

/** Two recipe sets; the first with two recipes of two tasks each. */
const JOB = `<job><whiteboard>lifecycle</whiteboard>
  <notify><cc>secret-list@example.com</cc></notify>
  <recipeSet>
    <recipe role="SERVERS"><distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires><hostRequires/>
      <task name="/a" role="STANDALONE"/><task name="/b" role="STANDALONE"/></recipe>
    <recipe role="CLIENTS"><distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires><hostRequires/>
      <task name="/a" role="STANDALONE"/><task name="/b" role="STANDALONE"/></recipe>
  </recipeSet>
  <recipeSet>
    <recipe><distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires><hostRequires/>
      <task name="/c" role="STANDALONE"/></recipe>
  </recipeSet>
</job>`;

async function submitJob(token = owner): Promise<number> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/jobs',
    headers: { ...bearer(token), 'content-type': 'text/xml' },
    payload: JOB,
  });
  expect(response.statusCode).toBe(201);
  return Number(response.json().id.slice(2));
}

const tasksOf = (jobId: number) =>
  server.db.recipeTask.findMany({
    where: { recipe: { recipeSet: { jobId } } },
    orderBy: { id: 'asc' },
    include: { results: true },
  });

describe('cancel', () => {
  it('refuses a stranger and keeps the job untouched', async () => {
    const jobId = await submitJob();
    const response = await server.app.inject({
      method: 'POST',
      url: `/jobs/${jobId}/cancel`,
      headers: bearer(stranger),
      payload: {},
    });
    expect(response.statusCode).toBe(403);
    const job = await server.db.job.findUniqueOrThrow({ where: { id: jobId } });
    expect(job.status).toBe('Queued');
  });

  it('lets the owner cancel: every task gets a Warn result with the message and everything rolls up', async () => {
    const jobId = await submitJob();
    const response = await server.app.inject({
      method: 'POST',
      url: `/jobs/${jobId}/cancel`,
      headers: bearer(owner),
      payload: { message: 'not needed' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'Cancelled',
      result: 'Warn',
      isFinished: true,
      counters: { ttasks: 5, wtasks: 5 },
    });
    for (const task of await tasksOf(jobId)) {
      expect(task).toMatchObject({ status: 'Cancelled', result: 'Warn' });
      expect(task.results).toEqual([
        expect.objectContaining({ path: '/', result: 'Warn', message: 'not needed' }),
      ]);
    }
    const again = await server.app.inject({
      method: 'POST',
      url: `/jobs/${jobId}/cancel`,
      headers: bearer(owner),
      payload: {},
    });
    expect(again.json().status).toBe('Cancelled');
    expect((await tasksOf(jobId)).every((t) => t.results.length === 1)).toBe(true);
  });

  it('lets an admin cancel one recipe set while the other stays queued', async () => {
    const jobId = await submitJob();
    const sets = await server.db.recipeSet.findMany({ where: { jobId }, orderBy: { position: 'asc' } });
    const response = await server.app.inject({
      method: 'POST',
      url: `/recipesets/${sets[1]!.id}/cancel`,
      headers: bearer(server.adminToken),
      payload: {},
    });
    expect(response.statusCode).toBe(200);
    // Min-severity roll-up: Queued (30) beats Cancelled (60), so the job is still Queued.
    expect(response.json()).toMatchObject({ status: 'Queued', result: 'Warn' });
    const after = await server.db.recipeSet.findMany({ where: { jobId }, orderBy: { position: 'asc' } });
    expect(after.map((s) => s.status)).toEqual(['Queued', 'Cancelled']);
  });
});

describe('secret fields', () => {
  it('shows the notify list to the owner but not to another user, in JSON and in XML', async () => {
    const jobId = await submitJob();
    const mine = await server.app.inject({ method: 'GET', url: `/jobs/${jobId}`, headers: bearer(owner) });
    expect(mine.json().notifyCc).toEqual(['secret-list@example.com']);
    const theirs = await server.app.inject({
      method: 'GET',
      url: `/jobs/${jobId}`,
      headers: bearer(stranger),
    });
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json().notifyCc).toBeUndefined();
    const xml = await server.app.inject({
      method: 'GET',
      url: `/jobs/${jobId}.xml`,
      headers: bearer(stranger),
    });
    expect(xml.body).not.toContain('secret-list@example.com');
    const clone = await server.app.inject({
      method: 'GET',
      url: `/jobs/${jobId}/clone`,
      headers: bearer(stranger),
    });
    expect(clone.body).not.toContain('secret-list@example.com');
    const ownXml = await server.app.inject({
      method: 'GET',
      url: `/jobs/${jobId}.xml`,
      headers: bearer(owner),
    });
    expect(ownXml.body).toContain('secret-list@example.com');
  });
});

describe('task state machine and roll-up', () => {
  it('runs tasks to completion and rolls results up with Beaker severities', async () => {
    const jobId = await submitJob();
    const tasks = await tasksOf(jobId);
    const [a1, b1, a2, b2, c] = tasks;
    await changeTaskStatus(server.db, a1!.id, 'Running');
    expect((await server.db.job.findUniqueOrThrow({ where: { id: jobId } })).status).toBe('Running');
    await recordTaskResult(server.db, a1!.id, { result: 'Pass', path: '/a/x', score: 1 });
    await changeTaskStatus(server.db, a1!.id, 'Completed');
    await changeTaskStatus(server.db, b1!.id, 'Running');
    await recordTaskResult(server.db, b1!.id, { result: 'Fail', path: '/b/y', message: 'broke' });
    await changeTaskStatus(server.db, b1!.id, 'Completed');
    for (const task of [a2!, b2!, c!]) {
      await changeTaskStatus(server.db, task.id, 'Running');
      await recordTaskResult(server.db, task.id, { result: 'Pass', path: task.name });
      await changeTaskStatus(server.db, task.id, 'Completed');
    }
    const job = await server.db.job.findUniqueOrThrow({ where: { id: jobId } });
    expect(job).toMatchObject({
      status: 'Completed',
      result: 'Fail',
      ttasks: 5,
      ptasks: 4,
      ftasks: 1,
      ntasks: 0,
    });
    expect(job.finishedAt).not.toBeNull();
    const recipes = await server.db.recipe.findMany({
      where: { recipeSet: { jobId } },
      orderBy: { id: 'asc' },
    });
    expect(recipes.map((r) => [r.status, r.result])).toEqual([
      ['Completed', 'Fail'],
      ['Completed', 'Pass'],
      ['Completed', 'Pass'],
    ]);
  });

  it('refuses backward transitions and results on finished tasks (409)', async () => {
    const jobId = await submitJob();
    const [task] = await tasksOf(jobId);
    await changeTaskStatus(server.db, task!.id, 'Running');
    await expect(changeTaskStatus(server.db, task!.id, 'Queued')).rejects.toMatchObject({
      code: 'INVALID_TRANSITION',
      statusCode: 409,
    });
    await changeTaskStatus(server.db, task!.id, 'Completed');
    await expect(changeTaskStatus(server.db, task!.id, 'Running')).rejects.toMatchObject({
      code: 'INVALID_TRANSITION',
    });
    await expect(recordTaskResult(server.db, task!.id, { result: 'Pass', path: '/' })).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('a task finished without results keeps result New and counts in ntasks', async () => {
    const jobId = await submitJob();
    const tasks = await tasksOf(jobId);
    await changeTaskStatus(server.db, tasks[4]!.id, 'Running');
    await changeTaskStatus(server.db, tasks[4]!.id, 'Completed');
    const set = await server.db.recipeSet.findFirstOrThrow({ where: { jobId, position: 1 } });
    expect(set).toMatchObject({ status: 'Completed', result: 'New', ntasks: 1 });
  });

  it('aborts with a reason: a Warn result carrying it, status Aborted beating Cancelled', async () => {
    const jobId = await submitJob();
    const sets = await server.db.recipeSet.findMany({ where: { jobId }, orderBy: { position: 'asc' } });
    await stop(server.db, { recipeSetId: sets[0]!.id }, 'cancel', 'user said so');
    await stop(server.db, { recipeSetId: sets[1]!.id }, 'abort', 'External Watchdog Expired');
    const job = await server.db.job.findUniqueOrThrow({ where: { id: jobId } });
    expect(job).toMatchObject({ status: 'Aborted', result: 'Warn' });
    const aborted = await tasksOf(jobId);
    expect(aborted[4]!.results[0]).toMatchObject({ result: 'Warn', message: 'External Watchdog Expired' });
  });

  it('releases a finished recipe set\u2019s system and queues clear_netboot and off for its lab', async () => {
    const jobId = await submitJob();
    const recipe = await server.db.recipe.findFirstOrThrow({ where: { recipeSet: { jobId, position: 1 } } });
    const lab = await server.db.labController.findFirstOrThrow();
    const admin = await server.db.user.findUniqueOrThrow({ where: { username: 'admin' } });
    const system = await server.db.system.create({
      data: {
        fqdn: `held-${jobId}.example.com`,
        ownerId: admin.id,
        labControllerId: lab.id,
        userId: admin.id,
      },
    });
    const reservation = await server.db.reservation.create({
      data: { systemId: system.id, userId: admin.id, type: 'recipe' },
    });
    await server.db.recipeResource.create({
      data: {
        recipeId: recipe.id,
        type: 'system',
        fqdn: system.fqdn,
        systemId: system.id,
        reservationId: reservation.id,
      },
    });
    await stop(server.db, { recipeId: recipe.id }, 'abort', 'gone');
    expect((await server.db.system.findUniqueOrThrow({ where: { id: system.id } })).userId).toBeNull();
    expect(
      (await server.db.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).finishTime,
    ).not.toBeNull();
    const commands = await server.db.command.findMany({
      where: { systemId: system.id },
      orderBy: { id: 'asc' },
    });
    expect(commands.map((c) => [c.action, c.status])).toEqual([
      ['clear_netboot', 'Queued'],
      ['off', 'Queued'],
    ]);
  });
});

describe('job list', () => {
  it('filters by owner, status and whiteboard', async () => {
    const list = async (query: string, token = owner) =>
      (await server.app.inject({ method: 'GET', url: `/jobs?${query}`, headers: bearer(token) })).json();
    const all = await list('mine=true');
    expect(all.total).toBeGreaterThan(3);
    expect(all.items.every((j: { owner: string }) => j.owner === 'owner')).toBe(true);
    const cancelled = await list('owner=owner&status=Cancelled');
    expect(cancelled.items.length).toBeGreaterThan(0);
    expect(cancelled.items.every((j: { status: string }) => j.status === 'Cancelled')).toBe(true);
    expect((await list('whiteboard=LIFECYCLE')).total).toBe(all.total);
    expect((await list('whiteboard=nothing-like-this')).total).toBe(0);
    const bad = await server.app.inject({
      method: 'GET',
      url: '/jobs?status=Sleeping',
      headers: bearer(owner),
    });
    expect(bad.statusCode).toBe(400);
  });
});
