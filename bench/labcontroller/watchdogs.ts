// 3. Watchdogs: expiry with 10,000 active (bench/labcontroller.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { WATCHDOG_EXPIRED_MESSAGE } from '../../server/src/watchdog/watchdog-sweeper.js';
import { log, type BenchResult } from '../support/benchmark.js';
import { wallClock } from '../support/child.js';
import { cloneSingleRecipeJob, cloneSystem } from '../support/clone-rows.js';
import { LabController } from '../support/lab-controller-child.js';
import { type BenchServer } from '../support/server.js';
import { round2, summarise } from '../support/stats.js';
import { startSweeperProcess, type SweeperEvent } from '../support/watchdog-sweeper-child.js';

import { firstTasks, jobXml, LAB, schedule, startTasks, submit, type Lab, type Size } from './lab.js';

/** Steady expiries: kill times this far apart. */
export const EXPIRY_SPACING_MS = 100;

export async function measureWatchdogs(
  server: BenchServer,
  sql: pg.Client,
  lc: LabController,
  lab: Lab,
  size: Size,
): Promise<BenchResult> {
  log(
    `watchdogs: ${size.watchdogs} jobs on ${size.watchdogs} systems (one of each through the API, copies in SQL)`,
  );
  await cloneSystem(sql, lab.watchdogTemplate, size.watchdogs - 1, { prefix: 'wd', suffix: `.${LAB}` });
  const template = await submit(server, jobXml('<hostname op="like" value="wd%"/>', 1));
  await cloneSingleRecipeJob(sql, template, size.watchdogs - 1);
  await sql.query('ANALYZE');

  // The scheduler's commit queues four provisioning commands per recipe. The lab controller
  // would run 40,000 stub commands (two reports each) for nothing: it pauses, and they are
  // completed in SQL as markCompleted completes them (installation rebooted, kill time = now +
  // the first task's expected time (default 1,200 s) + 30 min).
  await lc.pause();
  let recipeIds: number[];
  try {
    const started = performance.now();
    const placed = await schedule(server);
    log(
      `watchdogs: scheduler placed ${placed} recipe sets in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const { rows } = await sql.query<{ recipe_id: number }>(
      `SELECT rr.recipe_id FROM recipe_resource rr JOIN system s ON s.id = rr.system_id
        WHERE s.fqdn LIKE 'wd%' ORDER BY rr.recipe_id`,
    );
    recipeIds = rows.map((r) => r.recipe_id);
    if (recipeIds.length !== size.watchdogs)
      throw new Error(`${recipeIds.length} of ${size.watchdogs} watchdog recipes were scheduled`);
    await sql.query('BEGIN');
    await sql.query(
      `UPDATE command c SET status = 'Completed', start_time = now() AT TIME ZONE 'UTC',
              finish_time = now() AT TIME ZONE 'UTC'
         FROM installation i WHERE c.installation_id = i.id AND i.recipe_id = ANY($1) AND c.status = 'Queued'`,
      [recipeIds],
    );
    await sql.query(
      `UPDATE installation SET rebooted_at = now() AT TIME ZONE 'UTC' WHERE recipe_id = ANY($1)`,
      [recipeIds],
    );
    const { rowCount } = await sql.query(
      `UPDATE watchdog SET kill_time = now() AT TIME ZONE 'UTC' + interval '50 minutes' WHERE recipe_id = ANY($1)`,
      [recipeIds],
    );
    await sql.query('COMMIT');
    log(`watchdogs: ${rowCount} active watchdogs`);
  } finally {
    await lc.resume();
  }

  // The batch that will expire is started by its harnesses, through the lab controller.
  const count = size.steadyExpiries + size.burstExpiries;
  const stride = Math.floor(recipeIds.length / count);
  const expiring = Array.from({ length: count }, (_, i) => recipeIds[i * stride] as number);
  const steady = expiring.slice(0, size.steadyExpiries);
  const burst = expiring.slice(size.steadyExpiries);
  log(`watchdogs: ${expiring.length} harnesses start their first task (PATCH …/tasks/<tid>/ status=Running)`);
  await startTasks(lc, await firstTasks(server, expiring));

  const sweepMs = server.config.watchdogSweepMs;
  const sweeper = await startSweeperProcess({
    databaseUrl: server.config.databaseUrl,
    redisUrl: server.config.redisUrl,
    queuePrefix: server.config.queuePrefix,
    labOfflineAfterMs: server.config.labOfflineAfterSeconds * 1000,
    sweepIntervalMs: sweepMs,
  });
  const sweeperClock = await sweeper.clockOffset().catch(async (error: unknown) => {
    await sweeper.close();
    throw error;
  });
  const aborted = new Map<number, number>();
  const sweeps: Extract<SweeperEvent, { type: 'sweep' }>[] = [];
  let warnings = 0;
  sweeper.on((event) => {
    if (event.type === 'aborted') aborted.set(event.recipeId, event.at);
    else if (event.type === 'sweep') sweeps.push(event);
    else if (event.type === 'warning') {
      warnings++;
      log(`sweeper: ${event.line}`);
    }
  });
  // The lab's last_seen_at, sampled: when each kill time became eligible under the outage rule.
  const heartbeats = new Set<number>();
  const killAt = new Map<number, number>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await sql.query<{ t: number }>(
        `SELECT extract(epoch FROM last_seen_at) * 1000 AS t FROM lab_controller WHERE id = $1`,
        [lab.id],
      );
      if (rows[0]) heartbeats.add(Number(rows[0].t));
      await sleep(20);
    }
  })();
  try {
    await sweeper.call('start');
    await sleep(sweepMs);
    const t0 = Math.round(wallClock()) + 2000;
    steady.forEach((id, i) => killAt.set(id, t0 + i * EXPIRY_SPACING_MS));
    // After the steady batch is over (its p99 is about 3 s).
    const burstAt = t0 + steady.length * EXPIRY_SPACING_MS + 4000;
    for (const id of burst) killAt.set(id, burstAt);
    await sql.query(
      `UPDATE watchdog w SET kill_time = to_timestamp(v.t / 1000.0) AT TIME ZONE 'UTC'
         FROM unnest($1::int[], $2::float8[]) AS v(id, t) WHERE w.recipe_id = v.id`,
      [[...killAt.keys()], [...killAt.values()]],
    );
    log(
      `watchdogs: ${steady.length} kill times ${EXPIRY_SPACING_MS} ms apart, then ${burst.length} at once; sweeper every ${sweepMs} ms`,
    );
    const deadline = burstAt + 120_000;
    while (aborted.size < expiring.length && wallClock() < deadline) await sleep(100);
    await sleep(sweepMs); // a sweep more: anything aborted by mistake would show
  } finally {
    sampling = false;
    await sampler;
    await sweeper.close();
  }

  // Every expiring recipe aborted by the sweeper, and no other.
  const { rows: statusRows } = await sql.query<{ expiring: boolean; status: string; n: number }>(
    `SELECT r.id = ANY($2) AS expiring, r.status::text AS status, count(*)::int AS n
       FROM recipe r WHERE r.id = ANY($1) GROUP BY 1, 2`,
    [recipeIds, expiring],
  );
  const abortedInDb = statusRows.find((r) => r.expiring && r.status === 'Aborted')?.n ?? 0;
  const wrongAborts = statusRows
    .filter((r) => !r.expiring && r.status === 'Aborted')
    .reduce((n, r) => n + r.n, 0);
  const { rows: warnRows } = await sql.query<{ n: number }>(
    `SELECT count(DISTINCT t.recipe_id)::int AS n FROM recipe_task_result res
       JOIN recipe_task t ON t.id = res.recipe_task_id
      WHERE t.recipe_id = ANY($1) AND res.result = 'Warn' AND res.message = $2`,
    [expiring, WATCHDOG_EXPIRED_MESSAGE],
  );
  if (
    abortedInDb !== expiring.length ||
    wrongAborts !== 0 ||
    warnRows[0]?.n !== expiring.length ||
    expiring.some((id) => !aborted.has(id))
  )
    throw new Error(
      `watchdogs: ${abortedInDb} of ${expiring.length} expiring recipes Aborted (${aborted.size} logged by the ` +
        `sweeper), ${warnRows[0]?.n} with "${WATCHDOG_EXPIRED_MESSAGE}", ${wrongAborts} others aborted`,
    );

  // Where the time goes: kill time → the lab seen after it (the outage rule) → the next sweep
  // starts → this recipe's abort committed within that sweep.
  const beats = [...heartbeats].sort((a, b) => a - b);
  const latency: number[] = [];
  const heartbeatWait: number[] = [];
  const sweepStartWait: number[] = [];
  const inSweep: number[] = [];
  for (const id of steady) {
    const at = aborted.get(id) as number;
    const kill = killAt.get(id) as number;
    latency.push((at - kill) / 1000);
    const eligible = beats.find((b) => b >= kill);
    const sweep = eligible === undefined ? undefined : sweeps.find((s) => s.start >= eligible);
    if (eligible === undefined || sweep === undefined || sweep.start > at) continue;
    heartbeatWait.push((eligible - kill) / 1000);
    sweepStartWait.push((sweep.start - eligible) / 1000);
    inSweep.push((at - sweep.start) / 1000);
  }
  const burstLatency = burst.map((id) => ((aborted.get(id) as number) - (killAt.get(id) as number)) / 1000);
  const burstTimes = burst.map((id) => aborted.get(id) as number).sort((a, b) => a - b);
  const perAbortMs = ((burstTimes.at(-1) ?? 0) - (burstTimes[0] ?? 0)) / Math.max(1, burst.length - 1);
  const working = sweeps.filter((s) => s.aborted > 0);
  const idleSweeps = summarise(sweeps.filter((s) => s.aborted === 0).map((s) => s.end - s.start));
  const s = summarise(latency);
  const b = summarise(burstLatency);
  log(
    `watchdogs: expiry p50 ${s.p50} p99 ${s.p99} max ${s.max} s (heartbeat wait p50 ${summarise(heartbeatWait).p50}, ` +
      `next sweep p50 ${summarise(sweepStartWait).p50}, in sweep p50 ${summarise(inSweep).p50} s); ` +
      `burst of ${burst.length}: p50 ${b.p50} p99 ${b.p99} s, ${perAbortMs.toFixed(1)} ms per abort; ` +
      `${sweeps.length} sweeps (${working.length} aborting), an empty sweep p50 ${idleSweeps.p50} ms`,
  );
  return {
    watchdog_expiry_p50_s: s.p50,
    watchdog_expiry_p99_s: s.p99,
    watchdog_expiry_max_s: s.max,
    watchdog_expiry_samples: steady.length,
    watchdog_active: recipeIds.length,
    watchdog_expiries_per_s: 1000 / EXPIRY_SPACING_MS,
    watchdog_heartbeat_wait_p50_s: summarise(heartbeatWait).p50,
    watchdog_heartbeat_wait_p99_s: summarise(heartbeatWait).p99,
    watchdog_next_sweep_wait_p50_s: summarise(sweepStartWait).p50,
    watchdog_next_sweep_wait_p99_s: summarise(sweepStartWait).p99,
    watchdog_in_sweep_p50_s: summarise(inSweep).p50,
    watchdog_in_sweep_p99_s: summarise(inSweep).p99,
    watchdog_empty_sweep_p50_ms: idleSweeps.p50,
    watchdog_burst_size: burst.length,
    watchdog_burst_expiry_p50_s: b.p50,
    watchdog_burst_expiry_p99_s: b.p99,
    watchdog_burst_ms_per_abort: round2(perAbortMs),
    watchdog_sweep_ms: sweepMs,
    watchdog_sweeper_warnings: warnings,
    sweeper_clock_offset_ms: round2(sweeperClock.offsetMs),
  };
}
