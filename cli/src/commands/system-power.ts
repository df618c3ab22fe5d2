import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { oneOf } from '../options.js';

const ACTIONS = ['on', 'off', 'reboot', 'interrupt'] as const;

export function registerSystemPower(program: Command, ctx: CommandContext): void {
  program
    .command('system-power')
    .description('power a system through its lab controller’s command queue (bkr system-power)')
    .argument('<fqdn>', 'the system')
    .option('--action <action>', `${ACTIONS.join(', ')} (reboot queues off then on)`, 'reboot')
    .action(async (fqdn: string, opts: { action: string }, cmd: Command) => {
      const action = oneOf(opts.action, ACTIONS, 'action');
      const client = await ctx.client(cmd);
      const { commands } = await client.powerSystem(fqdn, action);
      ctx.out(`${fqdn}: ${action} queued (command${commands.length > 1 ? 's' : ''} ${commands.join(', ')})`);
    });
}
