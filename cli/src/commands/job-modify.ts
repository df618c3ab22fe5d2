import type { Command } from 'commander';
import { PRIORITIES } from '../../../common/src/domain/status.js';
import { formatTaskspec } from '../../../common/src/domain/taskspec.js';
import type { RecipeSetPriority } from '../api-types.js';
import type { CommandContext } from '../context.js';
import { ApiError } from '../errors.js';
import { formatError } from '../format-error.js';
import { oneOf, taskspecArgument } from '../options.js';

/** One line per recipe set: what happened to its priority. */
export function describePriorityChange(set: RecipeSetPriority, requested: string): string {
  if (set.changed) return `${set.id}: ${set.previousPriority} -> ${set.priority}`;
  if (set.priority === requested) return `${set.id}: already ${set.priority}`;
  // Only job-wide changes skip a set: it is past Queued, where priorities no longer change.
  return `${set.id}: left at ${set.priority} (${set.status})`;
}

export function registerJobModify(program: Command, ctx: CommandContext): void {
  program
    .command('job-modify')
    .description('change the priority of jobs or recipe sets (bkr job-modify --priority)')
    .argument('<taskspec...>', 'what to change (J:n: every recipe set still queued; RS:n: one recipe set)')
    .requiredOption('--priority <priority>', `new priority: ${PRIORITIES.join(', ')} (any case)`)
    .action(async (specs: string[], opts: { priority: string }, cmd: Command) => {
      // Everything is checked before the first request.
      const priority = oneOf(opts.priority, PRIORITIES, 'priority');
      const parsed = specs.map((spec) => taskspecArgument(spec, ['J', 'RS']));
      const client = await ctx.client(cmd);
      let failed = false;
      // As bkr job-modify: one refusal does not stop the other taskspecs.
      for (const spec of parsed) {
        const name = formatTaskspec(spec.kind, spec.id);
        try {
          const sets =
            spec.kind === 'J'
              ? (await client.setJobPriority(spec.id, priority)).recipeSets
              : [await client.setRecipeSetPriority(spec.id, priority)];
          for (const set of sets) ctx.out(describePriorityChange(set, priority));
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          for (const line of formatError(error, undefined, name)) ctx.err(line);
          failed = true;
        }
      }
      ctx.exitCode = failed ? 1 : 0;
    });
}
