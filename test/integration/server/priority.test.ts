// Recipe-set priorities after submission: PATCH /recipesets/:id and PATCH /jobs/:id with
// Beaker's rules (RecipeSet.can_change_priority / allowed_priorities), on the real database
// and Redis. The scheduler's wake-up is checked on the BullMQ queue the server publishes to.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { redisConnection, SCHEDULER_QUEUE } from '../../../server/src/events/scheduler-events.js';
import { changeTaskStatus, stop } from '../../../server/src/modules/jobs/job-lifecycle.js';
import { seedSampleLab } from '../../support/lab-fixtures.js';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let queue: Queue;
let owner: string;
let stranger: string;
let groupie: string;
let queueAdmin: string;

beforeAll(async () => {
  server = await startTestServer();
  owner = await server.user('owner');
  stranger = await server.user('stranger');
  groupie = await server.user('groupie');
  queueAdmin = await server.user('queueadmin');
  await seedSampleLab(server, owner); // also creates "somegroup", owned by owner
  await post('/groups/somegroup/members', { username: 'groupie' }, owner);
  // A group holding change_prio (there is no API for site permissions yet).
  await post('/groups', { name: 'queue-admins' }, queueAdmin);
  const group = await server.db.group.findUniqueOrThrow({ where: { name: 'queue-admins' } });
  await server.db.groupPermission.create({ data: { groupId: group.id, permission: 'change_prio' } });
  queue = new Queue(SCHEDULER_QUEUE, {
    prefix: server.config.queuePrefix,
    connection: redisConnection(server.config.redisUrl),
  });
});
afterAll(async () => {
  await queue.close();
  await server.close();
});

async function post(url: string, payload: object, token: string) {
  const response = await server.app.inject({ method: 'POST', url, headers: bearer(token), payload });
  if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
}

const recipe = (task: string) =>
  `<recipe><distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires><hostRequires/>
      <task name="${task}" role="STANDALONE"/></recipe>`;

/** Two recipe sets: the first (Normal) with two recipes, the second Low with one. */
const jobXml = (group?: string) => `<job${group ? ` group="${group}"` : ''}><whiteboard>prio</whiteboard>
  <recipeSet priority="Normal">${recipe('/a')}${recipe('/b')}</recipeSet>
  <recipeSet priority="Low">${recipe('/c')}</recipeSet>
</job>`;

interface Submitted {
  jobId: number;
  /** Recipe set ids in job order. */
  sets: number[];
  recipesOf(setId: number): Promise<number[]>;
}

async function submit(options: { token?: string; group?: string } = {}): Promise<Submitted> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/jobs',
    headers: { ...bearer(options.token ?? owner), 'content-type': 'application/xml' },
    payload: jobXml(options.group),
  });
  expect(response.statusCode).toBe(201);
  const jobId = Number(response.json().id.slice(2));
  const sets = await server.db.recipeSet.findMany({ where: { jobId }, orderBy: { position: 'asc' } });
  expect(sets.map((s) => s.priority)).toEqual(['Normal', 'Low']);
  return {
    jobId,
    sets: sets.map((s) => s.id),
    recipesOf: async (setId) =>
      (await server.db.recipe.findMany({ where: { recipeSetId: setId }, orderBy: { id: 'asc' } })).map(
        (r) => r.id,
      ),
  };
}

const patch = (url: string, token: string, payload: unknown) =>
  server.app.inject({ method: 'PATCH', url, headers: bearer(token), payload: payload as object });

const priorityOf = async (setId: number) =>
  (await server.db.recipeSet.findUniqueOrThrow({ where: { id: setId } })).priority;

const activityOf = (setId: number) =>
  server.db.activity.findMany({
    where: { objectType: 'recipe_set', objectId: setId },
    orderBy: { id: 'asc' },
  });

/** recipeIds of every recipes-queued event published so far, in the order they were added. */
async function wakeUps(): Promise<number[][]> {
  const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
  return jobs
    .filter((job) => job.name === 'recipes-queued')
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((job) => (job.data as { recipeIds: number[] }).recipeIds);
}

