// Provisioning apart from assignment (docs/scheduler.md step 6) against real PostgreSQL:
// sets a killed scheduler left Scheduled, racing provisionings, cancels in between.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { stop } from '../../../server/src/modules/jobs/job-lifecycle.js';
import { commitPlacements } from '../../../server/src/scheduler/commit.js';
import { provisionSets } from '../../../server/src/scheduler/provision.js';
import { FilterCache, queuedSet } from '../../../server/src/scheduler/recipe-filter.js';
import type { Scheduler } from '../../../server/src/scheduler/scheduler.js';
import { loadQueuedSets } from '../../../server/src/scheduler/store.js';
import { addSystem, jobXml, LAB_A, seedLabs, submit, testScheduler } from '../../support/scheduler-lab.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let alice: string;

beforeEach(async () => {
  server = await startTestServer();
  alice = await server.user('alice');
  await seedLabs(server, [LAB_A], [LAB_A]);
});
afterEach(async () => server.close());

const jobOf = (jobId: number) => server.db.job.findUniqueOrThrow({ where: { id: jobId } });

/**
 * Assigns the job's only set to the system and stops there, as a scheduler killed between
 * committing an assignment and provisioning it leaves things.
 */
async function assignWithoutProvisioning(
  scheduler: Scheduler,
  jobId: number,
  systemId: number,
): Promise<number> {
  await scheduler.load();
  const [row] = (await loadQueuedSets(server.db)).filter((set) => set.jobId === jobId);
  if (!row) throw new Error(`job ${jobId} has no queued set`);
  const set = queuedSet(row, scheduler.index, new FilterCache());
  const system = await server.db.system.findUniqueOrThrow({ where: { id: systemId } });
  const result = await commitPlacements(
    server.db,
    [{ set, labId: system.labControllerId as number, systems: new Map([[set.recipes[0]!.id, systemId]]) }],
    { actor: 'killed', labOfflineAfterMs: 60_000 },
  );
  expect(result.conflicts).toEqual([]);
  return set.id;
}

describe('provisioning', () => {
  it('provisions a set its scheduler assigned but did not provision, once, when the next scheduler starts', async () => {
    const systemId = await addSystem(server, 'only.example.com');
    const jobId = await submit(server, alice, jobXml([[{ tasks: 2 }]]));
    const setId = await assignWithoutProvisioning(testScheduler(server), jobId, systemId);
    const recipe = () =>
      server.db.recipe.findFirstOrThrow({
        where: { recipeSetId: setId },
        include: { tasks: true, watchdog: true, installation: true },
      });
    const assigned = await recipe();
    expect(assigned).toMatchObject({ status: 'Scheduled', watchdog: null, installation: null });
    expect(assigned.tasks.map((t) => t.status)).toEqual(['Scheduled', 'Scheduled']);
    expect((await server.db.recipeSet.findUniqueOrThrow({ where: { id: setId } })).status).toBe('Scheduled');
    expect((await jobOf(jobId)).status).toBe('Scheduled');
    expect(await server.db.command.count()).toBe(0);

    const next = testScheduler(server, { actor: 'next' });
    await next.start();
    const provisioned = await recipe();
    expect(provisioned.status).toBe('Waiting');
    expect(provisioned.tasks.map((t) => t.status)).toEqual(['Waiting', 'Waiting']);
    expect(provisioned.watchdog).toMatchObject({ killTime: null });
    expect(provisioned.installation).toMatchObject({ systemId, distroName: 'ErlenLinux-1.0' });
    expect((await jobOf(jobId)).status).toBe('Waiting');
    const actions = async () =>
      (await server.db.command.findMany({ orderBy: { id: 'asc' } })).map((c) => c.action);
    expect(await actions()).toEqual(['clear_logs', 'configure_netboot', 'off', 'on']);

    // A sweep, and two provisionings racing each other, find nothing more to do.
    await next.sweep();
    const raced = await Promise.all([provisionSets(server.db, [setId]), provisionSets(server.db, [setId])]);
    expect(raced).toEqual([[], []]);
    expect(await actions()).toEqual(['clear_logs', 'configure_netboot', 'off', 'on']);
    expect((await server.db.assignmentEvent.findMany()).map((e) => e.actor)).toEqual(['killed']);
  });

  it('provisions a stranded set exactly once when two provisionings race', async () => {
    const systemId = await addSystem(server, 'only.example.com');
    const jobId = await submit(server, alice, jobXml([[{}]]));
    const setId = await assignWithoutProvisioning(testScheduler(server), jobId, systemId);
    const raced = await Promise.all([provisionSets(server.db, [setId]), provisionSets(server.db, [setId])]);
    expect(raced.flat()).toEqual([setId]);
    expect(await server.db.command.count()).toBe(4);
    expect(await server.db.watchdog.count()).toBe(1);
  });

  it('does not provision a set cancelled after its assignment; its system goes back', async () => {
    const systemId = await addSystem(server, 'only.example.com');
    const jobId = await submit(server, alice, jobXml([[{}]]));
    const setId = await assignWithoutProvisioning(testScheduler(server), jobId, systemId);
    await stop(server.db, { jobId }, 'cancel', 'changed my mind');
    expect(await provisionSets(server.db, [setId])).toEqual([]);
    expect((await server.db.recipeSet.findUniqueOrThrow({ where: { id: setId } })).status).toBe('Cancelled');
    expect((await server.db.system.findUniqueOrThrow({ where: { id: systemId } })).userId).toBeNull();
    expect(await server.db.reservation.count({ where: { finishTime: null } })).toBe(0);
    expect(await server.db.installation.count()).toBe(0);
    expect(await server.db.watchdog.count()).toBe(0);
    expect((await server.db.command.findMany({ orderBy: { id: 'asc' } })).map((c) => c.action)).toEqual([
      'clear_netboot',
      'off',
    ]);
  });
});
