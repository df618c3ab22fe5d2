// The scheduler's rules against real PostgreSQL, one in-process Scheduler per test, passes
// driven by the test (no timers).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { noSchedulerEvents } from '../../../server/src/events/scheduler-events.js';
import { stop } from '../../../server/src/modules/jobs/job-lifecycle.js';
import {
  addSystem,
  assignments,
  jobXml,
  LAB_A,
  LAB_B,
  seedLabs,
  submit,
  testScheduler,
} from '../../support/scheduler-lab.js';
import { startTestServer, type TestServer } from '../../support/server.js';

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

const recipeStatus = async (jobId: number) =>
  (await server.db.recipe.findMany({ where: { recipeSet: { jobId } }, orderBy: { id: 'asc' } })).map(
    (r) => r.status,
  );
const jobOf = (jobId: number) => server.db.job.findUniqueOrThrow({ where: { id: jobId } });

describe('assignment', () => {
  it('reserves a free matching system and provisions it: resource, reservation, watchdog, commands, statuses, history', async () => {
    const small = await addSystem(server, 'small.example.com', { memory: 2048 });
    const big = await addSystem(server, 'big.example.com', { memory: 16384 });
    const jobId = await submit(
      server,
      alice,
      jobXml([
        [
          {
            hostRequires: '<hostRequires><system><memory op="&gt;=" value="4096"/></system></hostRequires>',
            tasks: 2,
          },
        ],
      ]),
    );
    const scheduler = testScheduler(server);
    await scheduler.start();

    expect([...(await assignments(server, jobId)).values()]).toEqual(['big.example.com']);
    expect((await server.db.system.findUniqueOrThrow({ where: { id: big } })).userId).toBe(aliceId);
    expect((await server.db.system.findUniqueOrThrow({ where: { id: small } })).userId).toBeNull();
    const recipe = await server.db.recipe.findFirstOrThrow({
      where: { recipeSet: { jobId } },
      include: {
        tasks: true,
        watchdog: true,
        resource: { include: { reservation: true } },
        installation: true,
      },
    });
    expect(recipe.status).toBe('Waiting');
    expect(recipe.tasks.map((t) => t.status)).toEqual(['Waiting', 'Waiting']);
    expect(recipe.watchdog).toMatchObject({ killTime: null });
    expect(recipe.resource?.reservation).toMatchObject({
      systemId: big,
      userId: aliceId,
      type: 'recipe',
      finishTime: null,
    });
    expect(recipe.installation).toMatchObject({
      arch: 'x86_64',
      distroName: 'ErlenLinux-1.0',
      osMajor: 'ErlenLinux1',
    });
    const commands = await server.db.command.findMany({ where: { systemId: big }, orderBy: { id: 'asc' } });
    expect(commands.map((c) => c.action)).toEqual(['clear_logs', 'configure_netboot', 'off', 'on']);
    expect(commands[1]?.installationId).toBe(recipe.installation?.id);
    const set = await server.db.recipeSet.findFirstOrThrow({
      where: { jobId },
      include: { labController: true },
    });
    expect(set).toMatchObject({ status: 'Waiting', labController: { fqdn: LAB_A } });
    expect((await jobOf(jobId)).status).toBe('Waiting');
    const history = await server.db.assignmentEvent.findMany();
    expect(history).toEqual([
      expect.objectContaining({ kind: 'assign', recipeId: recipe.id, systemId: big, actor: 'test' }),
    ]);
  });

  it('serves higher priority first, then older sets', async () => {
    await addSystem(server, 'only.example.com');
    const normal = await submit(server, alice, jobXml([[{}]]));
    const low = await submit(server, alice, jobXml([[{}]], 'Low'));
    const admin = server.adminToken;
    const urgent = await submit(server, admin, jobXml([[{}]], 'Urgent'));
    const scheduler = testScheduler(server);
    await scheduler.start();
    expect(await recipeStatus(urgent)).toEqual(['Waiting']);
    expect(await recipeStatus(normal)).toEqual(['Queued']);
    expect(await recipeStatus(low)).toEqual(['Queued']);
  });

  it('puts a forced recipe on its Manual system; unforced recipes skip Manual systems', async () => {
    await addSystem(server, 'manual.example.com', { status: 'Manual' });
    const plain = await submit(server, alice, jobXml([[{}]]));
    const forced = await submit(
      server,
      alice,
      jobXml([[{ hostRequires: '<hostRequires force="manual.example.com"/>' }]]),
    );
    const scheduler = testScheduler(server);
    await scheduler.start();
    expect(
      (await assignments(server, forced)).get(
        (await server.db.recipe.findFirstOrThrow({ where: { recipeSet: { jobId: forced } } })).id,
      ),
    ).toBe('manual.example.com');
    expect(await recipeStatus(plain)).toEqual(['Queued']);
  });

  it('prefers the job owner’s systems, then pooled systems, then the rest', async () => {
    await addSystem(server, 'a-other.example.com');
    await server.db.pool.create({ data: { name: 'shared', accessPolicy: { create: {} } } });
    const pooled = await addSystem(server, 'b-pooled.example.com');
    await server.db.systemPoolMember.create({
      data: { systemId: pooled, poolId: (await server.db.pool.findFirstOrThrow()).id },
    });
    await addSystem(server, 'c-mine.example.com', { owner: 'alice' });
    const first = await submit(server, alice, jobXml([[{}]]));
    const second = await submit(server, alice, jobXml([[{}]]));
    const third = await submit(server, alice, jobXml([[{}]]));
    const scheduler = testScheduler(server);
    await scheduler.start();
    const placed = async (jobId: number) => [...(await assignments(server, jobId)).values()][0];
    expect([await placed(first), await placed(second), await placed(third)]).toEqual([
      'c-mine.example.com',
      'b-pooled.example.com',
      'a-other.example.com',
    ]);
  });

  it('gives guest recipes a guest resource with a MAC address on their host’s lab', async () => {
    await addSystem(server, 'host.example.com');
    const jobId = await submit(server, alice, jobXml([[{ guest: true }]]));
    const scheduler = testScheduler(server);
    await scheduler.start();
    const guest = await server.db.recipe.findFirstOrThrow({
      where: { recipeSet: { jobId }, kind: 'guest' },
      include: { resource: true, watchdog: true },
    });
    expect(guest.status).toBe('Waiting');
    expect(guest.resource).toMatchObject({
      type: 'guest',
      macAddress: expect.stringMatching(/^52:54:00(:[0-9a-f]{2}){3}$/),
    });
    expect(guest.watchdog).not.toBeNull();
  });
});

