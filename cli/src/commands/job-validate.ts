import type { Command } from 'commander';
import type { XmlIssue } from '../../../common/src/job-xml/types.js';
import type { CommandContext } from '../context.js';
import { formatIssue, formatWarning } from '../format-error.js';

/** What job-validate needs of common's `validateJobXml`; sync or async both work. */
export type JobXmlValidator = (text: string) => JobXmlOutcome | Promise<JobXmlOutcome>;
export type JobXmlOutcome =
  { ok: true; warnings: readonly (XmlIssue | string)[] } | { ok: false; errors: readonly XmlIssue[] };

/**
 * Loaded on first use: the XML parser and schema are the heaviest part of the client and
 * no other command needs them.
 */
export async function loadJobXmlValidator(): Promise<JobXmlValidator> {
  const { validateJobXml } = await import('../../../common/src/job-xml/index.js');
  return validateJobXml;
}

export function registerJobValidate(program: Command, ctx: CommandContext): void {
  program
    .command('job-validate')
    .description('check job XML offline, with the same rules the server applies')
    .argument('<file...>', 'job XML files; "-" reads standard input')
    .action(async (files: string[]) => {
      const validate = await (ctx.deps.loadJobXmlValidator ?? loadJobXmlValidator)();
      let failed = false;
      for (const file of files) {
        if (!(await validateOne(ctx, validate, file))) failed = true;
      }
      ctx.exitCode = failed ? 1 : 0;
    });
}

async function validateOne(ctx: CommandContext, validate: JobXmlValidator, file: string): Promise<boolean> {
  const input = await ctx.readInputOrReport(file);
  if (!input) return false;
  const outcome = await validate(input.text);
  if (!outcome.ok) {
    for (const issue of outcome.errors) ctx.err(formatIssue(input.source, issue));
    return false;
  }
  for (const warning of outcome.warnings) ctx.err(formatWarning(input.source, warning));
  ctx.out(`${input.source}: valid`);
  return true;
}
