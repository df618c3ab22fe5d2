#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { CliDeps } from './context.js';
import { run } from './program.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The version of the package this file was installed from (dist/cli/src → package root). */
async function packageVersion(): Promise<string | undefined> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++, dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'erlen') return manifest.version;
    } catch {
      // Not here; look one directory up.
    }
  }
  return undefined;
}

const deps: CliDeps = {
  env: process.env,
  homedir: homedir(),
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin,
  readFile: (path) => readFile(path, 'utf8'),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
};

// `erlen job-list | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// exitCode rather than exit(): large outputs (results XML) must drain to a pipe first.
process.exitCode = await run(process.argv.slice(2), deps, await packageVersion());
