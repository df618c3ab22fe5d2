import { ApiError, CliError, EXIT_FAILURE } from './errors.js';

/** One problem in a job XML document, as the server's INVALID_JOB_XML details and the offline validator report it. */
export interface IssueLike {
  line?: number;
  column?: number;
  message: string;
}

/** `FILE:LINE: message`, or `FILE: message` when the line is unknown. */
export function formatIssue(source: string, issue: IssueLike, prefix = ''): string {
  const where = issue.line === undefined ? source : `${source}:${issue.line}`;
  return `${where}: ${prefix}${issue.message}`;
}

/** Warnings come back from the server as strings or as issues; both print the same way. */
export function formatWarning(source: string, warning: unknown): string {
  if (typeof warning === 'string') return `${source}: warning: ${warning}`;
  if (isIssue(warning)) return formatIssue(source, warning, 'warning: ');
  return `${source}: warning: ${JSON.stringify(warning)}`;
}

export function isIssue(value: unknown): value is IssueLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.message === 'string' &&
    (candidate.line === undefined || typeof candidate.line === 'number') &&
    (candidate.column === undefined || typeof candidate.column === 'number')
  );
}

// Hints for the failures users most often cause themselves; the server's message stays first.
const hints: Record<string, string> = {
  UNAUTHENTICATED: 'check the token (ERLEN_TOKEN, --token or the config file)',
  FORBIDDEN: 'the account behind the token may not do this',
};

/**
 * The stderr lines for an error. `source` names the job XML a request carried, so that
 * INVALID_JOB_XML issues point at `FILE:LINE`; `subject` names the item a command was
 * working on when it handles several (`erlen: RS:4: …`).
 */
export function formatError(error: unknown, source?: string, subject?: string): string[] {
  const about = subject ? `${subject}: ` : '';
  if (error instanceof ApiError) {
    const hint = hints[error.code];
    const lines = [`erlen: ${about}${error.message}${hint ? ` (${hint})` : ''}`];
    if (error.code === 'INVALID_JOB_XML' && Array.isArray(error.details)) {
      for (const issue of error.details) {
        lines.push(
          isIssue(issue)
            ? formatIssue(source ?? '<job>', issue)
            : `${source ?? '<job>'}: ${JSON.stringify(issue)}`,
        );
      }
    }
    return lines;
  }
  if (error instanceof CliError) return [`erlen: ${about}${error.message}`];
  // Anything else is a bug in erlen; say so rather than pretending it is the user's fault.
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return [`erlen: internal error: ${message}`];
}

export function exitCodeOf(error: unknown): number {
  return error instanceof CliError ? error.exitCode : EXIT_FAILURE;
}
