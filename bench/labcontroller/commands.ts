// 1. Commands: commit on the server → received by the lab controller (bench/labcontroller.ts).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { queuedCommands } from '../../server/src/modules/lab/commands.service.js';
import { SecretBox } from '../../server/src/security/secret-box.js';
import { log, type BenchResult } from '../support/benchmark.js';
import { wallClock } from '../support/child.js';
import { request } from '../support/http.js';
import { LabController } from '../support/lab-controller-child.js';
import { type BenchServer } from '../support/server.js';
import { round2, summarise } from '../support/stats.js';

import { LAB, type Lab, type Size } from './lab.js';

/** A command not received in this long is lost: the benchmark fails rather than report it. */
const RECEIPT_TIMEOUT_MS = 10_000;

interface Receipt {
  at: number;
  pollSentAt: number;
}

/** When the lab controller received and started commands, by command id (its clock). */
class Receipts {
  readonly received = new Map<number, Receipt>();
  readonly executed = new Map<number, number>();
  private readonly waiters = new Map<number, () => void>();

  constructor(lc: LabController) {
    lc.on((event) => {
      if (event.type === 'received') {
        for (const id of event.ids) {
          if (!this.received.has(id)) this.received.set(id, { at: event.at, pollSentAt: event.pollSentAt });
          this.waiters.get(id)?.();
        }
      } else if (event.type === 'executed' && !this.executed.has(event.id)) {
        this.executed.set(event.id, event.at);
      }
    });
  }

  /** Resolves once command `id` has been received (register before it can be). */
  waitFor(id: number): Promise<Receipt> {
    const known = this.received.get(id);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`command ${id} was not received within ${RECEIPT_TIMEOUT_MS} ms`));
      }, RECEIPT_TIMEOUT_MS);
      this.waiters.set(id, () => {
        clearTimeout(timer);
        this.waiters.delete(id);
        resolve(this.received.get(id) as Receipt);
      });
    });
  }
}

