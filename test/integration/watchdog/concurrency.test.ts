// Several scheduler processes run the sweeper: each expired recipe is aborted exactly once,
// the losers of a race do nothing and log no error, and an extension that lands between a
// sweeper's read and its abort wins.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createPrisma, type Db } from '../../../server/src/db/prisma.js';
import { claimExpiredWatchdog, findExpiredWatchdogs } from '../../../server/src/watchdog/expiry-rule.js';
import type { TestServer } from '../../support/server.js';
import {
  LAB_OFFLINE_AFTER_MS,
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
const clients: Db[] = [];

beforeAll(async () => {
  server = await startWatchdogLab();
  // Each sweeper on its own connection pool, as in separate processes.
  for (let i = 0; i < 3; i++) clients.push(createPrisma(server.config.databaseUrl, 3));
});
afterEach(async () => cancelEverything(server));
afterAll(async () => {
  await Promise.all(clients.map((db) => db.$disconnect()));
  await server.close();
});

describe('concurrent sweepers', () => {
  it('abort each expired recipe exactly once, without errors', async () => {
    const recipes = (
      await runningJob(
        server,
        Array.from({ length: 12 }, () => [{ tasks: 2 }]),
      )
    ).flat();
    const now = new Date();
    await labSeenAt(server.db, now);
    for (const [i, id] of recipes.entries())
      await setKillTime(server.db, id, later(now, -1000 * (1 + (i % 3))));
    const lastCommand = await server.db.command.findFirst({ orderBy: { id: 'desc' } });
    // Small batches, so the sweepers interleave over several reads.
    const sweepers = clients.map((db) => testSweeper(server, { db, batchSize: 4 }));

    const outcomes = await Promise.all(sweepers.map(({ sweeper }) => sweeper.sweepOnce(now)));

    const aborted = outcomes.flatMap((o) => o.aborted).sort((a, b) => a - b);
    expect(aborted).toEqual(recipes);
    expect(outcomes.map((o) => o.failed)).toEqual([0, 0, 0]);
    for (const { records } of sweepers) expect(problems(records)).toEqual([]);
    const tasks = await server.db.recipeTask.findMany({
      where: { recipeId: { in: recipes } },
      include: { results: true },
    });
    expect(tasks).toHaveLength(24);
    for (const task of tasks) {
      expect(task.status).toBe('Aborted');
      expect(task.results.map((r) => r.message)).toEqual(['External Watchdog Expired']);
    }
    // Each system released once: one clear_netboot and one off each.
    const released = await server.db.command.groupBy({
      by: ['systemId', 'action'],
      where: { id: { gt: lastCommand?.id ?? 0 } },
      _count: true,
    });
    expect(released).toHaveLength(24);
    expect(released.every((row) => row._count === 1)).toBe(true);
  });

  it('a watchdog extended after a sweeper read it is not aborted', async () => {
    const recipeId = await runningRecipe(server);
    const now = new Date();
    await labSeenAt(server.db, now);
    await setKillTime(server.db, recipeId, later(now, -MINUTE));
    const clock = { now, labOfflineAfterMs: LAB_OFFLINE_AFTER_MS };
    const [read] = await findExpiredWatchdogs(server.db, clock, undefined, 10);
    expect(read).toMatchObject({ recipeId, killTime: later(now, -MINUTE) });

    await setKillTime(server.db, recipeId, later(now, 30 * MINUTE)); // the harness extends meanwhile

    expect(await claimExpiredWatchdog(server.db, clock, read!, later(now, MINUTE))).toBe(false);
    expect(await killTimeOf(server.db, recipeId)).toEqual(later(now, 30 * MINUTE));
    const { sweeper } = testSweeper(server);
    expect((await sweeper.sweepOnce(now)).aborted).toEqual([]);
    expect(await statusOf(server.db, recipeId)).toBe('Waiting');
  });

  it('a claimed watchdog whose abort never happened expires again after the retry delay', async () => {
    const recipeId = await runningRecipe(server);
    const now = new Date();
    await labSeenAt(server.db, now);
    await setKillTime(server.db, recipeId, later(now, -MINUTE));
    const clock = { now, labOfflineAfterMs: LAB_OFFLINE_AFTER_MS };
    const [read] = await findExpiredWatchdogs(server.db, clock, undefined, 10);
    // A sweeper claims it and dies before aborting.
    expect(await claimExpiredWatchdog(server.db, clock, read!, later(now, MINUTE))).toBe(true);
    const { sweeper } = testSweeper(server, { outageAfterMs: 10 * MINUTE });

    expect((await sweeper.sweepOnce(now)).aborted).toEqual([]);
    const retry = later(now, MINUTE + 1);
    await labSeenAt(server.db, retry);
    expect((await sweeper.sweepOnce(retry)).aborted).toEqual([recipeId]);
  });
});
