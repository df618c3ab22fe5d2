import { Option, type Command } from 'commander';
import type { ApiClient } from '../api-client.js';
import type { CommandContext } from '../context.js';
import { taskspecArgument } from '../options.js';

export type ResultsFormat = 'beaker' | 'junit' | 'json';

/** bkr's format names are accepted too, so existing scripts keep working. */
const FORMAT_ALIASES: Record<string, ResultsFormat> = {
  beaker: 'beaker',
  'beaker-results-xml': 'beaker',
  junit: 'junit',
  'junit-xml': 'junit',
  json: 'json',
};

export function resultsFormat(name: string): ResultsFormat {
  const format = FORMAT_ALIASES[name];
  if (!format) throw new Error(`unknown results format ${name}`);
  return format;
}

/** Fetches one job's results in the requested format, as the text to print. */
export async function fetchResults(
  client: ApiClient,
  jobId: number,
  format: ResultsFormat,
  includeLogs: boolean,
): Promise<string> {
  switch (format) {
    case 'beaker':
      return client.jobResultsXml(jobId, includeLogs);
    case 'junit':
      return client.jobJunitXml(jobId);
    case 'json':
      return JSON.stringify(await client.getJob(jobId), null, 2);
  }
}

export function registerJobResults(program: Command, ctx: CommandContext): void {
  program
    .command('job-results')
    .description("export a job's results")
    .argument('<taskspec>', 'the job (J:n)')
    .addOption(
      new Option('--format <format>', 'beaker (Beaker results XML), junit (JUnit XML) or json (job details)')
        .choices(Object.keys(FORMAT_ALIASES))
        .default('beaker'),
    )
    .option('--no-logs', 'leave <logs> out of the Beaker results XML')
    .action(async (spec: string, opts: { format: string; logs: boolean }, cmd: Command) => {
      const { id } = taskspecArgument(spec, ['J']);
      const text = await fetchResults(await ctx.client(cmd), id, resultsFormat(opts.format), opts.logs);
      ctx.deps.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
}
