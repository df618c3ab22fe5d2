import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { ErlenError } from '../../common/src/errors.js';
import { writeFileAtomic } from './atomic-file.js';
import type { HarnessConfig } from './config.js';
import { StateStore, type CurrentTask, type HarnessState } from './state.js';

/** The commands tasks call (reference/beaker.md §6.3), each a shell wrapper around the bundle. */
export const HELPER_COMMANDS = [
  'rstrnt-report-result',
  'rhts-report-result',
  'rstrnt-report-log',
  'rhts-submit-log',
  'rstrnt-reboot',
  'rhts-reboot',
  'rstrnt-abort',
  'rhts-abort',
  'rstrnt-adjust-watchdog',
] as const;
export type HelperCommand = (typeof HELPER_COMMANDS)[number];

/** The environment variable by which a wrapper tells the bundle which state dir is the harness's. */
export const STATE_DIR_VARIABLE = 'ERLEN_HARNESS_STATE_DIR';

/** What a helper needs from the harness's configuration, saved as context.json in the state dir. */
export interface HelperContext {
  recipeId: number;
  labControllerUrl: string;
  rebootCommand: string;
}

export const helperDir = (stateDir: string) => join(stateDir, 'bin');

/**
 * Writes context.json and one wrapper per helper command into `<stateDir>/bin` (put first on
 * each task's PATH). Wrappers carry the state dir in the environment, so the helpers' own
 * arguments reach them untouched.
 */
export async function installHelpers(
  config: HarnessConfig,
  nodePath: string,
  bundlePath: string,
): Promise<void> {
  const context: HelperContext = {
    recipeId: config.recipeId,
    labControllerUrl: config.labControllerUrl,
    rebootCommand: config.rebootCommand,
  };
  await mkdir(helperDir(config.stateDir), { recursive: true });
  await writeFileAtomic(join(config.stateDir, 'context.json'), `${JSON.stringify(context, null, 2)}\n`);
  for (const command of HELPER_COMMANDS) {
    const path = join(helperDir(config.stateDir), command);
    await writeFile(
      path,
      [
        '#!/bin/sh',
        '# Written by erlen-harness: a helper command for tasks (docs/harness.md).',
        `${STATE_DIR_VARIABLE}=${shellQuote(config.stateDir)} exec ${shellQuote(nodePath)} ${shellQuote(bundlePath)} ${command} "$@"`,
        '',
      ].join('\n'),
    );
    await chmod(path, 0o755);
  }
}

export const shellQuote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/** The running harness's context and current task, as a helper finds them. */
export async function loadHelperContext(
  env: NodeJS.ProcessEnv,
): Promise<{ context: HelperContext; store: StateStore; state: HarnessState; current: CurrentTask }> {
  const dir = env[STATE_DIR_VARIABLE];
  if (!dir)
    throw new ErlenError(
      'CONFIG_INVALID',
      `${STATE_DIR_VARIABLE} is not set: run this from a task the harness started`,
    );
  let context: HelperContext;
  try {
    context = JSON.parse(await readFile(join(dir, 'context.json'), 'utf8')) as HelperContext;
  } catch (error) {
    throw new ErlenError(
      'CONFIG_INVALID',
      `cannot read the harness context in ${dir}: ${(error as Error).message}`,
    );
  }
  const store = new StateStore(dir);
  const state = await store.load(context.recipeId);
  if (!state?.current) throw new ErlenError('CONFLICT', `no task is running (${store.statePath})`);
  return { context, store, state, current: state.current };
}
