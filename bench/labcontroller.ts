/**
 * `npm run bench -- labcontroller [--small]`: the lab controller's three targets, against the
 * real server (scratch database, listening on a port) and the real lab controller.
 *
 * Processes, as production runs them. The lab controller is a child process
 * (support/lab-controller-process.ts: the real LabControllerDaemon with a stub executor, and
 * the real harness API and LogStore on a port); in production it has a host of its own. The
 * watchdog sweeper is another (support/watchdog-sweeper-process.ts), as it runs in the
 * scheduler process, not in the server. This process holds the server and the load
 * generators. On this 2-vCPU machine it matters: in one process, the uploads' HTTP client,
 * the harness API and the server would share one event loop, and the sweeper's aborts would
 * queue behind the server's requests. All processes stamp time with the same wall clock
 * (support/child.ts `wallClock`); the offsets, measured over IPC, are reported.
 *
 * 1. command_visible: a `command` row (power `on`, as the scheduler's provisioning queues it)
 *    is inserted in a transaction on a connection of our own; the clock starts when COMMIT
 *    returns and stops when the lab controller's long poll (ServerClient.poll inside the
 *    running daemon) has its answer parsed. The wake-up is the command_notify trigger's
 *    NOTIFY, delivered at commit to the server's LISTEN connection; a LISTEN connection of
 *    ours shows when it arrives. One command at a time, 10–30 ms apart. Also: from sending
 *    COMMIT (an upper bound), to the stub executor (after the runner marked it Running), and
 *    `POST /systems/:fqdn/power` as an admin (from sending the request).
 * 2. log_upload_mb_s: 1,000 concurrent streams (one keep-alive connection each, node:http),
 *    each uploading a new file in 64 KiB chunks (`PUT …/logs/<name>` + Content-Range, as
 *    restraint does) to the task logs of 10 running recipes; bytes / wall time, MB = 10^6
 *    bytes. A chunk answered 5xx is retried with back-off, as a harness would, and counted.
 *    Then the same streams append to their (now registered) files: log_upload_append_mb_s,
 *    the lab controller's data path alone. Every file's size is checked on disk, a sample of
 *    files byte for byte through the harness API, and the server's log index.
 * 3. watchdog_expiry_p99_s: 10,000 recipes scheduled by the real scheduler on 10,000 systems
 *    and booted (provisioning commands completed, kill times set as markCompleted sets them):
 *    10,000 active watchdogs. A batch is started through the harness API (first task
 *    Running) and given kill times 100 ms apart; the real WatchdogSweeper runs at its
 *    production period and settings, and the lab controller keeps polling (its heartbeat is
 *    part of the expiry rule). Latency = the sweeper's "recipe aborted" log line (written
 *    right after the abort commits) − kill time. Then a burst: many kill times at one instant.
 *
 * --small (about 40 s here): 200 command samples, 200 streams of 512 KiB + 512 KiB, 1,000
 * active watchdogs with 50 steady expiries and a burst of 50. The full run takes about 3.5 min.
 * ERLEN_BENCH_LC_PHASES=commands,upload,watchdogs runs only some phases (for profiling).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { pino } from 'pino';
import { LogStore } from '../lab-controller/src/harness-api/log-store.js';
import { queuedCommands } from '../server/src/modules/lab/commands.service.js';
import { Scheduler } from '../server/src/scheduler/scheduler.js';
import { SecretBox } from '../server/src/security/secret-box.js';
import { WATCHDOG_EXPIRED_MESSAGE } from '../server/src/watchdog/watchdog-sweeper.js';
import {
  log,
  machineFacts,
  type BenchOptions,
  type BenchResult,
  type Benchmark,
} from './support/benchmark.js';
import { wallClock, type BenchChild, type ProcessUsage } from './support/child.js';
import { onInterrupt } from './support/cleanup.js';
import { cloneSingleRecipeJob, cloneSystem } from './support/clone-rows.js';
import { request } from './support/http.js';
import { LabController } from './support/lab-controller-child.js';
import { closedLoop } from './support/load.js';
import {
  LogContent,
  openConnections,
  uploadAgent,
  uploadFiles,
  type UploadFile,
} from './support/log-upload.js';
import { withScratchDatabase } from './support/scratch-db.js';
import { startBenchServer, type BenchServer } from './support/server.js';
import { round2, summarise } from './support/stats.js';
import { startSweeperProcess, type SweeperEvent } from './support/watchdog-sweeper-child.js';

const LAB = 'lab1.bench.test';
const TREE = 'BenchLinux-9.4';
const CHUNK_BYTES = 64 * 1024;
/** As lab-controller/src/config.ts's default. */
const POLL_WAIT_SECONDS = 25;
const TARGET = { commandVisibleP99Ms: 100, watchdogExpiryP99S: 5, logUploadMbS: 100 };
/** Steady expiries: kill times this far apart. */
const EXPIRY_SPACING_MS = 100;
/** A command not received in this long is lost: the benchmark fails rather than report it. */
const RECEIPT_TIMEOUT_MS = 10_000;
const PHASES = ['commands', 'upload', 'watchdogs'] as const;

