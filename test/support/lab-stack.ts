// A whole lab as `npm run lab` runs it, in one test process: the real server on a port, the
// scheduler woken by BullMQ events, and a lab controller (command daemon and harness API on a
// port) driving real power scripts and writing real netboot files.
import type { FastifyInstance } from 'fastify';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { LabControllerDaemon } from '../../lab-controller/src/daemon.js';
import { LabExecutor } from '../../lab-controller/src/executor.js';
import { buildHarnessApi } from '../../lab-controller/src/harness-api/harness-api.js';
import { LogStore } from '../../lab-controller/src/harness-api/log-store.js';
import { ServerClient } from '../../lab-controller/src/server-client.js';
import { SimulatedMachines } from '../../lab-controller/src/simulated/simulated-machines.js';
import { consumeSchedulerEvents } from '../../server/src/events/scheduler-events.js';
import type { Scheduler } from '../../server/src/scheduler/scheduler.js';
import { listen, runErlen, type Run } from './cli.js';
import { testScheduler } from './scheduler-lab.js';
import { startTestServer, type TestServer } from './server.js';

export interface LabStackOptions {
  /** Creates the lab's inventory and returns its lab controller's token. */
  seed(server: TestServer, lab: LabPlaces): Promise<string>;
  /** The harness API's URL as booted systems reach it (a qemu guest sees another address). */
  bootHarnessUrl?: string;
  /** Simulated machines behind `virtual` power, running this harness bundle and task library. */
  simulated?: { harnessPath: string; taskRoot: string };
}

/** Where the lab's pieces will be, known before its lab controller starts. */
export interface LabPlaces {
  /** A scratch directory, removed by stop(). */
  dir: string;
  tftpRoot: string;
  /** The harness API's port on 127.0.0.1. */
  harnessPort: number;
}

export interface LabStack {
  server: TestServer;
  baseUrl: string;
  labToken: string;
  dir: string;
  tftpRoot: string;
  powerDir: string;
  simulated?: SimulatedMachines;
  /** The `erlen` CLI as the admin. */
  erlen(args: string[]): Promise<Run>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function startLabStack(options: LabStackOptions): Promise<LabStack> {
  const server = await startTestServer();
  const baseUrl = await listen(server);
  const dir = await mkdtemp(join(tmpdir(), 'erlen-lab-'));
  const tftpRoot = join(dir, 'tftp');
  const powerDir = join(dir, 'power');
  // The harness API's URL is part of what it answers (log locations), so its port is chosen
  // first; systems that must reach it (qemu guests) are set up with it by seed().
  const port = await freePort();
  await mkdir(tftpRoot, { recursive: true });
  const labToken = await options.seed(server, { dir, tftpRoot, harnessPort: port });
  const logger = pino({ level: process.env.LAB_DEBUG ? 'debug' : 'silent' });

  const scheduler: Scheduler = testScheduler(server, { sweepIntervalMs: 2000 });
  const consumer = consumeSchedulerEvents(
    server.config.redisUrl,
    server.config.queuePrefix,
    (event) => scheduler.notify(event),
    logger,
  );
  await scheduler.start();

  const publicUrl = `http://127.0.0.1:${String(port)}/`;
  const harnessApi: FastifyInstance = await buildHarnessApi({
    server: new ServerClient(baseUrl, labToken),
    logs: new LogStore(join(dir, 'logs'), 10 * 1024 * 1024),
    tftpRoot,
    publicUrl,
    bootUrl: options.bootHarnessUrl,
    logger,
  });
  await harnessApi.listen({ host: '127.0.0.1', port });
  const harnessUrl = options.bootHarnessUrl ?? publicUrl;

  const simulated = options.simulated
    ? new SimulatedMachines({ tftpRoot, stateDir: powerDir, ...options.simulated })
    : undefined;
  const daemon = new LabControllerDaemon({
    serverUrl: baseUrl,
    token: labToken,
    pollWaitSeconds: 25,
    attempts: 2,
    retryBaseMs: 50,
    logger,
    executor: new LabExecutor({
      tftpRoot,
      virtualPowerDir: powerDir,
      powerTimeoutSeconds: 60,
      harnessUrl,
      simulated,
    }),
  });
  await daemon.start();

  const home = join(dir, 'home');
  return {
    server,
    baseUrl,
    labToken,
    dir,
    tftpRoot,
    powerDir,
    simulated,
    erlen: (args) => runErlen(args, { url: baseUrl, token: server.adminToken, home }),
    async stop() {
      await daemon.stop();
      await harnessApi.close();
      await consumer.close();
      await scheduler.stop();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
