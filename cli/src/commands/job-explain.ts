import type { Command } from 'commander';
import { formatTaskspec, type Taskspec } from '../../../common/src/domain/taskspec.js';
import type { ApiClient } from '../api-client.js';
import type { RecipeExplanation } from '../api-types.js';
import type { CommandContext } from '../context.js';
import { ApiError } from '../errors.js';
import { formatError } from '../format-error.js';
import { taskspecArgument } from '../options.js';

export function registerJobExplain(program: Command, ctx: CommandContext): void {
  program
    .command('job-explain')
    .description('explain why recipes wait: matching systems, and why each cannot take the recipe now')
    .argument('<taskspec...>', 'recipes to explain (R:n), or every machine recipe of a job (J:n)')
    .option('--format <format>', 'text or json', 'text')
    .action(async (specs: string[], opts: { format: string }, cmd: Command) => {
      if (opts.format !== 'text' && opts.format !== 'json') {
        ctx.err(`erlen: --format must be text or json, not ${JSON.stringify(opts.format)}`);
        ctx.exitCode = 2;
        return;
      }
      const parsed = specs.map((spec) => taskspecArgument(spec, ['J', 'R']));
      const client = await ctx.client(cmd);
      const explanations: RecipeExplanation[] = [];
      let failed = false;
      for (const spec of parsed) {
        const name = formatTaskspec(spec.kind, spec.id);
        try {
          for (const recipeId of await recipesOf(client, spec)) {
            explanations.push(await client.explainRecipe(recipeId));
          }
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          for (const line of formatError(error, undefined, name)) ctx.err(line);
          failed = true;
        }
      }
      if (opts.format === 'json') ctx.out(JSON.stringify(explanations, null, 2));
      else for (const explanation of explanations) for (const line of describe(explanation)) ctx.out(line);
      ctx.exitCode = failed ? 1 : 0;
    });
}

/** Machine recipes named by a taskspec (guests ride on their host and have nothing to explain). */
async function recipesOf(client: ApiClient, spec: Taskspec): Promise<number[]> {
  if (spec.kind === 'R') return [spec.id];
  const job = await client.getJob(spec.id);
  return job.recipeSets.flatMap((set) => set.recipes.map((r) => Number(r.id.slice(2))));
}

function describe(e: RecipeExplanation): string[] {
  const lines = [e.summary];
  if (e.system || e.status !== 'Queued') return lines;
  lines.push(
    `  systems: ${e.systems}, satisfying its filter: ${e.matching}, free for it now: ${e.available}`,
  );
  for (const wait of e.waiting) {
    const examples = wait.examples.length
      ? `: ${wait.examples.join(', ')}${wait.count > wait.examples.length ? ', …' : ''}`
      : '';
    lines.push(`  ${String(wait.count).padStart(5)} ${wait.description}${examples}`);
  }
  if (e.rejectedBy.length) {
    lines.push('  rejected by its filter:');
    for (const r of e.rejectedBy.slice(0, 5)) lines.push(`  ${String(r.count).padStart(5)} ${r.predicate}`);
  }
  return lines;
}
