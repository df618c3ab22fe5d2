/**
 * The lab controller as `npm run bench -- labcontroller` runs it: a child process (forked by
 * lab-controller-child.ts) wired as lab-controller/src/main.ts wires it — the real
 * LabControllerDaemon long-polling the server, and the real harness API (buildHarnessApi,
 * LogStore with the production 10 MB request limit) listening on a port — except that:
 *
 * - the executor is a stub that runs nothing (the benchmark measures the queue, not power
 *   scripts) and reports each command's start;
 * - ServerClient.prototype.poll is wrapped to timestamp the moment a poll's answer has been
 *   parsed, which is when the lab controller has received the commands;
 * - the logger prints the daemon's warnings and errors only (to the parent's stderr), as the
 *   benchmark server's logger is silent; the harness API's only when fatal.
 *
 * Timestamps are wallClock() (support/child.ts), comparable with the parent's on the same
 * machine; the parent checks the offset.
 */
import { createServer } from 'node:net';
import { pino } from 'pino';
import type { LabCommand } from '../../common/src/api/lab-commands.js';
import type { CommandExecutor } from '../../lab-controller/src/command-runner.js';
import { LabControllerDaemon } from '../../lab-controller/src/daemon.js';
import { buildHarnessApi } from '../../lab-controller/src/harness-api/harness-api.js';
import { LogStore } from '../../lab-controller/src/harness-api/log-store.js';
import { ServerClient } from '../../lab-controller/src/server-client.js';
import { serveParent, wallClock } from './child.js';
import type { LabControllerEvent, LabControllerInit } from './lab-controller-child.js';

/** As lab-controller/src/main.ts: Beaker's proxy takes request bodies of up to 10 MB. */
const HARNESS_BODY_LIMIT = 10 * 1024 * 1024;

const send = (event: LabControllerEvent) => process.send?.(event);

// Received = the poll's answer is parsed and about to be handed to the command runner.
const originalPoll = ServerClient.prototype.poll;
ServerClient.prototype.poll = async function poll(this: ServerClient, ...args) {
  const pollSentAt = wallClock();
  const commands = await originalPoll.apply(this, args);
  const at = wallClock();
  if (commands.length) send({ type: 'received', at, pollSentAt, ids: commands.map((c) => c.id) });
  return commands;
};

class StubExecutor implements CommandExecutor {
  async execute(command: LabCommand): Promise<void> {
    send({ type: 'executed', at: wallClock(), id: command.id });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function main(): Promise<void> {
  const init = JSON.parse(process.env.ERLEN_BENCH_CHILD_INIT ?? '{}') as LabControllerInit;
  const logger = pino({ name: 'bench-lab-controller', level: 'warn' });
  const newDaemon = () =>
    new LabControllerDaemon({
      serverUrl: init.serverUrl,
      token: init.token,
      pollWaitSeconds: init.pollWaitSeconds,
      attempts: 5,
      retryBaseMs: 1000,
      executor: new StubExecutor(),
      logger,
    });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const harnessApi = await buildHarnessApi({
    server: new ServerClient(init.serverUrl, init.token),
    logs: new LogStore(init.logDir, HARNESS_BODY_LIMIT),
    tftpRoot: init.tftpRoot,
    publicUrl,
    // Silent but for fatal errors: under a burst the harness API logs every refused chunk (the
    // server's 500s) at error level, and the benchmark's client counts and reports those itself.
    logger: logger.child({ component: 'harness-api' }, { level: 'fatal' }),
    bodyLimit: HARNESS_BODY_LIMIT,
  });
  let daemon: LabControllerDaemon | undefined = newDaemon();
  await daemon.start();
  await harnessApi.listen({ host: '127.0.0.1', port, backlog: 4096 });

  serveParent({
    pause: async () => {
      await daemon?.stop();
      daemon = undefined;
    },
    resume: async () => {
      if (daemon) return;
      daemon = newDaemon();
      await daemon.start();
    },
    close: async () => {
      await harnessApi.close();
      await daemon?.stop();
    },
  });
  send({ type: 'ready', harnessUrl: publicUrl });
}

main().catch((error: unknown) => {
  console.error(
    `bench lab controller: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