describe('PATCH /recipesets/:id', () => {
  it('lets the owner lower a priority, records it and wakes the scheduler for that set', async () => {
    const job = await submit();
    const [first, second] = job.sets as [number, number];
    const response = await patch(`/recipesets/${first}`, owner, { priority: 'Low' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: `RS:${first}`,
      job: `J:${job.jobId}`,
      priority: 'Low',
      previousPriority: 'Normal',
      status: 'Queued',
      changed: true,
    });
    expect(await priorityOf(first)).toBe('Low');
    expect(await priorityOf(second)).toBe('Low');
    const ownerId = (await server.db.user.findUniqueOrThrow({ where: { username: 'owner' } })).id;
    expect(await activityOf(first)).toEqual([
      expect.objectContaining({
        userId: ownerId,
        service: 'HTTP',
        action: 'Changed',
        fieldName: 'Priority',
        oldValue: 'Normal',
        newValue: 'Low',
      }),
    ]);
    expect(await activityOf(second)).toEqual([]);
    // The last event is this change's, naming exactly the first set's two recipes.
    const recipes = await job.recipesOf(first);
    expect(recipes).toHaveLength(2);
    expect((await wakeUps()).at(-1)).toEqual(recipes);
    const detail = await server.app.inject({
      method: 'GET',
      url: `/jobs/${job.jobId}`,
      headers: bearer(owner),
    });
    expect(detail.json().recipeSets.map((s: { priority: string }) => s.priority)).toEqual(['Low', 'Low']);
  });

  it('refuses to let the owner raise a priority, saying which ones are allowed', async () => {
    const job = await submit();
    const [first, second] = job.sets as [number, number];
    const raise = await patch(`/recipesets/${first}`, owner, { priority: 'High' });
    expect(raise.statusCode).toBe(403);
    expect(raise.json().code).toBe('FORBIDDEN');
    expect(raise.json().message).toMatch(/change_prio/);
    expect(raise.json().message).toMatch(/you may set Low, Medium, Normal$/);
    // Back up to where it was submitted is raising too (Beaker: only the same or lower).
    const back = await patch(`/recipesets/${second}`, owner, { priority: 'Normal' });
    expect(back.statusCode).toBe(403);
    expect(back.json().message).toMatch(/you may set Low$/);
    expect(await priorityOf(first)).toBe('Normal');
    expect(await priorityOf(second)).toBe('Low');
    expect(await activityOf(first)).toEqual([]);
  });

  it('lets an admin raise a priority', async () => {
    const job = await submit();
    const response = await patch(`/recipesets/${job.sets[0]}`, server.adminToken, { priority: 'Urgent' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ priority: 'Urgent', previousPriority: 'Normal', changed: true });
    expect(await priorityOf(job.sets[0]!)).toBe('Urgent');
  });

  it('lets a member of a change_prio group raise the priority of a job that is not theirs', async () => {
    const job = await submit();
    const response = await patch(`/recipesets/${job.sets[1]}`, queueAdmin, { priority: 'High' });
    expect(response.statusCode).toBe(200);
    expect(await priorityOf(job.sets[1]!)).toBe('High');
    const queueAdminId = (await server.db.user.findUniqueOrThrow({ where: { username: 'queueadmin' } })).id;
    expect(await activityOf(job.sets[1]!)).toEqual([
      expect.objectContaining({ userId: queueAdminId, oldValue: 'Low', newValue: 'High' }),
    ]);
  });

  it('refuses an unrelated user, even for a value the set already has', async () => {
    const job = await submit();
    for (const priority of ['Low', 'Normal']) {
      const response = await patch(`/recipesets/${job.sets[0]}`, stranger, { priority });
      expect(response.statusCode).toBe(403);
      expect(response.json().message).toMatch(/owner, submitter, members of its group, admins/);
    }
    expect(await priorityOf(job.sets[0]!)).toBe('Normal');
  });

  it("lets a member of the job's group lower it but not raise it", async () => {
    const job = await submit({ group: 'somegroup' });
    const lower = await patch(`/recipesets/${job.sets[0]}`, groupie, { priority: 'Medium' });
    expect(lower.statusCode).toBe(200);
    expect(await priorityOf(job.sets[0]!)).toBe('Medium');
    const raise = await patch(`/recipesets/${job.sets[0]}`, groupie, { priority: 'Normal' });
    expect(raise.statusCode).toBe(403);
    expect(await priorityOf(job.sets[0]!)).toBe('Medium');
    // Membership of the job's group is what counts: the same user on a job without a group is refused.
    const other = await submit();
    expect((await patch(`/recipesets/${other.sets[0]}`, groupie, { priority: 'Low' })).statusCode).toBe(403);
  });

  it('answers 409 once the set is running or finished, and changes nothing', async () => {
    const job = await submit();
    const [first, second] = job.sets as [number, number];
    await stop(server.db, { recipeSetId: second }, 'cancel', '');
    const task = await server.db.recipeTask.findFirstOrThrow({ where: { recipe: { recipeSetId: first } } });
    await changeTaskStatus(server.db, task.id, 'Running');
    const statuses = await server.db.recipeSet.findMany({
      where: { jobId: job.jobId },
      orderBy: { position: 'asc' },
    });
    expect(statuses.map((s) => s.status)).toEqual(['Running', 'Cancelled']);

    const events = (await wakeUps()).length;
    const finished = await patch(`/recipesets/${second}`, server.adminToken, { priority: 'Urgent' });
    expect(finished.statusCode).toBe(409);
    expect(finished.json()).toMatchObject({ code: 'CONFLICT' });
    expect(finished.json().message).toMatch(new RegExp(`RS:${second} is Cancelled`));
    const running = await patch(`/recipesets/${first}`, owner, { priority: 'Low' });
    expect(running.statusCode).toBe(409);
    expect(running.json().message).toMatch(/New, Processed or Queued/);
    expect(await priorityOf(first)).toBe('Normal');
    expect(await priorityOf(second)).toBe('Low');
    expect(await activityOf(second)).toEqual([]);
    expect(await wakeUps()).toHaveLength(events);
    // Asking for the value it already has is not a change, finished or not.
    const same = await patch(`/recipesets/${second}`, owner, { priority: 'Low' });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ priority: 'Low', status: 'Cancelled', changed: false });
  });

  it('does nothing, records nothing and wakes nobody for the priority the set already has', async () => {
    const job = await submit();
    const events = (await wakeUps()).length;
    const response = await patch(`/recipesets/${job.sets[0]}`, owner, { priority: 'Normal' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ priority: 'Normal', previousPriority: 'Normal', changed: false });
    expect(await activityOf(job.sets[0]!)).toEqual([]);
    expect(await wakeUps()).toHaveLength(events);
  });

  it.each([
    ['an unknown name', { priority: 'Highest' }],
    ['the wrong case', { priority: 'high' }],
    ['no priority', {}],
    ['a number', { priority: 3 }],
    ['another field', { priority: 'Low', waived: true }],
  ])('answers 400 for %s', async (_what, body) => {
    const job = await submit();
    const response = await patch(`/recipesets/${job.sets[0]}`, server.adminToken, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('BAD_REQUEST');
    expect(await priorityOf(job.sets[0]!)).toBe('Normal');
  });

  it('names the allowed values for an unknown priority', async () => {
    const job = await submit();
    const response = await patch(`/recipesets/${job.sets[0]}`, owner, { priority: 'Highest' });
    expect(response.json().message).toBe(
      'unknown priority "Highest"; one of Low, Medium, Normal, High, Urgent',
    );
  });

  it('answers 404 for an unknown recipe set, and for one of a deleted job', async () => {
    const missing = await patch('/recipesets/2147483647', server.adminToken, { priority: 'Low' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ code: 'NOT_FOUND', message: 'no recipe set RS:2147483647' });
    const job = await submit();
    await server.db.job.update({ where: { id: job.jobId }, data: { deletedAt: new Date() } });
    const deleted = await patch(`/recipesets/${job.sets[0]}`, server.adminToken, { priority: 'Low' });
    expect(deleted.statusCode).toBe(404);
    expect(await priorityOf(job.sets[0]!)).toBe('Normal');
  });
});