export async function measureCommands(
  server: BenchServer,
  sql: pg.Client,
  lc: LabController,
  lab: Lab,
  size: Size,
): Promise<BenchResult> {
  const receipts = new Receipts(lc);
  const gap = () => sleep(10 + Math.random() * 20);
  // Our own LISTEN on the trigger's channel: when PostgreSQL delivers the NOTIFY.
  const listener = new pg.Client({ connectionString: server.config.databaseUrl });
  await listener.connect();
  await listener.query('LISTEN erlen_commands');
  let notified: number | undefined;
  listener.on('notification', () => (notified ??= wallClock()));

  const systemId = (i: number) => (lab.commandSystems[i % lab.commandSystems.length] as { id: number }).id;
  const commitOne = async (i: number) => {
    await sql.query('BEGIN');
    const { rows } = await sql.query<{ id: number }>(
      `INSERT INTO command (system_id, lab_controller_id, service, action) VALUES ($1, $2, 'Scheduler', 'on') RETURNING id`,
      [systemId(i), lab.id],
    );
    const id = (rows[0] as { id: number }).id;
    const received = receipts.waitFor(id);
    notified = undefined;
    const commitSent = wallClock();
    await sql.query('COMMIT');
    const committed = wallClock();
    const receipt = await received;
    return { id, commitSent, committed, notified, ...receipt };
  };

  try {
    log('commands: warm-up (20)');
    for (let i = 0; i < 20; i++) {
      await commitOne(i);
      await gap();
    }
    log(`commands: ${size.commandSamples} committed one at a time`);
    const samples: Awaited<ReturnType<typeof commitOne>>[] = [];
    // This process's event-loop delay is the server's: a woken poll waits behind whatever runs.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    for (let i = 0; i < size.commandSamples; i++) {
      samples.push(await commitOne(i));
      await gap();
    }
    loopDelay.disable();

    log(`commands: ${size.powerSamples} POST /systems/:fqdn/power as an admin`);
    const power: { sent: number; answered: number; received: number }[] = [];
    for (let i = 0; i < size.powerSamples; i++) {
      const { fqdn } = lab.commandSystems[i % lab.commandSystems.length] as { fqdn: string };
      const sent = wallClock();
      const { commands } = await request<{ commands: number[] }>(
        server.baseUrl,
        server.adminToken,
        'POST',
        `/systems/${fqdn}/power`,
        { json: { action: 'on' } },
      );
      const answered = wallClock();
      power.push({ sent, answered, received: (await receipts.waitFor(commands[0] as number)).at });
      await gap();
    }
    await sleep(500); // the last commands' executor events

    // The server's part after a wake-up: queuedCommands, in process, with one command queued
    // (the lab controller paused meanwhile, so it does not take it).
    await lc.pause();
    const query: number[] = [];
    try {
      const { rows } = await sql.query<{ id: number }>(
        `INSERT INTO command (system_id, lab_controller_id, service, action) VALUES ($1, $2, 'Scheduler', 'on') RETURNING id`,
        [systemId(0), lab.id],
      );
      const secrets = new SecretBox(server.config.secretKey);
      for (let i = 0; i < 120; i++) {
        const started = performance.now();
        const found = await queuedCommands(server.db, secrets, { id: lab.id, fqdn: LAB }, []);
        if (i >= 20) query.push(performance.now() - started);
        if (found.length !== 1) throw new Error(`queuedCommands found ${found.length} commands, expected 1`);
      }
      await sql.query(`DELETE FROM command WHERE id = $1`, [rows[0]?.id]);
    } finally {
      await lc.resume();
    }

    const visible = summarise(samples.map((s) => s.at - s.committed));
    // Woken: the poll was already held on the server when the command committed.
    const woken = samples.filter((s) => s.pollSentAt < s.commitSent);
    const wokenStats = summarise(woken.map((s) => s.at - s.committed));
    const notify = summarise(
      samples.flatMap((s) => (s.notified === undefined ? [] : [s.notified - s.committed])),
    );
    const started = samples.flatMap((s) => {
      const at = receipts.executed.get(s.id);
      return at === undefined ? [] : [at - s.committed];
    });
    const startedStats = summarise(started);
    const powerStats = summarise(power.map((p) => p.received - p.sent));
    log(
      `commands: commit→received p50 ${visible.p50} p99 ${visible.p99} max ${visible.max} ms ` +
        `(woken polls ${woken.length}: p50 ${wokenStats.p50} p99 ${wokenStats.p99}; NOTIFY at p50 ${notify.p50} ms; ` +
        `queuedCommands alone p50 ${summarise(query).p50} ms); ` +
        `power request→received p50 ${powerStats.p50} p99 ${powerStats.p99} ms`,
    );
    return {
      command_visible_p50_ms: visible.p50,
      command_visible_p90_ms: visible.p90,
      command_visible_p99_ms: visible.p99,
      command_visible_max_ms: visible.max,
      command_visible_samples: samples.length,
      command_visible_from_commit_sent_p99_ms: summarise(samples.map((s) => s.at - s.commitSent)).p99,
      command_visible_woken_p50_ms: wokenStats.p50,
      command_visible_woken_p99_ms: wokenStats.p99,
      command_visible_woken_samples: woken.length,
      command_notify_p50_ms: notify.p50,
      command_notify_p99_ms: notify.p99,
      command_poll_query_p50_ms: summarise(query).p50,
      command_server_loop_delay_p99_ms: round2(loopDelay.percentile(99) / 1e6),
      command_server_loop_delay_max_ms: round2(loopDelay.max / 1e6),
      command_commit_p50_ms: summarise(samples.map((s) => s.committed - s.commitSent)).p50,
      command_started_p50_ms: startedStats.p50,
      command_started_p99_ms: startedStats.p99,
      command_started_samples: started.length,
      power_request_to_received_p50_ms: powerStats.p50,
      power_request_to_received_p99_ms: powerStats.p99,
      power_request_answered_p50_ms: summarise(power.map((p) => p.answered - p.sent)).p50,
      power_request_samples: power.length,
    };
  } finally {
    await listener.end();
  }
}
