import { Option, type Command } from 'commander';
import { STATUSES, type Status } from '../../../common/src/domain/status.js';
import type { Query } from '../api-client.js';
import type { CommandContext } from '../context.js';
import { collect, oneOf, positiveInteger } from '../options.js';

export interface JobListOptions {
  owner?: string;
  mine?: boolean;
  status?: string[];
  whiteboard?: string;
  limit?: number;
  format: 'list' | 'json';
}

/** Maps job-list's options to the query of `GET /jobs`; statuses may be repeated or comma-separated. */
export function jobListQuery(opts: JobListOptions): Query {
  const statuses: Status[] = (opts.status ?? [])
    .flatMap((value) => value.split(','))
    .filter((value) => value.trim() !== '')
    .map((value) => oneOf(value, STATUSES, 'status'));
  return {
    owner: opts.owner,
    mine: opts.mine ? 'true' : undefined,
    status: statuses.length > 0 ? statuses : undefined,
    whiteboard: opts.whiteboard,
    limit: opts.limit,
  };
}

const PAGE = 500;

/** Pages through `GET /jobs` (at most 500 a request) until `--limit` or the last job, like bkr job-list. */
export async function fetchJobs<T>(
  list: (query: Query) => Promise<{ items: T[]; total: number }>,
  opts: JobListOptions,
): Promise<T[]> {
  const wanted = opts.limit ?? Infinity;
  const jobs: T[] = [];
  for (;;) {
    const limit = Math.min(PAGE, wanted - jobs.length);
    const page = await list({
      ...jobListQuery(opts),
      limit,
      offset: jobs.length > 0 ? jobs.length : undefined,
    });
    jobs.push(...page.items);
    if (page.items.length === 0 || jobs.length >= Math.min(wanted, page.total)) return jobs;
  }
}

export function registerJobList(program: Command, ctx: CommandContext): void {
  program
    .command('job-list')
    .description('list jobs, newest first')
    .option('--owner <username>', 'jobs owned by this user')
    .option('--mine', 'only my jobs')
    .option('--status <status>', 'only jobs in this status (repeatable, or a comma list)', collect)
    .option('--whiteboard <text>', 'whiteboard contains this text')
    .option('--limit <n>', 'at most this many jobs (default: all)', positiveInteger)
    .addOption(
      new Option('--format <format>', 'list: one taskspec per line; json: the job summaries')
        .choices(['list', 'json'])
        .default('list'),
    )
    .action(async (opts: JobListOptions, cmd: Command) => {
      const client = await ctx.client(cmd);
      const jobs = await fetchJobs((query) => client.listJobs(query), opts);
      if (opts.format === 'json') ctx.out(JSON.stringify(jobs, null, 2));
      else for (const job of jobs) ctx.out(job.id);
    });
}