interface Size {
  commandSamples: number;
  powerSamples: number;
  commandSystems: number;
  uploadStreams: number;
  uploadRecipes: number;
  /** Each stream's new file. */
  uploadFileBytes: number;
  /** Then appended to it. */
  appendBytes: number;
  watchdogs: number;
  /** Kill times EXPIRY_SPACING_MS apart (10 expiries a second). */
  steadyExpiries: number;
  /** Kill times at one instant. */
  burstExpiries: number;
}

const FULL: Size = {
  commandSamples: 1000,
  powerSamples: 200,
  commandSystems: 8,
  uploadStreams: 1000,
  uploadRecipes: 10,
  uploadFileBytes: 2 * 1024 * 1024,
  appendBytes: 1024 * 1024,
  watchdogs: 10_000,
  steadyExpiries: 400,
  burstExpiries: 500,
};

const SMALL: Size = {
  commandSamples: 200,
  powerSamples: 50,
  commandSystems: 8,
  uploadStreams: 200,
  uploadRecipes: 10,
  uploadFileBytes: 512 * 1024,
  appendBytes: 512 * 1024,
  watchdogs: 1000,
  steadyExpiries: 50,
  burstExpiries: 50,
};

export const labControllerBenchmark: Benchmark = { run };

async function run({ small }: BenchOptions): Promise<BenchResult> {
  const size = small ? SMALL : FULL;
  const phases = new Set((process.env.ERLEN_BENCH_LC_PHASES ?? PHASES.join(',')).split(','));
  for (const phase of phases)
    if (!(PHASES as readonly string[]).includes(phase))
      throw new Error(`ERLEN_BENCH_LC_PHASES: unknown phase ${phase} (${PHASES.join(', ')})`);
  return withScratchDatabase(async (databaseUrl) => {
    const server = await startBenchServer(databaseUrl);
    const dir = await mkdtemp(join(tmpdir(), 'erlen-bench-lc-'));
    const removeDir = () => rm(dir, { recursive: true, force: true });
    const forgetDir = onInterrupt(`removing ${dir}`, removeDir);
    const sql = new pg.Client({ connectionString: databaseUrl });
    await sql.connect();
    try {
      const lab = await setUpLab(server, size);
      const lc = await LabController.start({
        serverUrl: server.baseUrl,
        token: lab.token,
        logDir: join(dir, 'logs'),
        tftpRoot: join(dir, 'tftp'),
        pollWaitSeconds: POLL_WAIT_SECONDS,
      });
      try {
        const clock = await lc.process.clockOffset();
        log(
          `clock offset lab controller − bench ${clock.offsetMs.toFixed(3)} ms (±${clock.uncertaintyMs.toFixed(3)})`,
        );
        const commands = phases.has('commands') ? await measureCommands(server, sql, lc, lab, size) : {};
        const upload = phases.has('upload')
          ? await measureUpload(server, lc, lab, join(dir, 'logs'), size)
          : {};
        const watchdogs = phases.has('watchdogs') ? await measureWatchdogs(server, sql, lc, lab, size) : {};
        const result: BenchResult = {
          benchmark: 'labcontroller',
          small,
          ...commands,
          ...upload,
          ...watchdogs,
          lc_clock_offset_ms: round2(clock.offsetMs),
          lc_clock_offset_uncertainty_ms: round2(clock.uncertaintyMs),
          ...machineFacts(),
        };
        if (phases.size === PHASES.length)
          result.meets_target =
            Number(commands.command_visible_p99_ms) <= TARGET.commandVisibleP99Ms &&
            Number(upload.log_upload_mb_s) >= TARGET.logUploadMbS &&
            Number(watchdogs.watchdog_expiry_p99_s) <= TARGET.watchdogExpiryP99S;
        else result.phases = [...phases].join(',');
        return result;
      } finally {
        await lc.close();
      }
    } finally {
      forgetDir();
      await sql.end();
      await server.close();
      await removeDir();
    }
  });
}

