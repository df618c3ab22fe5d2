import type { Command } from 'commander';
import { formatTaskspec, TASKSPEC_KINDS } from '../../../common/src/domain/taskspec.js';
import type { LogEntry } from '../api-client.js';
import type { CommandContext, Output } from '../context.js';
import { ApiError } from '../errors.js';
import { formatError } from '../format-error.js';
import { taskspecArgument } from '../options.js';

interface JobLogsOptions {
  size?: boolean;
  cat?: string;
}

export function registerJobLogs(program: Command, ctx: CommandContext): void {
  program
    .command('job-logs')
    .description('print the URLs of the log files of jobs, recipe sets, recipes, tasks or results')
    .argument('<taskspec...>', 'J:n, RS:n, R:n, T:n (with its results) or TR:n')
    .option('--size', 'print each file size in bytes before its URL')
    .option(
      '--cat <name>',
      'print the content of the logs named NAME instead (path/filename, or its end after a /)',
    )
    .action(async (specs: string[], opts: JobLogsOptions, cmd: Command) => {
      const parsed = specs.map((spec) => taskspecArgument(spec, TASKSPEC_KINDS));
      const client = await ctx.client(cmd);
      let failed = false;
      for (const spec of parsed) {
        const name = formatTaskspec(spec.kind, spec.id);
        try {
          const { items } = await client.listLogs(name);
          const { cat } = opts;
          if (cat === undefined) {
            for (const log of items)
              ctx.out(opts.size ? `${String(log.size).padStart(6)} ${log.href}` : log.href);
            continue;
          }
          const wanted = items.filter((log) => isNamed(log, cat));
          if (wanted.length === 0) {
            ctx.err(`erlen: ${name}: no log named ${JSON.stringify(cat)}`);
            failed = true;
          }
          for (const log of wanted) writeBytes(ctx.deps.stdout, await client.logContent(log));
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          for (const line of formatError(error, undefined, name)) ctx.err(line);
          failed = true;
        }
      }
      ctx.exitCode = failed ? 1 : 0;
    });
}

/** `debug/avc.log` is named by `debug/avc.log` and by `avc.log`, so `--cat console.log` needs no path. */
function isNamed(log: LogEntry, name: string): boolean {
  return log.name === name || log.name.endsWith(`/${name}`);
}

/**
 * Logs are bytes (compressed dumps too), so they go out unchanged rather than decoded as text.
 * Output is typed for text because every other command prints text; process.stdout takes bytes.
 */
function writeBytes(output: Output, bytes: Uint8Array): void {
  (output.write as (chunk: string | Uint8Array) => void).call(output, bytes);
}
