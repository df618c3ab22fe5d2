import { Option, type Command } from 'commander';
import type { ApiClient, Query } from '../api-client.js';
import { SYSTEM_STATUSES, type SystemSummary } from '../api-types.js';
import type { CommandContext } from '../context.js';
import { oneOf } from '../options.js';

export interface SystemListOptions {
  status?: string;
  labController?: string;
  arch?: string;
  /** `<hostRequires>` XML (bkr's --xml-filter), already read from its file. */
  filter?: string;
  format: 'list' | 'json';
}

export function systemListQuery(opts: SystemListOptions): Query {
  return {
    status: opts.status === undefined ? undefined : oneOf(opts.status, SYSTEM_STATUSES, 'system status'),
    labController: opts.labController,
    arch: opts.arch,
    filter: opts.filter,
  };
}

/**
 * Follows `offset` until `total` systems have arrived: like bkr system-list, the command
 * lists every match, not one page. The server's page size is left to the server.
 */
export async function listAllSystems(client: ApiClient, query: Query): Promise<SystemSummary[]> {
  const systems: SystemSummary[] = [];
  for (;;) {
    const page = await client.listSystems({
      ...query,
      offset: systems.length > 0 ? systems.length : undefined,
    });
    systems.push(...page.items);
    if (page.items.length === 0 || systems.length >= page.total) return systems;
  }
}

export function registerSystemList(program: Command, ctx: CommandContext): void {
  program
    .command('system-list')
    .description('list the systems you may see')
    .option('--status <status>', 'only systems in this condition (Automated, Manual, Broken, Removed)')
    .option('--lab-controller <fqdn>', 'only systems attached to this lab controller')
    .option('--arch <arch>', 'only systems supporting this architecture')
    .option('--xml-filter <file>', 'only systems matching this <hostRequires> XML (a file, or - for stdin)')
    .addOption(
      new Option('--format <format>', 'list: one FQDN per line; json: the system summaries')
        .choices(['list', 'json'])
        .default('list'),
    )
    .action(async (opts: SystemListOptions & { xmlFilter?: string }, cmd: Command) => {
      const filter = opts.xmlFilter === undefined ? undefined : (await ctx.readInput(opts.xmlFilter)).text;
      const query = systemListQuery({ ...opts, filter });
      const systems = await listAllSystems(await ctx.client(cmd), query);
      if (opts.format === 'json') ctx.out(JSON.stringify(systems, null, 2));
      else for (const system of systems) ctx.out(system.fqdn);
    });
}