// ---------------------------------------------------------------------------------------
// The lab

interface Lab {
  id: number;
  token: string;
  commandSystems: { id: number; fqdn: string }[];
  uploadSystems: string[];
  watchdogTemplate: number;
}

/** The lab controller account, a tree, and systems created over HTTP as an admin would. */
async function setUpLab(server: BenchServer, size: Size): Promise<Lab> {
  const post = <T>(path: string, json: unknown) =>
    request<T>(server.baseUrl, server.adminToken, 'POST', path, { json });
  const { token } = await post<{ token: string }>('/labcontrollers', { fqdn: LAB });
  await post('/distro-trees', {
    name: TREE,
    osMajor: 'BenchLinux9',
    osMinor: '4',
    arch: 'x86_64',
    variant: 'BaseOS',
    labUrls: [{ labController: LAB, url: `http://${LAB}/distros/${TREE}/BaseOS/x86_64/os/` }],
  });
  let serial = 0;
  const system = async (fqdn: string) => {
    serial++;
    const hex = (n: number) => n.toString(16).padStart(2, '0');
    await post('/systems', {
      fqdn,
      labController: LAB,
      arches: ['x86_64'],
      memory: 8192,
      macAddress: `52:54:00:00:${hex(serial >> 8)}:${hex(serial & 255)}`,
      ipAddress: `10.0.${serial >> 8}.${serial & 255}`,
      // No quiescent period: the stub executor powers nothing, and the runner would wait 5 s
      // between two power commands of one system.
      power: { type: 'virtual', address: fqdn, quiescentPeriod: 0 },
      accessPolicy: [
        { everybody: true, permission: 'view' },
        { everybody: true, permission: 'reserve' },
      ],
    });
    return (await server.db.system.findUniqueOrThrow({ where: { fqdn }, select: { id: true } })).id;
  };
  const commandSystems: Lab['commandSystems'] = [];
  for (let i = 0; i < size.commandSystems; i++) {
    const fqdn = `cmd${i}.${LAB}`;
    commandSystems.push({ id: await system(fqdn), fqdn });
  }
  const uploadSystems: string[] = [];
  for (let i = 0; i < size.uploadRecipes; i++) {
    uploadSystems.push(`up${i}.${LAB}`);
    await system(`up${i}.${LAB}`);
  }
  const watchdogTemplate = await system(`wd0.${LAB}`);
  const { id } = await server.db.labController.findUniqueOrThrow({
    where: { fqdn: LAB },
    select: { id: true },
  });
  return { id, token, commandSystems, uploadSystems, watchdogTemplate };
}

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