describe('recipe sets', () => {
  it('places a multi-host set whole, in one lab, or not at all', async () => {
    await addSystem(server, 'a1.example.com');
    await addSystem(server, 'b1.example.com', { labController: LAB_B });
    const b2 = await addSystem(server, 'b2.example.com', { labController: LAB_B });
    await server.db.system.update({ where: { id: b2 }, data: { userId: aliceId } });
    const jobId = await submit(server, alice, jobXml([[{}, {}]]));
    const scheduler = testScheduler(server);
    await scheduler.start();
    // One free system in each lab: the set must not straddle them, nor take one and wait.
    expect(await recipeStatus(jobId)).toEqual(['Queued', 'Queued']);
    expect(await server.db.assignmentEvent.count()).toBe(0);

    await server.db.system.update({ where: { id: b2 }, data: { userId: null } });
    scheduler.notify({ type: 'systems-changed', systemIds: [b2] });
    await scheduler.kick();
    expect(new Set((await assignments(server, jobId)).values())).toEqual(
      new Set(['b1.example.com', 'b2.example.com']),
    );
    const history = await server.db.assignmentEvent.findMany();
    expect(history).toHaveLength(2);
    expect(history[0]?.txid).toBe(history[1]?.txid);
  });

  it('aborts at processing a set that no lab could ever hold whole', async () => {
    await addSystem(server, 'a1.example.com');
    await addSystem(server, 'b1.example.com', { labController: LAB_B });
    await addSystem(server, 'b2.example.com', { labController: LAB_B, status: 'Broken' });
    // Broken can be repaired: only Removed systems and missing labs make a set hopeless.
    const waits = await submit(server, alice, jobXml([[{}, {}]]));
    await server.db.system.update({ where: { fqdn: 'b2.example.com' }, data: { status: 'Removed' } });
    const scheduler = testScheduler(server);
    await scheduler.start();
    expect(await recipeStatus(waits)).toEqual(['Aborted', 'Aborted']);
    const results = await server.db.recipeTaskResult.findMany({
      where: { recipeTask: { recipe: { recipeSet: { jobId: waits } } } },
    });
    expect(results[0]?.message).toMatch(/no lab has enough systems for all 2 recipes/);
  });
});

