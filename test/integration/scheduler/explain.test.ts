// Why a queued recipe waits (GET /recipes/:id/explain, erlen job-explain) against real
// PostgreSQL and the scheduler's index.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  addSystem,
  jobXml,
  LAB_A,
  LAB_B,
  seedLabs,
  submit,
  testScheduler,
} from '../../support/scheduler-lab.js';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let alice: string;
let aliceId: number;

beforeEach(async () => {
  server = await startTestServer();
  alice = await server.user('alice');
  aliceId = (await server.db.user.findUniqueOrThrow({ where: { username: 'alice' } })).id;
  await seedLabs(server, [LAB_A, LAB_B], [LAB_A, LAB_B]);
});
afterEach(async () => server.close());

describe('explain', () => {
  const explain = async (recipeId: number, token = alice) => {
    const response = await server.app.inject({
      method: 'GET',
      url: `/recipes/${recipeId}/explain`,
      headers: bearer(token),
    });
    return { status: response.statusCode, body: response.json() };
  };

  it('says how many systems match and, by group, why none can take the recipe now', async () => {
    await addSystem(server, 'small.example.com', { memory: 2048 });
    await addSystem(server, 'busy.example.com');
    await addSystem(server, 'broken.example.com', { status: 'Broken' });
    await addSystem(server, 'private.example.com', {
      accessPolicy: [{ everybody: true, permission: 'view' }],
    });
    await server.db.system.update({ where: { fqdn: 'busy.example.com' }, data: { userId: aliceId } });
    const jobId = await submit(
      server,
      alice,
      jobXml([
        [{ hostRequires: '<hostRequires><system><memory op="&gt;=" value="4096"/></system></hostRequires>' }],
      ]),
    );
    const scheduler = testScheduler(server);
    await scheduler.start();
    const recipe = await server.db.recipe.findFirstOrThrow({ where: { recipeSet: { jobId } } });
    const { status, body } = await explain(recipe.id);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'Queued', systems: 4, matching: 3, available: 0, system: null });
    expect(body.waiting).toEqual([
      {
        reason: 'noPermission',
        description: 'job owner may not reserve it',
        count: 1,
        examples: ['private.example.com'],
      },
      { reason: 'notAutomated', description: 'Broken or Manual', count: 1, examples: ['broken.example.com'] },
      { reason: 'busy', description: 'busy (reserved)', count: 1, examples: ['busy.example.com'] },
    ]);
    expect(body.rejectedBy).toEqual([{ predicate: 'memory >= 4096', count: 1 }]);
    expect(body.summary).toMatch(
      /3 system\(s\) satisfy its filter, none can take it now: 1 job owner may not reserve it/,
    );

    await server.db.system.update({ where: { fqdn: 'busy.example.com' }, data: { userId: null } });
    expect((await explain(recipe.id)).body).toMatchObject({ available: 1 });
    await scheduler.sweep();
    expect((await explain(recipe.id)).body.summary).toBe(`R:${recipe.id} is Waiting on busy.example.com`);
  });

  it('counts and names only systems the caller may see', async () => {
    await addSystem(server, 'hidden.example.com', { accessPolicy: [] });
    await addSystem(server, 'shown.example.com', { status: 'Broken' });
    const jobId = await submit(
      server,
      alice,
      jobXml([[{ hostRequires: '<hostRequires force="hidden.example.com"/>' }]]),
    );
    const recipe = await server.db.recipe.findFirstOrThrow({ where: { recipeSet: { jobId } } });
    // A filter naming a hidden system learns nothing about it, not even that it exists.
    expect((await explain(recipe.id)).body).toMatchObject({ systems: 1, matching: 0, waiting: [] });
    expect((await explain(recipe.id, server.adminToken)).body).toMatchObject({
      systems: 2,
      matching: 1,
      waiting: [expect.objectContaining({ reason: 'noPermission', examples: ['hidden.example.com'] })],
    });
  });

  it('answers 404 for an unknown recipe and 400 for a guest recipe', async () => {
    expect((await explain(999999)).status).toBe(404);
    await addSystem(server, 'host.example.com');
    const jobId = await submit(server, alice, jobXml([[{ guest: true }]]));
    const guest = await server.db.recipe.findFirstOrThrow({ where: { recipeSet: { jobId }, kind: 'guest' } });
    expect((await explain(guest.id)).status).toBe(400);
  });
});
