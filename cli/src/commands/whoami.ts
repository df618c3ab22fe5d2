import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export function registerWhoami(program: Command, ctx: CommandContext): void {
  program
    .command('whoami')
    .description('show the account the token belongs to (JSON, like bkr whoami)')
    .action(async (_opts: unknown, cmd: Command) => {
      const me = await (await ctx.client(cmd)).whoami();
      ctx.out(JSON.stringify(me, null, 2));
    });
}