// ---------------------------------------------------------------------------------------
// 1. Commands

async function measureCommands(
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

// ---------------------------------------------------------------------------------------
// Running recipes through the real path: submit, schedule, provision (lab controller), start.

const jobXml = (hostRequires: string, tasks: number) =>
  `<job><whiteboard>bench labcontroller</whiteboard><recipeSet><recipe>
  <distroRequires><distro_name op="=" value="${TREE}"/></distroRequires>
  <hostRequires>${hostRequires}</hostRequires>
  ${Array.from({ length: tasks }, (_, i) => `<task name="/bench/labcontroller/task${i}"/>`).join('')}
</recipe></recipeSet></job>`;

async function submit(server: BenchServer, xml: string): Promise<number> {
  const { id } = await request<{ id: string }>(server.baseUrl, server.userToken, 'POST', '/jobs', { xml });
  return Number(id.slice(2));
}

/** A scheduler as the scheduler process runs one, for passes until nothing more is placed. */
async function schedule(server: BenchServer): Promise<number> {
  const scheduler = new Scheduler({
    db: server.db,
    logger: pino({ level: 'silent' }),
    actor: 'bench',
    labOfflineAfterMs: server.config.labOfflineAfterSeconds * 1000,
    sweepIntervalMs: 0,
  });
  let placed = 0;
  try {
    await scheduler.load();
    for (let pass = 0; pass < 5; pass++) {
      const stats = await scheduler.pass();
      placed += stats.committed;
      if (stats.committed === 0 || scheduler.queuedSets === 0) break;
    }
  } finally {
    await scheduler.stop();
  }
  return placed;
}

async function firstTasks(server: BenchServer, recipeIds: number[]): Promise<Map<number, number>> {
  const tasks = await server.db.recipeTask.findMany({
    where: { recipeId: { in: recipeIds }, position: 0 },
    select: { id: true, recipeId: true },
  });
  return new Map(tasks.map((t) => [t.recipeId, t.id]));
}

/** Each harness starts its recipe's first task (`PATCH /recipes/<rid>/tasks/<tid>/ status=Running`). */
async function startTasks(lc: LabController, tasks: Map<number, number>): Promise<void> {
  const entries = [...tasks];
  await closedLoop(entries.length, 16, async (i) => {
    const [recipeId, taskId] = entries[i] as [number, number];
    const response = await fetch(`${lc.harnessUrl}/recipes/${recipeId}/tasks/${taskId}/`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'status=Running',
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`starting T:${taskId}: ${response.status} ${text}`);
  });
}

// ---------------------------------------------------------------------------------------
// 2. Log upload

function usageBetween(before: ProcessUsage, after: ProcessUsage, elapsedMs: number) {
  const active = after.active - before.active;
  const idle = after.idle - before.idle;
  return {
    cores: round2((after.cpuMs - before.cpuMs) / elapsedMs),
    elu: round2(active / (active + idle || 1)),
  };
}

/** CPU (in cores) and event-loop utilisation of the lab controller and of this process during `work`. */
async function withUsage<T>(
  child: Pick<BenchChild<never>, 'usage'>,
  work: () => Promise<T>,
): Promise<{
  value: T;
  elapsedMs: number;
  child: { cores: number; elu: number };
  self: { cores: number; elu: number };
}> {
  const childBefore = await child.usage();
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const started = performance.now();
  const value = await work();
  const elapsedMs = performance.now() - started;
  const childAfter = await child.usage();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    value,
    elapsedMs,
    child: usageBetween(childBefore, childAfter, elapsedMs),
    self: {
      cores: round2((cpu.user + cpu.system) / 1000 / elapsedMs),
      elu: round2(performance.eventLoopUtilization(eluBefore).utilization),
    },
  };
}

