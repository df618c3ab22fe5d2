import { pino } from 'pino';
import { loadLabControllerConfig } from './config.js';
import { LabControllerDaemon } from './daemon.js';
import { LabExecutor } from './executor.js';
import { writeDefaultConfigs } from './netboot/netboot.js';

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
    executor: new LabExecutor(config),
    logger,
  });
  await daemon.start();
  logger.info({ server: config.serverUrl, tftpRoot: config.tftpRoot }, 'lab controller started');
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await daemon.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`erlen-lab-controller: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
