// No watchdog abort is caused by an outage: a lab controller's (its recipes wait, and get the
// silence back when it returns) or the sweeper's own (every kill time gets the gap back).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createPrisma } from '../../../server/src/db/prisma.js';
import { noSchedulerEvents } from '../../../server/src/events/scheduler-events.js';
import { markLabSeen } from '../../../server/src/modules/lab/commands.service.js';
import { extendLabWatchdogs } from '../../../server/src/watchdog/kill-time-shift.js';
import { LAB_A, LAB_B } from '../../support/scheduler-lab.js';
import { bearer, type TestServer } from '../../support/server.js';
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

beforeAll(async () => {
  server = await startWatchdogLab();
});
afterEach(async () => cancelEverything(server));
afterAll(async () => server.close());

async function labPolls(at: Date): Promise<void> {
  const lab = await server.db.labController.findUniqueOrThrow({ where: { fqdn: LAB_A } });
  await markLabSeen(server.db, { id: lab.id, fqdn: lab.fqdn }, LAB_OFFLINE_AFTER_MS, noSchedulerEvents, at);
}

describe('lab controller outage', () => {
  it('an offline lab’s recipes do not expire, and get the outage back when it returns', async () => {
    const [expired, running] = (await runningJob(server, [[{}], [{}]])).flat();
    const now = new Date();
    const lastPoll = later(now, -10 * MINUTE);
    await labSeenAt(server.db, lastPoll);
    await setKillTime(server.db, expired!, later(now, -5 * MINUTE));
    await setKillTime(server.db, running!, later(now, 20 * MINUTE));
    // Minutes pass between these sweeps: not a sweeper outage here.
    const { sweeper } = testSweeper(server, { outageAfterMs: 60 * MINUTE });

    expect((await sweeper.sweepOnce(now)).aborted).toEqual([]);
    expect(await statusOf(server.db, expired!)).toBe('Waiting');

    await labPolls(now);
    // Pushed out by the whole silence (10 minutes), the time the harnesses could not reach us.
    expect(await killTimeOf(server.db, expired!)).toEqual(later(now, 5 * MINUTE));
    expect(await killTimeOf(server.db, running!)).toEqual(later(now, 30 * MINUTE));
    expect((await sweeper.sweepOnce(now)).aborted).toEqual([]);

    // The pushed-out kill time is the one that counts from now on.
    const atNewKillTime = later(now, 5 * MINUTE + 1);
    await labSeenAt(server.db, atNewKillTime);
    expect((await sweeper.sweepOnce(atNewKillTime)).aborted).toEqual([expired]);
  });

  it('nothing of an offline lab expires, even a kill time that passed before it went silent', async () => {
    const recipeId = await runningRecipe(server);
    const now = new Date();
    await labSeenAt(server.db, later(now, -2 * MINUTE)); // offline after 60 s
    await setKillTime(server.db, recipeId, later(now, -3 * MINUTE));
    const { sweeper } = testSweeper(server);

    expect((await sweeper.sweepOnce(now)).aborted).toEqual([]);

    // Back, with the two silent minutes added: it had expired a minute before the outage, so
    // it still has.
    await labPolls(now);
    expect(await killTimeOf(server.db, recipeId)).toEqual(later(now, -MINUTE));
    expect((await sweeper.sweepOnce(now)).aborted).toEqual([recipeId]);
  });

  it('a kill time that passed while the lab was silent waits for the lab, even before it counts as offline', async () => {
    const recipeId = await runningRecipe(server);
    const now = new Date();
    await labSeenAt(server.db, later(now, -30_000)); // silent, but not yet offline (60 s)
    await setKillTime(server.db, recipeId, later(now, -10_000));
    const { sweeper } = testSweeper(server);

    expect((await sweeper.sweepOnce(now)).aborted).toEqual([]);

    // Back within the offline threshold: a short silence is no outage, nothing is pushed out,
    // and the lab has now been heard from since the kill time.
    await labPolls(now);
    expect(await killTimeOf(server.db, recipeId)).toEqual(later(now, -10_000));
    expect((await sweeper.sweepOnce(now)).aborted).toEqual([recipeId]);
  });

  it('extendLabWatchdogs moves only that lab’s unfinished recipes with a kill time', async () => {
    const created = await server.app.inject({
      method: 'POST',
      url: '/labcontrollers',
      headers: bearer(server.adminToken),
      payload: { fqdn: LAB_B },
    });
    expect(created.statusCode).toBe(201);
    const labB = await server.db.labController.findUniqueOrThrow({ where: { fqdn: LAB_B } });
    const labA = await server.db.labController.findUniqueOrThrow({ where: { fqdn: LAB_A } });
    const [inA, notStarted] = (await runningJob(server, [[{}], [{}]])).flat();
    const now = new Date();
    await setKillTime(server.db, inA!, now);

    expect(await extendLabWatchdogs(server.db, labB.id, MINUTE)).toBe(0);
    expect(await killTimeOf(server.db, inA!)).toEqual(now);
    expect(await extendLabWatchdogs(server.db, labA.id, MINUTE)).toBe(1);
    expect(await killTimeOf(server.db, inA!)).toEqual(later(now, MINUTE));
    expect(await killTimeOf(server.db, notStarted!)).toBeNull();
  });
});