describe('processing', () => {
  it('aborts a recipe no system could ever run, with the reason, and finishes the job', async () => {
    await addSystem(server, 'small.example.com', { memory: 2048 });
    const jobId = await submit(
      server,
      alice,
      jobXml([
        [{ hostRequires: '<hostRequires><system><memory op="&gt;" value="99999"/></system></hostRequires>' }],
      ]),
    );
    const scheduler = testScheduler(server);
    await scheduler.start();
    const job = await jobOf(jobId);
    expect(job).toMatchObject({ status: 'Aborted', result: 'Warn' });
    const result = await server.db.recipeTaskResult.findFirstOrThrow({
      where: { recipeTask: { recipe: { recipeSet: { jobId } } } },
    });
    expect(result.message).toMatch(/R:\d+ does not match any system: no system satisfies its <hostRequires>/);
  });

  it('aborts when matching systems exist but the owner may reserve none of them', async () => {
    await addSystem(server, 'private.example.com', {
      accessPolicy: [{ everybody: true, permission: 'view' }],
    });
    const jobId = await submit(server, alice, jobXml([[{}]]));
    const scheduler = testScheduler(server);
    await scheduler.start();
    const result = await server.db.recipeTaskResult.findFirstOrThrow({
      where: { recipeTask: { recipe: { recipeSet: { jobId } } } },
    });
    expect(result.message).toMatch(
      /R:\d+ does not match any system: systems satisfy its <hostRequires> but the job owner may reserve none/,
    );
  });

  it('bumps a set whose recipe fits exactly one system by one level, once, with an activity record', async () => {
    await addSystem(server, 'one.example.com', { memory: 65536 });
    await addSystem(server, 'two.example.com', { memory: 2048 });
    const jobId = await submit(
      server,
      alice,
      jobXml([
        [
          {
            hostRequires: '<hostRequires><system><memory op="&gt;=" value="65536"/></system></hostRequires>',
          },
        ],
      ]),
    );
    const hog = await submit(server, alice, jobXml([[{}]]));
    await server.db.system.update({ where: { fqdn: 'one.example.com' }, data: { userId: aliceId } });
    const scheduler = testScheduler(server);
    await scheduler.start();
    const set = await server.db.recipeSet.findFirstOrThrow({ where: { jobId } });
    expect(set.priority).toBe('High');
    expect(set.processedAt).not.toBeNull();
    expect(
      await server.db.activity.findMany({ where: { objectType: 'recipe_set', objectId: set.id } }),
    ).toEqual([expect.objectContaining({ service: 'Scheduler', fieldName: 'Priority', oldValue: 'Normal' })]);
    expect(await recipeStatus(hog)).toEqual(['Waiting']);
    await testScheduler(server).start(); // a restarted scheduler does not bump again
    expect((await server.db.recipeSet.findFirstOrThrow({ where: { jobId } })).priority).toBe('High');
  });
});

