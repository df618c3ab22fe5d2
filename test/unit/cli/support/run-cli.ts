/** Runs the erlen CLI in-process with captured output, a virtual file system and a fake clock. */
import type { CliDeps } from '../../../../cli/src/context.js';
import { run } from '../../../../cli/src/program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every wait job-watch asked for, in milliseconds. */
  sleeps: number[];
}

export interface CliRunOptions {
  env?: Record<string, string | undefined>;
  files?: Record<string, string>;
  stdin?: string;
  isTTY?: boolean;
  columns?: number;
  /** Called at every poll wait; lets a test press Ctrl-C (`interrupt()`) at a known point. */
  onSleep?: (count: number, interrupt: () => void) => void;
  /** Stands in for common's validateJobXml in job-validate. */
  loadJobXmlValidator?: CliDeps['loadJobXmlValidator'];
}

export const HOME = '/home/tester';

export async function runCli(argv: string[], options: CliRunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sleeps: number[] = [];
  const handlers = new Set<() => void>();
  const interrupt = (): void => handlers.forEach((handler) => handler());
  const files = options.files ?? {};
  const deps: CliDeps = {
    env: options.env ?? {},
    homedir: HOME,
    stdout: {
      write: (text) => void (stdout += text),
      isTTY: options.isTTY ?? false,
      columns: options.columns,
    },
    stderr: { write: (text) => void (stderr += text) },
    readStdin: async () => options.stdin ?? '',
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined)
        throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      options.onSleep?.(sleeps.length, interrupt);
      if (signal.aborted) throw signal.reason;
    },
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    loadJobXmlValidator: options.loadJobXmlValidator,
  };
  const code = await run(argv, deps, '1.2.3');
  return { code, stdout, stderr, sleeps };
}

/** Environment pointing the CLI at a server with a token, as most command tests need. */
export function serverEnv(url: string): Record<string, string> {
  return { ERLEN_URL: url, ERLEN_TOKEN: 'secret-token-123' };
}
