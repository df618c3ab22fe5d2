import type { Command } from 'commander';
import { ApiClient } from './api-client.js';
import type { JobXmlValidator } from './commands/job-validate.js';
import { loadConfig } from './config.js';
import { CliError } from './errors.js';

/** Where a command writes; `isTTY` and `columns` decide between live and plain output. */
export interface Output {
  write(text: string): void;
  isTTY?: boolean;
  columns?: number;
}

/** Everything a command touches outside its own code, so tests can run commands in-process. */
export interface CliDeps {
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  stdout: Output;
  stderr: Output;
  readStdin(): Promise<string>;
  readFile(path: string): Promise<string>;
  fetch?: typeof globalThis.fetch;
  /** Resolves after `ms`, or rejects once `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Registers a Ctrl-C handler for the duration of a wait; returns its remover. */
  onInterrupt(handler: () => void): () => void;
  /** Replaces common's job XML validator (default: loaded from common/src/job-xml on use). */
  loadJobXmlValidator?: () => Promise<JobXmlValidator>;
}

export class CommandContext {
  /** What `run` returns once the command's action has finished. */
  exitCode = 0;

  constructor(readonly deps: CliDeps) {}

  out(line: string): void {
    this.deps.stdout.write(`${line}\n`);
  }

  err(line: string): void {
    this.deps.stderr.write(`${line}\n`);
  }

  /** Builds the API client from `--url`/`--token`, the environment and the config file. */
  async client(command: Command): Promise<ApiClient> {
    const flags = command.optsWithGlobals<{ url?: string; token?: string }>();
    const config = await loadConfig({
      env: this.deps.env,
      flags: { url: flags.url, token: flags.token },
      homedir: this.deps.homedir,
      readFile: (path) => this.deps.readFile(path),
    });
    return new ApiClient({ url: config.url, token: config.token, fetch: this.deps.fetch });
  }

  /** Reads a file argument; `-` is standard input. `source` is the name used in messages. */
  async readInput(file: string): Promise<{ source: string; text: string }> {
    if (file === '-') return { source: '<stdin>', text: await this.deps.readStdin() };
    try {
      return { source: file, text: await this.deps.readFile(file) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
      throw new CliError(`cannot read ${file}: ${reason}`);
    }
  }

  /**
   * readInput for commands that take several files: an unreadable one is reported and
   * skipped (undefined), so the others still run and the command exits 1 at the end.
   */
  async readInputOrReport(file: string): Promise<{ source: string; text: string } | undefined> {
    try {
      return await this.readInput(file);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      this.err(`erlen: ${error.message}`);
      return undefined;
    }
  }
}
