// The daemon against a stand-in for the server (a plain HTTP server that fails on purpose):
// what is tested is the daemon's start-up behaviour when the server is not ready yet.
import { afterEach, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { LabControllerDaemon } from '../../../lab-controller/src/daemon.js';

let stub: Server | undefined;
let daemon: LabControllerDaemon | undefined;

afterEach(async () => {
  await daemon?.stop();
  await new Promise((resolve) => stub?.close(resolve));
});

it('waits for a server that is not up yet, requeues once, then polls', async () => {
  const seen: string[] = [];
  let requeueAttempts = 0;
  const polled = new Promise<void>((resolve) => {
    stub = createServer((request, response) => {
      seen.push(request.url ?? '');
      if (request.url === '/lab/commands/requeue-running' && ++requeueAttempts <= 2) {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ code: 'UNAVAILABLE', message: 'starting' }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      if (request.url === '/lab/commands/poll') {
        resolve();
        response.end(JSON.stringify({ commands: [] }));
      } else response.end(JSON.stringify({ requeued: 0 }));
    });
  });
  await new Promise<void>((resolve) => stub!.listen(0, '127.0.0.1', resolve));
  const { port } = stub!.address() as { port: number };
  daemon = new LabControllerDaemon({
    serverUrl: `http://127.0.0.1:${port}`,
    token: 't',
    pollWaitSeconds: 0,
    attempts: 1,
    retryBaseMs: 1,
    logger: pino({ level: 'silent' }),
    executor: { execute: async () => undefined },
  });
  await daemon.start();
  await polled;
  expect(seen.slice(0, 4)).toEqual([
    '/lab/commands/requeue-running',
    '/lab/commands/requeue-running',
    '/lab/commands/requeue-running',
    '/lab/commands/poll',
  ]);
});
