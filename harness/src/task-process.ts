import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErlenError } from '../../common/src/errors.js';

export interface TaskExit {
  /** Exit status, or null when a signal ended the task. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The local watchdog killed the task at its time limit. */
  timedOut: boolean;
}

/** How a task directory says to run it: `runtest.sh`, else a Makefile's `run` target. */
export async function taskCommand(taskDir: string): Promise<string[]> {
  const script = join(taskDir, 'runtest.sh');
  if (await canAccess(script, constants.X_OK)) return ['./runtest.sh'];
  const makefile = await readFile(join(taskDir, 'Makefile'), 'utf8').catch(() => '');
  if (/^run\s*:/m.test(makefile)) return ['make', 'run'];
  // Archives and some checkouts lose the executable bit.
  if (await canAccess(script, constants.R_OK)) return ['sh', 'runtest.sh'];
  throw new ErlenError('NOT_FOUND', `${taskDir} has neither runtest.sh nor a Makefile with a run target`);
}

/**
 * Runs the task in a process group of its own with its stdout and stderr appended to
 * `outputPath`, and kills the whole group (the task's children too) at the time limit.
 */
export async function runTaskProcess(
  taskDir: string,
  env: Record<string, string>,
  outputPath: string,
  limitSeconds: number,
): Promise<TaskExit> {
  const [program, ...args] = await taskCommand(taskDir);
  const output = await open(outputPath, 'a');
  try {
    const child = spawn(program!, args, {
      cwd: taskDir,
      env,
      detached: true,
      stdio: ['ignore', output.fd, output.fd],
    });
    let timedOut = false;
    const watchdog = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, limitSeconds * 1000);
    return await new Promise<TaskExit>((resolve, reject) => {
      child.once('error', (error) => {
        clearTimeout(watchdog);
        reject(new ErlenError('INTERNAL', `cannot start ${program} in ${taskDir}: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(watchdog);
        resolve({ code, signal, timedOut });
      });
    });
  } finally {
    await output.close();
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

const canAccess = (path: string, mode: number) =>
  access(path, mode).then(
    () => true,
    () => false,
  );
