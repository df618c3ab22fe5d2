import { pino } from 'pino';
import { loadLabControllerConfig, type LabControllerConfig } from './config.js';
import { LabControllerDaemon } from './daemon.js';
import { LabExecutor } from './executor.js';
import { buildHarnessApi } from './harness-api/harness-api.js';
import { LogStore } from './harness-api/log-store.js';
import { writeDefaultConfigs } from './netboot/netboot.js';
import { ServerClient } from './server-client.js';
import { SimulatedMachines } from './simulated/simulated-machines.js';

/** Beaker's proxy takes request bodies (a log chunk, a whole small log) of up to 10 MB. */
const HARNESS_BODY_LIMIT = 10 * 1024 * 1024;

async function main(): Promise<void> {
  const config = loadLabControllerConfig();
  const logger = pino({
    name: 'erlen-lab-controller',
    level: config.logLevel,
    redact: { paths: ['*.password', '*.token', 'power.password'], censor: '[redacted]' },
  });
  await writeDefaultConfigs(config.tftpRoot);
  const daemon = new LabControllerDaemon({
    serverUrl: config.serverUrl,
    token: config.token,
    pollWaitSeconds: config.pollWaitSeconds,
    attempts: config.powerAttempts,
    retryBaseMs: config.retryBaseMs,
    executor: new LabExecutor({
      ...config,
      harnessUrl: config.bootHarnessUrl ?? config.harnessUrl,
      simulated: simulatedMachines(config),
    }),
    logger,
  });
  const harnessApi = await buildHarnessApi({
    server: new ServerClient(config.serverUrl, config.token),
    logs: new LogStore(config.logDir, HARNESS_BODY_LIMIT),
    tftpRoot: config.tftpRoot,
    publicUrl: config.harnessUrl,
    bootUrl: config.bootHarnessUrl,
    harnessBundle: config.harnessBundle,
    logger: logger.child({ component: 'harness-api' }),
    bodyLimit: HARNESS_BODY_LIMIT,
  });
  await daemon.start();
  await harnessApi.listen({ host: config.harnessHost, port: config.harnessPort });
  logger.info(
    { server: config.serverUrl, tftpRoot: config.tftpRoot, harnessApi: config.harnessUrl },
    'lab controller started',
  );
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await harnessApi.close();
    await daemon.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

function simulatedMachines(config: LabControllerConfig): SimulatedMachines | undefined {
  if (!config.simulatedHarness || !config.virtualPowerDir || !config.simulatedTaskRoot) return undefined;
  return new SimulatedMachines({
    tftpRoot: config.tftpRoot,
    stateDir: config.virtualPowerDir,
    harnessPath: config.simulatedHarness,
    taskRoot: config.simulatedTaskRoot,
  });
}

main().catch((error: unknown) => {
  console.error(`erlen-lab-controller: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