describe('eligibility', () => {
  it('skips systems of disabled and offline labs and uses them once the lab is back', async () => {
    await addSystem(server, 'a1.example.com');
    await server.db.labController.update({
      where: { fqdn: LAB_A },
      data: { lastSeenAt: new Date(Date.now() - 120_000) },
    });
    const jobId = await submit(server, alice, jobXml([[{}]]));
    const scheduler = testScheduler(server);
    await scheduler.start();
    expect(await recipeStatus(jobId)).toEqual(['Queued']);
    await server.db.labController.update({
      where: { fqdn: LAB_A },
      data: { lastSeenAt: new Date(), disabled: true },
    });
    scheduler.notify({ type: 'inventory-changed' });
    await scheduler.kick();
    expect(await recipeStatus(jobId)).toEqual(['Queued']);
    await server.db.labController.update({ where: { fqdn: LAB_A }, data: { disabled: false } });
    scheduler.notify({ type: 'inventory-changed' });
    await scheduler.kick();
    expect(await recipeStatus(jobId)).toEqual(['Waiting']);
  });

  it('gives a loaned system only to its loanee', async () => {
    const bob = await server.user('bob');
    const bobId = (await server.db.user.findUniqueOrThrow({ where: { username: 'bob' } })).id;
    await addSystem(server, 'loaned.example.com');
    await server.db.system.update({ where: { fqdn: 'loaned.example.com' }, data: { loanedToId: bobId } });
    const alices = await submit(server, alice, jobXml([[{}]]));
    const bobs = await submit(server, bob, jobXml([[{}]]));
    const scheduler = testScheduler(server);
    await scheduler.start();
    expect(await recipeStatus(alices)).toEqual(['Queued']);
    expect([...(await assignments(server, bobs)).values()]).toEqual(['loaned.example.com']);
  });

  it('re-checks reserve permission at commit: a policy revoked after planning wins', async () => {
    await addSystem(server, 'revoked.example.com');
    const jobId = await submit(server, alice, jobXml([[{}]]));
    const scheduler = testScheduler(server);
    await scheduler.load();
    // The in-memory index still says "everybody may reserve"; the database no longer does.
    await server.db.accessPolicyRule.deleteMany({ where: { permission: 'reserve' } });
    const stats = await scheduler.pass();
    expect(stats).toMatchObject({ planned: 1, committed: 0, conflicts: 1 });
    expect(await recipeStatus(jobId)).toEqual(['Queued']);
    expect(await server.db.system.count({ where: { userId: { not: null } } })).toBe(0);
  });
});

describe('events', () => {
  it('re-assigns a system released by a cancelled job in the same wake-up', async () => {
    await addSystem(server, 'only.example.com');
    const first = await submit(server, alice, jobXml([[{}]]));
    const second = await submit(server, alice, jobXml([[{}]]));
    const scheduler = testScheduler(server);
    await scheduler.start();
    expect(await recipeStatus(first)).toEqual(['Waiting']);
    expect(await recipeStatus(second)).toEqual(['Queued']);
    const events = {
      ...noSchedulerEvents,
      systemsReleased: async (systemIds: number[]) =>
        scheduler.notify({ type: 'systems-released', systemIds }),
    };
    await stop(server.db, { jobId: first }, 'cancel', 'done with it', { events });
    await scheduler.kick();
    expect(await recipeStatus(second)).toEqual(['Waiting']);
    const history = await server.db.assignmentEvent.findMany({ orderBy: { id: 'asc' } });
    expect(history.map((h) => h.kind)).toEqual(['assign', 'release', 'assign']);
  });

  it('finds work an event never announced on the next sweep', async () => {
    const scheduler = testScheduler(server);
    await scheduler.start();
    await addSystem(server, 'late.example.com');
    const jobId = await submit(server, alice, jobXml([[{}]]));
    expect(await recipeStatus(jobId)).toEqual(['Queued']);
    await scheduler.sweep();
    expect(await recipeStatus(jobId)).toEqual(['Waiting']);
  });
});
