// POST /watchdogs/extend: Beaker's `bkr watchdogs-extend`, for administrators after an outage.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { stop } from '../../../server/src/modules/jobs/job-lifecycle.js';
import { bearer, type TestServer } from '../../support/server.js';
import {
  MINUTE,
  cancelEverything,
  killTimeOf,
  later,
  runningJob,
  runningRecipe,
  setKillTime,
  startWatchdogLab,
} from './watchdog-lab.js';

let server: TestServer;

beforeAll(async () => {
  server = await startWatchdogLab();
});
afterEach(async () => cancelEverything(server));
afterAll(async () => server.close());

const extend = (payload: object, token?: string) =>
  server.app.inject({
    method: 'POST',
    url: '/watchdogs/extend',
    headers: token ? bearer(token) : {},
    payload,
  });

describe('POST /watchdogs/extend', () => {
  it('is for administrators only', async () => {
    const recipeId = await runningRecipe(server);
    const now = new Date();
    await setKillTime(server.db, recipeId, now);

    const asUser = await extend({ seconds: 3600 }, await server.user('carol'));
    expect(asUser.statusCode).toBe(403);
    expect(asUser.json().code).toBe('FORBIDDEN');
    expect((await extend({ seconds: 3600 })).statusCode).toBe(401);
    expect(await killTimeOf(server.db, recipeId)).toEqual(now);
  });

  it('refuses a number of seconds that is not a positive integer', async () => {
    for (const seconds of [0, -5, 1.5, 'soon'])
      expect((await extend({ seconds }, server.adminToken)).statusCode).toBe(400);
  });

  it('pushes out every running recipe’s kill time, expired or not; not-started and finished ones stay', async () => {
    const [expired, finished, running, notStarted] = (
      await runningJob(server, [[{}, {}], [{}], [{}]])
    ).flat();
    const now = new Date();
    await setKillTime(server.db, expired!, later(now, -MINUTE));
    await setKillTime(server.db, running!, later(now, MINUTE));
    await setKillTime(server.db, finished!, later(now, -MINUTE));
    // Aborted alone, its set still runs, so its watchdog row stays until the set is released.
    await stop(server.db, { recipeId: finished! }, 'abort', 'gone');

    const response = await extend({ seconds: 7200 }, server.adminToken);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ extended: 2 });
    expect(await killTimeOf(server.db, expired!)).toEqual(later(now, -MINUTE + 7200_000));
    expect(await killTimeOf(server.db, running!)).toEqual(later(now, MINUTE + 7200_000));
    expect(await killTimeOf(server.db, finished!)).toEqual(later(now, -MINUTE));
    expect(await killTimeOf(server.db, notStarted!)).toBeNull();
  });
});
