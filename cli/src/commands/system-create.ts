import type { Command } from 'commander';
import { SYSTEM_STATUSES, SYSTEM_TYPES, type PowerInput, type SystemInput } from '../api-types.js';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { collect, nonNegativeInteger, oneOf, positiveInteger } from '../options.js';

export interface SystemCreateOptions {
  json?: string;
  labController?: string;
  arch?: string[];
  status?: string;
  condition?: string;
  type?: string;
  memory?: number;
  powerType?: string;
  powerAddress?: string;
  powerUser?: string;
  powerPassword?: string;
  powerId?: string;
  powerQuiescentPeriod?: number;
  owner?: string;
  location?: string;
  vendor?: string;
  model?: string;
  keyValue?: string[];
}

type KeyValues = NonNullable<SystemInput['keyValues']>;

/** `KEY=VALUE` flags; a key given more than once collects its values, as Beaker allows. */
export function parseKeyValues(pairs: readonly string[]): KeyValues {
  const result: Record<string, string[]> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at).trim() : '';
    if (!key) throw new UsageError(`--key-value "${pair}": expected KEY=VALUE`);
    (result[key] ??= []).push(pair.slice(at + 1));
  }
  return Object.fromEntries(
    Object.entries(result).map(([key, values]) => [
      key,
      values.length === 1 ? (values[0] as string) : values,
    ]),
  );
}

/** Reads `--json`'s content; must be an object (a partial SystemInput is fine, flags fill in). */
export function parseSystemJson(text: string, source: string): Partial<SystemInput> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CliError(`${source}: expected a JSON object (a SystemInput)`);
  }
  return data as Partial<SystemInput>;
}

/**
 * Builds the body of `POST /systems`: the `--json` document if any, with every flag given
 * on the command line overriding its field (power and key-value fields one by one).
 */
export function systemInput(
  fqdnArgument: string | undefined,
  opts: SystemCreateOptions,
  base: Partial<SystemInput> = {},
): SystemInput {
  const fqdn = fqdnArgument ?? base.fqdn;
  if (typeof fqdn !== 'string' || fqdn.trim() === '') {
    throw new UsageError('system-create needs the FQDN as argument or in the --json document');
  }
  const statusText = opts.status ?? opts.condition;
  const input: SystemInput = {
    ...base,
    fqdn,
    arches: opts.arch ?? base.arches ?? [],
    ...defined({
      labController: opts.labController,
      owner: opts.owner,
      status: statusText === undefined ? undefined : oneOf(statusText, SYSTEM_STATUSES, 'system status'),
      type: opts.type === undefined ? undefined : oneOf(opts.type, SYSTEM_TYPES, 'system type'),
      memory: opts.memory,
      vendor: opts.vendor,
      model: opts.model,
      location: opts.location,
    }),
  };
  if (opts.keyValue) input.keyValues = { ...base.keyValues, ...parseKeyValues(opts.keyValue) };
  const power = powerInput(opts, base.power);
  if (power) input.power = power;
  return input;
}

function powerInput(
  opts: SystemCreateOptions,
  base: Partial<PowerInput> | undefined,
): PowerInput | undefined {
  const flags = defined({
    type: opts.powerType,
    address: opts.powerAddress,
    user: opts.powerUser,
    password: opts.powerPassword,
    id: opts.powerId,
    quiescentPeriod: opts.powerQuiescentPeriod,
  });
  if (Object.keys(flags).length === 0) return base as PowerInput | undefined;
  const power = { ...base, ...flags };
  if (!power.type || !power.address) {
    throw new UsageError('power settings need both --power-type and --power-address');
  }
  return power as PowerInput;
}

function defined<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export function registerSystemCreate(program: Command, ctx: CommandContext): void {
  program
    .command('system-create')
    .description('add a system to the inventory (admin)')
    .argument('[fqdn]', "the system's host name (optional when --json has it)")
    .option('--json <file>', 'a SystemInput JSON document ("-" for standard input); flags override it')
    .option('--lab-controller <fqdn>', 'lab controller the system is attached to')
    .option('--arch <arch>', 'supported architecture (repeatable)', collect)
    .option('--status <status>', 'condition: Automated, Manual, Broken or Removed')
    .option('--condition <status>', 'alias of --status (bkr spelling)')
    .option('--type <type>', 'Machine, Laptop, Prototype or Resource')
    .option('--memory <mb>', 'memory in MB', positiveInteger)
    .option('--power-type <type>', 'power driver (e.g. ipmilan, virsh, dummy)')
    .option('--power-address <address>', 'power controller address')
    .option('--power-user <user>', 'power controller user')
    .option('--power-password <password>', 'power controller password')
    .option('--power-id <id>', 'power id (plug, VM name…)')
    .option('--power-quiescent-period <seconds>', 'seconds to wait between power actions', nonNegativeInteger)
    .option('--owner <username>', 'owner (default: you)')
    .option('--location <text>', 'physical location')
    .option('--vendor <vendor>', 'hardware vendor')
    .option('--model <model>', 'hardware model')
    .option('--key-value <key=value>', 'inventory key-value (repeatable)', collect)
    .action(async (fqdn: string | undefined, opts: SystemCreateOptions, cmd: Command) => {
      let base: Partial<SystemInput> = {};
      if (opts.json !== undefined) {
        const input = await ctx.readInput(opts.json);
        base = parseSystemJson(input.text, input.source);
      }
      const body = systemInput(fqdn, opts, base);
      const created = await (await ctx.client(cmd)).createSystem(body);
      ctx.out(`Created system ${created.fqdn ?? body.fqdn}`);
    });
}
