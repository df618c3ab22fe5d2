import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ErlenError } from '../../common/src/errors.js';
import { loadHelperContext, type HelperCommand } from './helper-context.js';
import { LabControllerClient, type ResultType } from './lab-client.js';
import { uploadFile } from './log-upload.js';
import { say } from './say.js';

const RESULTS: Record<string, ResultType> = {
  PASS: 'Pass',
  FAIL: 'Fail',
  WARN: 'Warn',
  SKIP: 'Skip',
  NONE: 'None',
};

/** A usage mistake in a helper's arguments (exit status 2, as getopt-style tools do). */
const usage = (message: string) => new ErlenError('USAGE', message);

/** The helper commands tasks call; each returns its exit status. */
export const HELPERS: Record<HelperCommand, (args: string[], env: NodeJS.ProcessEnv) => Promise<number>> = {
  'rstrnt-report-result': async (args, env) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        server: { type: 'string', short: 's' },
        outputfile: { type: 'string', short: 'o' },
        'no-plugins': { type: 'boolean' },
        'disable-plugin': { type: 'string', multiple: true },
      },
    });
    const [name, result, score] = positionals;
    if (!name || !result || positionals.length > 3)
      throw usage(
        'usage: rstrnt-report-result [--server URL] [-o LOGFILE] TESTNAME PASS|FAIL|WARN|SKIP [SCORE]',
      );
    return reportResult(env, { name, result, score, logFile: values.outputfile, server: values.server });
  },
  'rhts-report-result': async (args, env) => {
    const [name, result, logFile, score] = args;
    if (!name || !result || args.length > 4)
      throw usage('usage: rhts-report-result TESTNAME PASS|FAIL|WARN|SKIP LOGFILE [SCORE]');
    return reportResult(env, { name, result, score, logFile: logFile || undefined });
  },
  'rstrnt-report-log': (args, env) => reportLog(args, env, 'rstrnt-report-log'),
  'rhts-submit-log': (args, env) => reportLog(args, env, 'rhts-submit-log'),
  'rstrnt-reboot': (_args, env) => reboot(env),
  'rhts-reboot': (_args, env) => reboot(env),
  'rstrnt-abort': (args, env) => abort(args, env),
  'rhts-abort': (args, env) => abort(args, env),
  'rstrnt-adjust-watchdog': async (args, env) => {
    const seconds = Number(args[0]);
    if (args.length !== 1 || !Number.isSafeInteger(seconds) || seconds < 0)
      throw usage('usage: rstrnt-adjust-watchdog SECONDS');
    const { context } = await loadHelperContext(env);
    await new LabControllerClient(context.labControllerUrl, context.recipeId).extendWatchdog(seconds);
    return 0;
  },
};

interface ResultRequest {
  name: string;
  result: string;
  score?: string;
  logFile?: string;
  server?: string;
}

async function reportResult(env: NodeJS.ProcessEnv, request: ResultRequest): Promise<number> {
  const result = RESULTS[request.result.toUpperCase()];
  if (!result)
    throw usage(`result ${JSON.stringify(request.result)} is not one of ${Object.keys(RESULTS).join(', ')}`);
  const score = request.score === undefined || request.score === '' ? undefined : Number(request.score);
  if (score !== undefined && !Number.isFinite(score))
    throw usage(`score ${JSON.stringify(request.score)} is not a number`);
  const { context, current } = await loadHelperContext(env);
  const client = new LabControllerClient(request.server ?? context.labControllerUrl, context.recipeId);
  const resultId = await client.reportResult(current.taskId, {
    result,
    path: request.name,
    ...(score !== undefined ? { score } : {}),
  });
  if (request.logFile && request.logFile !== '/dev/null')
    await uploadFile(
      client,
      { taskId: current.taskId, resultId },
      basename(request.logFile),
      request.logFile,
    );
  return 0;
}

async function reportLog(args: string[], env: NodeJS.ProcessEnv, command: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      log: { type: 'string', short: 'l', multiple: true },
      server: { type: 'string', short: 's' },
      filename: { type: 'string' },
    },
  });
  const files = values.log ?? [];
  if (files.length === 0) throw usage(`usage: ${command} -l FILE [-l FILE …]`);
  const { context, current } = await loadHelperContext(env);
  const client = new LabControllerClient(values.server ?? context.labControllerUrl, context.recipeId);
  for (const file of files)
    await uploadFile(client, { taskId: current.taskId }, values.filename ?? basename(file), file);
  return 0;
}

/**
 * Saves that the task asked for a reboot (its next run sees REBOOTCOUNT+1) and runs the
 * configured reboot command. Nothing of the task may run past it: if the command returns
 * before the system goes down (`reboot` without -f, or a simulated machine that only restarts
 * the harness), the task's process group is killed here, and the harness, finding the
 * reboot recorded, reports nothing and waits for it.
 */
async function reboot(env: NodeJS.ProcessEnv): Promise<number> {
  const { context, store, state, current } = await loadHelperContext(env);
  await store.save({
    ...state,
    current: { ...current, rebootCount: current.rebootCount + 1, rebooting: true },
  });
  say(`task ${current.taskId} asks for a reboot: ${context.rebootCommand}`);
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn('sh', ['-c', context.rebootCommand], { stdio: 'inherit' });
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
  if (status !== 0) {
    await store.save(state);
    throw new ErlenError(
      'INTERNAL',
      `the reboot command failed (${status ?? 'did not start'}): ${context.rebootCommand}`,
    );
  }
  say('the reboot command returned: stopping the task until the system goes down');
  process.kill(0, 'SIGKILL');
  return 0;
}

async function abort(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { type: { type: 'string', short: 't' }, server: { type: 'string', short: 's' } },
  });
  const scope = values.type ?? 'recipe';
  if (scope !== 'recipe' && scope !== 'task')
    throw usage(
      `cannot abort a ${scope}: the harness API aborts only the recipe or the task (-t recipe|task)`,
    );
  const { context, current } = await loadHelperContext(env);
  const client = new LabControllerClient(values.server ?? context.labControllerUrl, context.recipeId);
  const message = `aborted by task ${current.taskId} (${scope === 'task' ? 'rstrnt-abort -t task' : 'rstrnt-abort'})`;
  if (scope === 'task') await client.setTaskStatus(current.taskId, 'Aborted', message);
  else await client.abortRecipe(message);
  return 0;
}
