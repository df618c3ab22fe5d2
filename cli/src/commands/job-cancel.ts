import type { Command } from 'commander';
import { formatTaskspec } from '../../../common/src/domain/taskspec.js';
import type { CommandContext } from '../context.js';
import { ApiError } from '../errors.js';
import { formatError } from '../format-error.js';
import { taskspecArgument } from '../options.js';

export function registerJobCancel(program: Command, ctx: CommandContext): void {
  program
    .command('job-cancel')
    .description('cancel jobs or recipe sets')
    .argument('<taskspec...>', 'what to cancel (J:n or RS:n)')
    .option('--msg <message>', 'reason, recorded on the cancelled tasks')
    .action(async (specs: string[], opts: { msg?: string }, cmd: Command) => {
      // Every argument is checked before anything is cancelled.
      const parsed = specs.map((spec) => taskspecArgument(spec, ['J', 'RS']));
      const client = await ctx.client(cmd);
      let failed = false;
      for (const spec of parsed) {
        const name = formatTaskspec(spec.kind, spec.id);
        try {
          if (spec.kind === 'J') await client.cancelJob(spec.id, opts.msg);
          else await client.cancelRecipeSet(spec.id, opts.msg);
          ctx.out(`Cancelled ${name}`);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          for (const line of formatError(error, undefined, name)) ctx.err(line);
          failed = true;
        }
      }
      ctx.exitCode = failed ? 1 : 0;
    });
}
