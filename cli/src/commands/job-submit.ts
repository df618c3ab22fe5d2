import { Option, type Command } from 'commander';
import { parseTaskspec } from '../../../common/src/domain/taskspec.js';
import type { ApiClient } from '../api-client.js';
import type { CommandContext } from '../context.js';
import { ApiError } from '../errors.js';
import { formatError, formatWarning } from '../format-error.js';
import { addIntervalOption, watchAndReport } from './job-watch.js';

export interface SubmitOptions {
  dryrun?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  interval: number;
}

/** `--dryrun` is the project's spelling, `--dry-run` bkr job-submit's; both mean the same. */
export function addDryRunOptions(command: Command, description: string): Command {
  return command
    .option('--dryrun', description)
    .addOption(new Option('--dry-run', 'alias of --dryrun (bkr job-submit spelling)'));
}

export function registerJobSubmit(program: Command, ctx: CommandContext): void {
  const command = program
    .command('job-submit')
    .description('submit job XML files (standard input when none or "-" is given)')
    .argument('[file...]', 'job XML files; "-" reads standard input');
  addDryRunOptions(command, 'validate on the server without submitting').option(
    '--wait',
    'then watch the submitted jobs like job-watch',
  );
  addIntervalOption(command).action(async (files: string[], opts: SubmitOptions, cmd: Command) => {
    const client = await ctx.client(cmd);
    const inputs = files.length > 0 ? files : ['-'];
    let failed = false;
    const submitted: number[] = [];
    for (const file of inputs) {
      const input = await ctx.readInputOrReport(file);
      if (!input) {
        failed = true;
        continue;
      }
      const id = await submitXml(ctx, client, input.source, input.text, Boolean(opts.dryrun || opts.dryRun));
      if (id === null) failed = true;
      else if (id !== undefined) submitted.push(id);
    }
    ctx.exitCode = await finishSubmission(ctx, client, { failed, submitted, opts });
  });
}

/**
 * Posts one job XML document. Returns the new job's number, `undefined` after a successful
 * dry run, or `null` when the server refused it (the reasons are already on stderr).
 * Errors other than refusals (network, configuration) propagate: later inputs would fail
 * the same way.
 */
export async function submitXml(
  ctx: CommandContext,
  client: ApiClient,
  source: string,
  xml: string,
  dryrun: boolean,
): Promise<number | undefined | null> {
  try {
    if (dryrun) {
      const answer = await client.dryRunJob(xml);
      for (const warning of answer.warnings ?? []) ctx.err(formatWarning(source, warning));
      // The contract answers invalid XML with 400 INVALID_JOB_XML; a 200 saying otherwise is still no pass.
      if (answer.valid !== true) {
        ctx.err(`erlen: ${source}: the server did not confirm the job as valid`);
        return null;
      }
      ctx.out(`${source}: valid`);
      return undefined;
    }
    const answer = await client.submitJob(xml);
    for (const warning of answer.warnings ?? []) ctx.err(formatWarning(source, warning));
    ctx.out(answer.id);
    return parseTaskspec(answer.id, ['J']).id;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    for (const line of formatError(error, source)) ctx.err(line);
    return null;
  }
}

/** With `--wait`, watches what was submitted; a refused input still makes the exit code 1. */
export async function finishSubmission(
  ctx: CommandContext,
  client: ApiClient,
  state: { failed: boolean; submitted: number[]; opts: SubmitOptions },
): Promise<number> {
  const { failed, submitted, opts } = state;
  if (!opts.wait || submitted.length === 0) return failed ? 1 : 0;
  const watched = await watchAndReport(ctx, client, submitted, opts.interval);
  return failed ? 1 : watched;
}
