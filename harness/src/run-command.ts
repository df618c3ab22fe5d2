import { spawn, type SpawnOptions } from 'node:child_process';
import { ErlenError, type ErrorCode } from '../../common/src/errors.js';

/**
 * Runs a program to completion, failing with `code` and the program's stderr when it cannot
 * start or exits non-zero. For the harness's own tools (git, tar), not for tasks.
 */
export function runCommand(
  program: string,
  args: string[],
  code: ErrorCode,
  options: SpawnOptions & { input?: NodeJS.ReadableStream } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      ...options,
      stdio: [options.input ? 'pipe' : 'ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      if (stderr.length < 4096) stderr += text;
    });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ErlenError(
          code,
          error.code === 'ENOENT' ? `${program} is not installed` : `${program}: ${error.message}`,
        ),
      ),
    );
    child.once('close', (status, signal) => {
      if (status === 0) resolve();
      else
        reject(
          new ErlenError(code, `${program} ${args[0] ?? ''} failed (${signal ?? status}): ${stderr.trim()}`),
        );
    });
    if (options.input && child.stdin) {
      // A failing tar closes its stdin early; the exit status reports that, not EPIPE.
      child.stdin.on('error', () => {});
      options.input.on('error', (error) => child.stdin?.destroy(error));
      options.input.pipe(child.stdin);
    }
  });
}
