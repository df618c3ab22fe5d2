import type { Command } from 'commander';
import type { ApiClient } from '../api-client.js';
import type { CommandContext } from '../context.js';
import { seconds, taskspecArgument } from '../options.js';
import { watchExitCode } from '../watch/exit-code.js';
import { ChangeLog, LiveDisplay, watchJobs } from '../watch/watcher.js';

export const DEFAULT_INTERVAL_SECONDS = 1;

/** Adds `--interval`, shared by job-watch and the `--wait` of job-submit and job-clone. */
export function addIntervalOption(command: Command): Command {
  return command.option(
    '--interval <seconds>',
    'seconds between polls of the server',
    seconds,
    DEFAULT_INTERVAL_SECONDS,
  );
}

export function registerJobWatch(program: Command, ctx: CommandContext): void {
  const command = program
    .command('job-watch')
    .description('follow jobs until they finish; exit 0 only if all Completed without Warn/Fail/Panic')
    .argument('<taskspec...>', 'jobs to watch (J:n)');
  addIntervalOption(command).action(async (specs: string[], opts: { interval: number }, cmd: Command) => {
    const ids = specs.map((spec) => taskspecArgument(spec, ['J']).id);
    ctx.exitCode = await watchAndReport(ctx, await ctx.client(cmd), ids, opts.interval);
  });
}

/**
 * Polls until every job has finished and returns the exit code (see watch/exit-code.ts).
 * Ctrl-C aborts the wait, not the jobs; `run` turns that into exit code 130.
 */
export async function watchAndReport(
  ctx: CommandContext,
  client: ApiClient,
  ids: readonly number[],
  intervalSeconds: number,
): Promise<number> {
  const controller = new AbortController();
  const removeHandler = ctx.deps.onInterrupt(() => controller.abort());
  try {
    const { stdout } = ctx.deps;
    ctx.err(
      `Watching ${ids.map((id) => `J:${id}`).join(', ')} (Ctrl-C stops watching; the jobs keep running)`,
    );
    const jobs = await watchJobs({
      ids,
      fetchJob: (id, signal) => client.getJob(id, signal),
      intervalMs: intervalSeconds * 1000,
      sleep: ctx.deps.sleep,
      signal: controller.signal,
      display: stdout.isTTY ? new LiveDisplay(stdout) : new ChangeLog(stdout),
    });
    return watchExitCode(jobs);
  } finally {
    removeHandler();
  }
}
