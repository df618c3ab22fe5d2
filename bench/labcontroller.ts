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
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  log,
  machineFacts,
  type BenchOptions,
  type BenchResult,
  type Benchmark,
} from './support/benchmark.js';
import { onInterrupt } from './support/cleanup.js';
import { LabController } from './support/lab-controller-child.js';
import { withScratchDatabase } from './support/scratch-db.js';
import { startBenchServer } from './support/server.js';
import { round2 } from './support/stats.js';
import { FULL, SMALL, setUpLab } from './labcontroller/lab.js';
import { measureCommands } from './labcontroller/commands.js';
import { measureUpload } from './labcontroller/upload.js';
import { measureWatchdogs } from './labcontroller/watchdogs.js';

/** As lab-controller/src/config.ts's default. */
const POLL_WAIT_SECONDS = 25;
const TARGET = { commandVisibleP99Ms: 100, watchdogExpiryP99S: 5, logUploadMbS: 100 };
const PHASES = ['commands', 'upload', 'watchdogs'] as const;

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
