import type { Command } from 'commander';
import type { DistroTreeInput } from '../api-types.js';
import type { CommandContext } from '../context.js';
import { ApiError, CliError } from '../errors.js';
import { formatError } from '../format-error.js';

/** Accepts one DistroTreeInput or an array of them; the server checks the fields. */
export function parseDistroTrees(text: string, source: string): DistroTreeInput[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const trees = Array.isArray(data) ? data : [data];
  trees.forEach((tree: unknown, index) => {
    const where = Array.isArray(data) ? `${source}[${index}]` : source;
    if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) {
      throw new CliError(`${where}: expected a distro tree object`);
    }
    const record = tree as Record<string, unknown>;
    for (const field of ['name', 'arch'] as const) {
      if (typeof record[field] !== 'string') throw new CliError(`${where}: "${field}" must be a string`);
    }
  });
  return trees as DistroTreeInput[];
}

/** How a tree is named in messages before the server has answered. */
export function describeTree(tree: DistroTreeInput): string {
  return [tree.name, tree.variant, tree.arch].filter((part) => part).join(' ');
}

export function registerDistroTreesImport(program: Command, ctx: CommandContext): void {
  program
    .command('distro-trees-import')
    .description('import distro trees from JSON (one DistroTreeInput or an array); admin or lab controller')
    .argument('<file>', 'JSON file; "-" reads standard input')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const input = await ctx.readInput(file);
      const trees = parseDistroTrees(input.text, input.source);
      const client = await ctx.client(cmd);
      let failed = false;
      for (const tree of trees) {
        try {
          const imported = await client.importDistroTree(tree);
          ctx.out(`${imported.distro} ${imported.variant} ${imported.arch}: imported (id ${imported.id})`);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          for (const line of formatError(error, undefined, describeTree(tree))) ctx.err(line);
          failed = true;
        }
      }
      ctx.exitCode = failed ? 1 : 0;
    });
}