async function measureUpload(
  server: BenchServer,
  lc: LabController,
  lab: Lab,
  logDir: string,
  size: Size,
): Promise<BenchResult> {
  log(
    `upload: ${size.uploadRecipes} running recipes (submit, schedule, provision through the lab controller)`,
  );
  const jobIds: number[] = [];
  for (const fqdn of lab.uploadSystems)
    jobIds.push(await submit(server, jobXml(`<hostname op="=" value="${fqdn}"/>`, 2)));
  await schedule(server);
  const recipeIds = (
    await server.db.recipe.findMany({
      where: { recipeSet: { jobId: { in: jobIds } } },
      select: { id: true },
      orderBy: { id: 'asc' },
    })
  ).map((r) => r.id);
  // Booted once the lab controller has completed the provisioning's `on` (watchdog set).
  for (let waited = 0; ; waited += 100) {
    const booted = await server.db.watchdog.count({
      where: { recipeId: { in: recipeIds }, killTime: { not: null } },
    });
    if (booted === recipeIds.length) break;
    if (waited > 30_000)
      throw new Error(`only ${booted} of ${recipeIds.length} upload recipes were provisioned`);
    await sleep(100);
  }
  const tasks = await firstTasks(server, recipeIds);
  await startTasks(lc, tasks);

  const streams = size.uploadStreams;
  const { uploadFileBytes: newBytes, appendBytes } = size;
  const total = newBytes + appendBytes;
  const owners = Array.from({ length: streams }, (_, i) => {
    const recipeId = recipeIds[i % recipeIds.length] as number;
    return { recipeId, taskId: tasks.get(recipeId) as number };
  });
  const path = (i: number, dir: string) =>
    `/recipes/${owners[i]?.recipeId}/tasks/${owners[i]?.taskId}/logs/${dir}/stream-${i}.log`;
  const files = (from: number, to: number): UploadFile[] =>
    owners.map((_, i) => ({ path: path(i, 'bench'), from, to, total }));
  const content = new LogContent(CHUNK_BYTES);
  const agent = uploadAgent(streams);
  try {
    // Warm-up: every connection open, and the PUT path run (on files of their own).
    log(`upload: warm-up, ${streams} connections, 20 small files`);
    await openConnections(agent, lc.harnessUrl, streams);
    await uploadFiles(
      agent,
      lc.harnessUrl,
      Array.from({ length: 20 }, (_, i) => ({
        path: path(i, 'warmup'),
        from: 0,
        to: 4 * CHUNK_BYTES,
        total: 4 * CHUNK_BYTES,
      })),
      content,
      20,
    );

    const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
    log(
      `upload: ${streams} streams, each a new file of ${newBytes / 1024} KiB (${mb(streams * newBytes)} MB)`,
    );
    const fresh = await withUsage(lc.process, () =>
      uploadFiles(agent, lc.harnessUrl, files(0, newBytes), content, streams),
    );
    const run = fresh.value;
    const mbS = run.bytes / 1e6 / (run.elapsedMs / 1000);
    // Until every file's first chunk is in, the server registers files; after that the lab
    // controller only writes chunks.
    const registeredAt = Math.max(...run.firstChunkDoneAt);
    const perSecond = new Array<number>(Math.ceil(run.elapsedMs / 1000)).fill(0);
    for (const t of run.doneAt)
      perSecond[Math.floor(t / 1000)] = (perSecond[Math.floor(t / 1000)] ?? 0) + CHUNK_BYTES / 1e6;
    const latency = summarise(run.latencies);
    if (run.retries) log(`upload: ${run.retries} chunks sent again, e.g. ${run.retryReasons.join(' | ')}`);
    log(`upload: MB/s second by second: ${perSecond.map((v) => v.toFixed(0)).join(' ')}`);
    log(
      `upload: ${mbS.toFixed(1)} MB/s, ${((run.requests * 1000) / run.elapsedMs).toFixed(0)} chunks/s, ` +
        `chunk p50 ${latency.p50} p99 ${latency.p99} ms, all files registered after ${(registeredAt / 1000).toFixed(1)} s; ` +
        `lab controller ${fresh.child.cores} cores (ELU ${fresh.child.elu}), bench ${fresh.self.cores} (ELU ${fresh.self.elu})`,
    );

    log(`upload: the same streams append ${appendBytes / 1024} KiB each (${mb(streams * appendBytes)} MB)`);
    const append = await withUsage(lc.process, () =>
      uploadFiles(agent, lc.harnessUrl, files(newBytes, total), content, streams),
    );
    const appendMbS = append.value.bytes / 1e6 / (append.value.elapsedMs / 1000);
    const appendLatency = summarise(append.value.latencies);
    if (append.value.retries)
      log(`upload: append: ${append.value.retries} chunks sent again, e.g. ${append.value.retryReasons[0]}`);
    log(
      `upload: append ${appendMbS.toFixed(1)} MB/s, chunk p50 ${appendLatency.p50} p99 ${appendLatency.p99} ms; ` +
        `lab controller ${append.child.cores} cores (ELU ${append.child.elu}), bench ${append.self.cores} (ELU ${append.self.elu})`,
    );

    // A benchmark that loses data is worthless: every size, a sample byte for byte, the index.
    const store = new LogStore(logDir, 10 * 1024 * 1024);
    for (let i = 0; i < streams; i++) {
      const file = store.filePath(owners[i] as { recipeId: number; taskId: number }, `bench/stream-${i}.log`);
      const { size: bytes } = await stat(file);
      if (bytes !== total) throw new Error(`${file} has ${bytes} bytes, expected ${total}`);
    }
    const sample = [...new Set(Array.from({ length: 50 }, (_, k) => Math.floor((k * (streams - 1)) / 49)))];
    for (const i of sample) {
      const response = await fetch(new URL(path(i, 'bench'), lc.harnessUrl));
      const body = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200 || !body.equals(content.file(i, total)))
        throw new Error(
          `${path(i, 'bench')} differs from what was uploaded (${response.status}, ${body.length} bytes)`,
        );
    }
    const indexed = await server.db.logFile.count({
      where: { recipeId: { in: recipeIds }, path: 'bench', filename: { startsWith: 'stream-' } },
    });
    if (indexed !== streams) throw new Error(`the server indexes ${indexed} of ${streams} uploaded files`);
    log(`upload: verified (${streams} sizes, ${sample.length} files byte for byte, ${indexed} indexed)`);

    return {
      log_upload_mb_s: round2(mbS),
      log_upload_streams: streams,
      log_upload_chunk_bytes: CHUNK_BYTES,
      log_upload_file_bytes: newBytes,
      log_upload_total_mb: round2(run.bytes / 1e6),
      log_upload_chunks_per_s: round2((run.requests * 1000) / run.elapsedMs),
      log_upload_chunk_p50_ms: latency.p50,
      log_upload_chunk_p99_ms: latency.p99,
      log_upload_retried_chunks: run.retries,
      log_upload_all_registered_s: round2(registeredAt / 1000),
      log_upload_lc_cores: fresh.child.cores,
      log_upload_lc_elu: fresh.child.elu,
      log_upload_bench_cores: fresh.self.cores,
      log_upload_append_mb_s: round2(appendMbS),
      log_upload_append_total_mb: round2(append.value.bytes / 1e6),
      log_upload_append_chunk_p50_ms: appendLatency.p50,
      log_upload_append_chunk_p99_ms: appendLatency.p99,
      log_upload_append_retried_chunks: append.value.retries,
      log_upload_append_lc_cores: append.child.cores,
      log_upload_append_lc_elu: append.child.elu,
      log_upload_append_bench_cores: append.self.cores,
      log_upload_verified_files: sample.length,
    };
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------
// 3. Watchdogs

async function measureWatchdogs(
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
