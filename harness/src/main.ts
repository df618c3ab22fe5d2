/**
 * erlen-harness: runs a recipe's tasks on a booted test system (docs/harness.md). Shipped as
 * one file (dist/harness/erlen-harness.mjs) that needs nothing but Node; the helper commands
 * tasks call (rstrnt-report-result …) are wrappers that run this same file.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isErlenError } from '../../common/src/errors.js';
import { readConfigFile, readProcCmdline, resolveConfig, type HarnessConfig } from './config.js';
import { HELPER_COMMANDS, installHelpers, type HelperCommand } from './helper-context.js';
import { HELPERS } from './helper-commands.js';
import { LabControllerClient } from './lab-client.js';
import { runRecipe } from './run-recipe.js';
import { say } from './say.js';
import { StateStore } from './state.js';

const UPLOAD_INTERVAL_MS = 1000;

const USAGE = `usage: erlen-harness [--cmdline TEXT] [--config FILE] [--task-root DIR] [--state-dir DIR]
                     [--reboot-command CMD] [--poweroff-command CMD]
       erlen-harness <helper command> [ARGS…]   (${HELPER_COMMANDS.join(', ')})`;

async function loadConfig(args: string[]): Promise<HarnessConfig> {
  const { values } = parseArgs({
    args,
    options: {
      cmdline: { type: 'string' },
      config: { type: 'string' },
      'task-root': { type: 'string' },
      'state-dir': { type: 'string' },
      'reboot-command': { type: 'string' },
      'poweroff-command': { type: 'string' },
    },
  });
  return resolveConfig({
    cmdline: values.cmdline ?? (await readProcCmdline()),
    file: await readConfigFile(values.config),
    flags: {
      taskRoot: values['task-root'],
      stateDir: values['state-dir'],
      rebootCommand: values['reboot-command'],
      poweroffCommand: values['poweroff-command'],
    },
  });
}

async function runHarness(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = await loadConfig(args);
  const store = new StateStore(config.stateDir);
  await installHelpers(config, process.execPath, fileURLToPath(import.meta.url));
  say(
    `recipe ${config.recipeId} from ${config.labControllerUrl}; tasks in ${config.taskRoot}, state in ${config.stateDir}`,
  );
  const client = new LabControllerClient(config.labControllerUrl, config.recipeId);
  await runRecipe({ config, client, store, uploadIntervalMs: UPLOAD_INTERVAL_MS, env: process.env });
  if (config.poweroffCommand) {
    say(`powering off: ${config.poweroffCommand}`);
    await new Promise((resolve) =>
      spawn('sh', ['-c', config.poweroffCommand!], { stdio: 'inherit' }).once('close', resolve),
    );
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command && (HELPER_COMMANDS as readonly string[]).includes(command))
    return HELPERS[command as HelperCommand](rest, process.env);
  return runHarness(argv);
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      say(`${(error as Error).message}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    say(isErlenError(error) ? `${error.message} [${error.code}]` : String((error as Error).stack ?? error));
    // 2 for a usage or configuration mistake, as getopt-style tools exit.
    process.exitCode =
      isErlenError(error) && (error.code === 'CONFIG_INVALID' || error.code === 'USAGE') ? 2 : 1;
  },
);
