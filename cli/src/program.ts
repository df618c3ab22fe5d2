import { Command, CommanderError } from 'commander';
import { registerDistroTreesImport } from './commands/distro-trees-import.js';
import { registerJobCancel } from './commands/job-cancel.js';
import { registerJobClone } from './commands/job-clone.js';
import { registerJobList } from './commands/job-list.js';
import { registerJobLogs } from './commands/job-logs.js';
import { registerJobExplain } from './commands/job-explain.js';
import { registerJobModify } from './commands/job-modify.js';
import { registerJobResults } from './commands/job-results.js';
import { registerJobSubmit } from './commands/job-submit.js';
import { registerJobValidate } from './commands/job-validate.js';
import { registerJobWatch } from './commands/job-watch.js';
import { registerLabController } from './commands/labcontroller.js';
import { registerSystemCreate } from './commands/system-create.js';
import { registerSystemList } from './commands/system-list.js';
import { registerSystemPower } from './commands/system-power.js';
import { registerWhoami } from './commands/whoami.js';
import { CommandContext, type CliDeps } from './context.js';
import { EXIT_OK, EXIT_USAGE } from './errors.js';
import { exitCodeOf, formatError } from './format-error.js';

export function buildProgram(ctx: CommandContext, version = '0.0.0'): Command {
  const program = new Command('erlen');
  // Set before the subcommands exist: commander copies these settings into each of them.
  program
    .description('command-line client for the Erlen test-lab scheduler (bkr-compatible subcommands)')
    .version(version)
    .option('--url <url>', 'server URL (default: ERLEN_URL or the config file)')
    .option('--token <token>', 'API token (default: ERLEN_TOKEN or the config file)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.deps.stdout.write(text),
      writeErr: (text) => ctx.deps.stderr.write(text),
      // Commander says "error: …"; every erlen message starts "erlen: ".
      outputError: (text, write) => write(text.replace(/^error: /, 'erlen: ')),
    })
    .showHelpAfterError('(run "erlen help <command>" for usage)');

  registerJobValidate(program, ctx);
  registerJobSubmit(program, ctx);
  registerJobList(program, ctx);
  registerJobResults(program, ctx);
  registerJobLogs(program, ctx);
  registerJobCancel(program, ctx);
  registerJobClone(program, ctx);
  registerJobModify(program, ctx);
  registerJobExplain(program, ctx);
  registerJobWatch(program, ctx);
  registerLabController(program, ctx);
  registerSystemCreate(program, ctx);
  registerSystemList(program, ctx);
  registerSystemPower(program, ctx);
  registerDistroTreesImport(program, ctx);
  registerWhoami(program, ctx);
  return program;
}

/** Runs one erlen invocation (`argv` without node and script) and returns its exit code. */
export async function run(argv: readonly string[], deps: CliDeps, version?: string): Promise<number> {
  const ctx = new CommandContext(deps);
  const program = buildProgram(ctx, version);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    for (const line of formatError(error)) ctx.err(line);
    return exitCodeOf(error);
  }
}

/** Commander has already printed its message; help and version are successes, the rest usage errors. */
function commanderExitCode(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
  return EXIT_USAGE;
}