describe('PATCH /jobs/:id', () => {
  it('changes every recipe set of the job, with activity and one wake-up for all their recipes', async () => {
    const job = await submit();
    const events = (await wakeUps()).length;
    const response = await patch(`/jobs/${job.jobId}`, server.adminToken, { priority: 'High' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: `J:${job.jobId}`,
      recipeSets: [
        expect.objectContaining({
          id: `RS:${job.sets[0]}`,
          previousPriority: 'Normal',
          priority: 'High',
          changed: true,
        }),
        expect.objectContaining({
          id: `RS:${job.sets[1]}`,
          previousPriority: 'Low',
          priority: 'High',
          changed: true,
        }),
      ],
    });
    expect([await priorityOf(job.sets[0]!), await priorityOf(job.sets[1]!)]).toEqual(['High', 'High']);
    for (const set of job.sets) {
      expect(await activityOf(set)).toEqual([
        expect.objectContaining({ fieldName: 'Priority', newValue: 'High' }),
      ]);
    }
    // One more event (the submission's names the same recipes, so count them too).
    const recipes = [...(await job.recipesOf(job.sets[0]!)), ...(await job.recipesOf(job.sets[1]!))];
    expect(await wakeUps()).toHaveLength(events + 1);
    expect((await wakeUps()).at(-1)).toEqual(recipes);
  });

  it('leaves recipe sets past Queued alone and changes the rest', async () => {
    const job = await submit();
    await stop(server.db, { recipeSetId: job.sets[0]! }, 'cancel', '');
    const response = await patch(`/jobs/${job.jobId}`, server.adminToken, { priority: 'Urgent' });
    expect(response.statusCode).toBe(200);
    expect(response.json().recipeSets).toEqual([
      expect.objectContaining({ priority: 'Normal', status: 'Cancelled', changed: false }),
      expect.objectContaining({ priority: 'Urgent', status: 'Queued', changed: true }),
    ]);
    expect(await priorityOf(job.sets[0]!)).toBe('Normal');
    expect(await priorityOf(job.sets[1]!)).toBe('Urgent');
    expect((await wakeUps()).at(-1)).toEqual(await job.recipesOf(job.sets[1]!));
  });

  it('answers 409 when no recipe set of the job can change any more', async () => {
    const job = await submit();
    await stop(server.db, { jobId: job.jobId }, 'cancel', '');
    const response = await patch(`/jobs/${job.jobId}`, server.adminToken, { priority: 'High' });
    expect(response.statusCode).toBe(409);
    expect(response.json().message).toMatch(
      new RegExp(`RS:${job.sets[0]} is Cancelled, RS:${job.sets[1]} is Cancelled`),
    );
  });

  it('is all or nothing: one set the owner would raise keeps the other from being lowered', async () => {
    const job = await submit();
    // Medium lowers the Normal set but would raise the Low one.
    const response = await patch(`/jobs/${job.jobId}`, owner, { priority: 'Medium' });
    expect(response.statusCode).toBe(403);
    expect(response.json().message).toMatch(new RegExp(`RS:${job.sets[1]} from Low to Medium`));
    expect([await priorityOf(job.sets[0]!), await priorityOf(job.sets[1]!)]).toEqual(['Normal', 'Low']);
    expect(await activityOf(job.sets[0]!)).toEqual([]);
    // Low lowers one and leaves the other as it is.
    const lower = await patch(`/jobs/${job.jobId}`, owner, { priority: 'Low' });
    expect(lower.statusCode).toBe(200);
    expect(lower.json().recipeSets.map((s: { changed: boolean }) => s.changed)).toEqual([true, false]);
    expect([await priorityOf(job.sets[0]!), await priorityOf(job.sets[1]!)]).toEqual(['Low', 'Low']);
  });

  it('refuses an unrelated user and answers 404 for an unknown job', async () => {
    const job = await submit();
    const refused = await patch(`/jobs/${job.jobId}`, stranger, { priority: 'Low' });
    expect(refused.statusCode).toBe(403);
    expect(await priorityOf(job.sets[0]!)).toBe('Normal');
    const missing = await patch('/jobs/2147483647', server.adminToken, { priority: 'Low' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('no job J:2147483647');
  });
});