describe('sweeper outage', () => {
  it('after a gap in sweeping, every kill time is pushed out by the gap before anything expires', async () => {
    const [started, notStarted] = (await runningJob(server, [[{}], [{}]])).flat();
    const t0 = new Date();
    await setKillTime(server.db, started!, later(t0, 30 * MINUTE));
    const { sweeper, records } = testSweeper(server);

    expect((await sweeper.sweepOnce(t0)).shiftedMs).toBe(0); // the first sweep ever has no gap
    const afterOutage = later(t0, 60 * MINUTE);
    const outcome = await sweeper.sweepOnce(afterOutage);

    expect(outcome).toEqual({ aborted: [], skipped: 0, failed: 0, shiftedMs: 60 * MINUTE });
    expect(await killTimeOf(server.db, started!)).toEqual(later(t0, 90 * MINUTE));
    expect(await killTimeOf(server.db, notStarted!)).toBeNull();
    expect(await statusOf(server.db, started!)).toBe('Waiting');
    expect(problems(records).map((r) => [r.msg, r.shiftedMs])).toEqual([
      ['no watchdog sweep ran for a while (outage): every kill time pushed out by the gap', 60 * MINUTE],
    ]);

    // Sweeps at the usual pace push nothing (3 periods + 10 s is the threshold).
    expect((await sweeper.sweepOnce(later(afterOutage, 13_000))).shiftedMs).toBe(0);
    expect(await killTimeOf(server.db, started!)).toEqual(later(t0, 90 * MINUTE));
  });

  it('several sweepers that see the same gap push once', async () => {
    const recipeId = await runningRecipe(server);
    const t0 = new Date();
    await setKillTime(server.db, recipeId, later(t0, 30 * MINUTE));
    const others = [1, 2, 3].map(() => createPrisma(server.config.databaseUrl, 2));
    try {
      const sweepers = [server.db, ...others].map((db) => testSweeper(server, { db }));
      await sweepers[0]!.sweeper.sweepOnce(t0);
      const afterOutage = later(t0, 60 * MINUTE);

      const outcomes = await Promise.all(sweepers.map(({ sweeper }) => sweeper.sweepOnce(afterOutage)));

      expect(outcomes.map((o) => o.shiftedMs).sort((a, b) => b - a)).toEqual([60 * MINUTE, 0, 0, 0]);
      expect(outcomes.map((o) => o.failed)).toEqual([0, 0, 0, 0]);
      expect(await killTimeOf(server.db, recipeId)).toEqual(later(t0, 90 * MINUTE));
    } finally {
      await Promise.all(others.map((db) => db.$disconnect()));
    }
  });
});
