import { Option, type Command } from 'commander';
import type { CommandContext } from '../context.js';

export function registerLabController(program: Command, ctx: CommandContext): void {
  program
    .command('labcontroller-create')
    .description("register a lab controller and create its account (admin); prints the account's token")
    .argument('<fqdn>', "the lab controller's host name")
    .action(async (fqdn: string, _opts: unknown, cmd: Command) => {
      const created = await (await ctx.client(cmd)).createLabController(fqdn);
      // The token alone goes to stdout so `TOKEN=$(erlen labcontroller-create …)` works.
      ctx.err(
        `Created lab controller ${created.fqdn} with account ${created.username}. Its API token follows; ` +
          'it is shown only this once, so put it in the lab controller configuration now.',
      );
      ctx.out(created.token);
    });

  program
    .command('labcontroller-list')
    .description('list lab controllers')
    .addOption(
      new Option('--format <format>', 'list: one FQDN per line; json: the lab controllers')
        .choices(['list', 'json'])
        .default('list'),
    )
    .action(async (opts: { format: 'list' | 'json' }, cmd: Command) => {
      const { items } = await (await ctx.client(cmd)).listLabControllers();
      if (opts.format === 'json') ctx.out(JSON.stringify(items, null, 2));
      else for (const lab of items) ctx.out(lab.fqdn);
    });
}
