// Runs the built `erlen` binary (dist/, produced by `npm run build`, which `npm test` runs
// first) as a user would, against a test server listening on a port.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestServer } from './server.js';

const BIN = fileURLToPath(new URL('../../dist/cli/src/main.js', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment is only what the CLI reads, so the developer's own configuration never leaks in. */
export function runErlen(
  args: string[],
  env: { url: string; token: string; home: string },
  input?: string,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: { PATH: process.env.PATH, HOME: env.home, ERLEN_URL: env.url, ERLEN_TOKEN: env.token },
        timeout: 30_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Makes the test server listen on an ephemeral port and returns its base URL. */
export async function listen(server: TestServer): Promise<string> {
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  if (!address || typeof address === 'string') throw new Error('server did not listen');
  return `http://127.0.0.1:${address.port}`;
}
