// The watchdog sweeper's expiry: Beaker's abort ("External Watchdog Expired", a Warn result on
// every unfinished task, the system released) and Beaker's recipe-set rule.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createPrisma } from '../../../server/src/db/prisma.js';
import { testDatabaseUrl } from '../../support/db.js';
import type { TestServer } from '../../support/server.js';
import {
  MINUTE,
  cancelEverything,
  killTimeOf,
  labSeenAt,
  later,
  problems,
  runningJob,
  runningRecipe,
  setKillTime,
  startWatchdogLab,
  statusOf,
  testSweeper,
} from './watchdog-lab.js';

let server: TestServer;

beforeAll(async () => {
  server = await startWatchdogLab();
});
afterEach(async () => cancelEverything(server));
afterAll(async () => server.close());

describe('watchdog expiry', () => {
  it('aborts a recipe whose watchdog expired: Warn results with Beaker’s message, system released', async () => {
    const recipeId = await runningRecipe(server, { tasks: 2 });
    const now = new Date();
    await setKillTime(server.db, recipeId, later(now, -1000));
    await labSeenAt(server.db, now);
    const resource = await server.db.recipeResource.findUniqueOrThrow({ where: { recipeId } });
    const lastCommand = await server.db.command.findFirst({ orderBy: { id: 'desc' } });
    const { sweeper, records } = testSweeper(server);

    const outcome = await sweeper.sweepOnce(now);

    expect(outcome).toEqual({ aborted: [recipeId], skipped: 0, failed: 0, shiftedMs: 0 });
    const recipe = await server.db.recipe.findUniqueOrThrow({
      where: { id: recipeId },
      include: { tasks: { include: { results: true } } },
    });
    expect(recipe.status).toBe('Aborted');
    expect(recipe.result).toBe('Warn');
    expect(recipe.tasks).toHaveLength(2);
    for (const task of recipe.tasks) {
      expect(task.status).toBe('Aborted');
      expect(task.results.map((r) => [r.path, r.result, r.message])).toEqual([
        ['/', 'Warn', 'External Watchdog Expired'],
      ]);
    }
    // Released: reservation closed, system free, the lab controller told to clear netboot and power off.
    const system = await server.db.system.findUniqueOrThrow({ where: { id: resource.systemId! } });
    expect(system.userId).toBeNull();
    const reservation = await server.db.reservation.findUniqueOrThrow({
      where: { id: resource.reservationId! },
    });
    expect(reservation.finishTime).toEqual(now);
    const queued = await server.db.command.findMany({
      where: { id: { gt: lastCommand?.id ?? 0 } },
      orderBy: { id: 'asc' },
    });
    expect(queued.map((c) => [c.systemId, c.action, c.status])).toEqual([
      [system.id, 'clear_netboot', 'Queued'],
      [system.id, 'off', 'Queued'],
    ]);
    expect(await killTimeOf(server.db, recipeId)).toBeUndefined(); // the finished set dropped it
    expect(problems(records)).toEqual([]);
    expect(
      records.some((r) => r.msg === 'watchdog expired: recipe aborted' && r.recipe === `R:${recipeId}`),
    ).toBe(true);
  });

  it('leaves a recipe alone while its kill time is now or later, or not set yet', async () => {
    const [atNow, inFuture, notStarted] = (await runningJob(server, [[{}], [{}], [{}]])).flat();
    const now = new Date();
    await labSeenAt(server.db, now);
    await setKillTime(server.db, atNow!, now);
    await setKillTime(server.db, inFuture!, later(now, 1000));
    const { sweeper } = testSweeper(server);

    expect((await sweeper.sweepOnce(now)).aborted).toEqual([]);

    for (const id of [atNow!, inFuture!, notStarted!]) expect(await statusOf(server.db, id)).toBe('Waiting');
    expect(await killTimeOf(server.db, atNow!)).toEqual(now);
    expect(await killTimeOf(server.db, notStarted!)).toBeNull();
    // One millisecond on, the first has expired; the others still not.
    expect((await sweeper.sweepOnce(later(now, 1))).aborted).toEqual([atNow]);
  });

  it('a recipe set expires only when none of its recipes has a kill time in the future', async () => {
    const [first, second] = (await runningJob(server, [[{}, {}]])).flat();
    const now = new Date();
    await labSeenAt(server.db, now);
    await setKillTime(server.db, first!, later(now, -MINUTE));
    await setKillTime(server.db, second!, later(now, 5000));
    const { sweeper } = testSweeper(server);

    expect((await sweeper.sweepOnce(now)).aborted).toEqual([]);
    expect(await statusOf(server.db, first!)).toBe('Waiting');

    // Within the sweeper's outage threshold, so no outage push gets in the way.
    const after = later(now, 5001);
    await labSeenAt(server.db, after);
    // Both in one sweep: the claim on the first must not make the second look unexpired.
    expect((await sweeper.sweepOnce(after)).aborted.sort((a, b) => a - b)).toEqual(
      [first!, second!].sort((a, b) => a - b),
    );
    expect(await statusOf(server.db, first!)).toBe('Aborted');
    expect(await statusOf(server.db, second!)).toBe('Aborted');
  });

  it('a host waits for its guest', async () => {
    const host = await runningRecipe(server, { guest: true });
    const guest = (await server.db.recipe.findFirstOrThrow({ where: { hostRecipeId: host } })).id;
    const now = new Date();
    await labSeenAt(server.db, now);
    await setKillTime(server.db, host, later(now, -MINUTE));
    await setKillTime(server.db, guest, later(now, MINUTE));
    const { sweeper } = testSweeper(server);

    expect((await sweeper.sweepOnce(now)).aborted).toEqual([]);
    expect(await statusOf(server.db, host)).toBe('Waiting');

    await setKillTime(server.db, guest, later(now, -1));
    expect((await sweeper.sweepOnce(now)).aborted).toContain(host);
    expect(await statusOf(server.db, host)).toBe('Aborted');
    expect(await statusOf(server.db, guest)).toBe('Aborted');
  });

  it('reads batch after batch until every expired watchdog is handled', async () => {
    const recipes = (await runningJob(server, [[{}], [{}], [{}], [{}], [{}]])).flat();
    const now = new Date();
    await labSeenAt(server.db, now);
    // Equal kill times: the batches page on (kill time, recipe id), not on kill time alone.
    for (const id of recipes) await setKillTime(server.db, id, later(now, -MINUTE));
    const { sweeper } = testSweeper(server, { batchSize: 2 });

    const outcome = await sweeper.sweepOnce(now);

    expect(outcome.aborted.sort((a, b) => a - b)).toEqual(recipes);
    for (const id of recipes) expect(await statusOf(server.db, id)).toBe('Aborted');
  });

  it('the loop sweeps at once when started and stops after the sweep in progress', async () => {
    const recipeId = await runningRecipe(server);
    const now = new Date();
    await labSeenAt(server.db, now);
    await setKillTime(server.db, recipeId, later(now, -MINUTE));
    const { sweeper, records } = testSweeper(server);

    sweeper.start();
    await sweeper.stop();

    expect(await statusOf(server.db, recipeId)).toBe('Aborted');
    expect(problems(records)).toEqual([]);
  });

  it('a sweep that cannot reach the database logs the error and resolves', async () => {
    const unreachable = createPrisma(testDatabaseUrl('erlen_test_wd_no_such_database'), 1);
    try {
      const { sweeper, records } = testSweeper(server, { db: unreachable });
      const outcome = await sweeper.sweepOnce(new Date());
      expect(outcome).toMatchObject({ aborted: [], failed: 1 });
      expect(problems(records).map((r) => r.msg)).toEqual(['watchdog sweep failed; the next one retries']);
    } finally {
      await unreachable.$disconnect();
    }
  });
});
