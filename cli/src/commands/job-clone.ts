import type { Command } from 'commander';
import { formatTaskspec } from '../../../common/src/domain/taskspec.js';
import type { CommandContext } from '../context.js';
import { ApiError } from '../errors.js';
import { formatError } from '../format-error.js';
import { taskspecArgument } from '../options.js';
import { addDryRunOptions, finishSubmission, submitXml, type SubmitOptions } from './job-submit.js';
import { addIntervalOption } from './job-watch.js';

interface CloneOptions extends SubmitOptions {
  xml?: boolean;
}

export function registerJobClone(program: Command, ctx: CommandContext): void {
  const command = program
    .command('job-clone')
    .description('resubmit a copy of jobs or recipe sets and print the new job ids')
    .argument('<taskspec...>', 'what to clone (J:n or RS:n)')
    .option('--xml', 'print the cloned job XML to standard output too');
  addDryRunOptions(command, 'validate the clone on the server without submitting it').option(
    '--wait',
    'then watch the new jobs like job-watch',
  );
  addIntervalOption(command).action(async (specs: string[], opts: CloneOptions, cmd: Command) => {
    const parsed = specs.map((spec) => taskspecArgument(spec, ['J', 'RS']));
    const client = await ctx.client(cmd);
    let failed = false;
    const submitted: number[] = [];
    for (const spec of parsed) {
      const name = formatTaskspec(spec.kind, spec.id);
      let xml: string;
      try {
        xml = spec.kind === 'J' ? await client.cloneJobXml(spec.id) : await client.cloneRecipeSetXml(spec.id);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        for (const line of formatError(error, undefined, name)) ctx.err(line);
        failed = true;
        continue;
      }
      if (opts.xml) ctx.deps.stdout.write(xml.endsWith('\n') ? xml : `${xml}\n`);
      // Issues in a clone point into the XML the server produced; name it after its origin.
      const id = await submitXml(ctx, client, `clone of ${name}`, xml, Boolean(opts.dryrun || opts.dryRun));
      if (id === null) failed = true;
      else if (id !== undefined) submitted.push(id);
    }
    ctx.exitCode = await finishSubmission(ctx, client, { failed, submitted, opts });
  });
}
