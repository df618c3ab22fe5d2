/** Exit codes of every erlen command (documented in docs/cli.md). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, what a shell reports for a program killed by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** A failure the CLI reports as `erlen: <message>` with exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad arguments or options: exit code 2, like commander's own parse errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}

/** A non-2xx answer from the server, carrying its `{ code, message, details }` body. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message, EXIT_FAILURE);
    this.name = 'ApiError';
  }
}

/** The user pressed Ctrl-C while a command was waiting. */
export class InterruptedError extends CliError {
  constructor() {
    super('interrupted', EXIT_INTERRUPTED);
    this.name = 'InterruptedError';
  }
}
