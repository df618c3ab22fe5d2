import { spawn } from 'node:child_process';
import { access, constants, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErlenError } from '../../../common/src/errors.js';
import { repoRoot } from '../../../common/src/repo-root.js';

export type PowerMode = 'on' | 'off' | 'interrupt';

export interface PowerTarget {
  type: string;
  address: string;
  id: string;
  user: string;
  password: string;
}

export interface PowerScriptOptions {
  /** Site scripts that override the built-ins of the same name (Beaker: /etc/beaker/power-scripts). */
  siteScriptsDir?: string;
  /** One run's time limit (Beaker: 300 s). */
  timeoutMs?: number;
  /** Extra environment, e.g. ERLEN_VIRTUAL_POWER_DIR. */
  env?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 300_000;
/** Beaker reports this much of a failed script's output. */
const OUTPUT_IN_MESSAGE = 150;
const PASSWORD_MASK = '********';
const MAX_OUTPUT_CHARS = 64 * 1024;
// A power type names a file in a scripts directory: no separators, no hidden files (`.`, `..`).
const POWER_TYPE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** lab-controller/power-scripts at the repository root (the scripts are not copied into dist/). */
export function builtInPowerScriptsDir(): string {
  return join(repoRoot(), 'lab-controller', 'power-scripts');
}

/**
 * Runs the power script for the target's type once, with Beaker's environment contract
 * (power_address, power_id, power_user, power_pass, power_mode), so a lab's existing scripts
 * keep working. Exit 0 is success; anything else throws POWER_FAILED. Retries are the caller's.
 * The password is masked in the output and in every message, since both end up in logs.
 */
export async function runPowerScript(
  target: PowerTarget,
  mode: PowerMode,
  options: PowerScriptOptions = {},
): Promise<{ output: string }> {
  const mask = (text: string) => (target.password ? text.replaceAll(target.password, PASSWORD_MASK) : text);
  const fail = (why: string) =>
    new ErlenError('POWER_FAILED', mask(`power ${mode} of ${target.address} failed: ${why}`));

  const script = await findScript(target.type, options.siteScriptsDir);
  if (!script) throw fail(`no power script for power type "${target.type}"`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const run = await runOnce(script, scriptEnvironment(target, mode, options.env), timeoutMs);
  // Mask before cutting, so a password split at the cut cannot leak its first characters.
  const output = mask(run.output);
  const excerpt = output.trim().slice(0, OUTPUT_IN_MESSAGE);
  if (run.timedOut) throw fail(`timed out after ${timeoutMs} ms${excerpt ? `: ${excerpt}` : ''}`);
  if (run.error) throw fail(excerpt || run.error);
  return { output };
}

/** The state the `virtual` script keeps for a simulated system; undefined before its first on/off. */
export async function readVirtualPowerState(dir: string, address: string): Promise<'on' | 'off' | undefined> {
  if (!isVirtualAddress(address))
    throw new ErlenError('BAD_REQUEST', `bad virtual power address "${address}"`);
  let state: string;
  try {
    state = (await readFile(join(dir, address), 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return state === 'on' || state === 'off' ? state : undefined;
}

/** Mirrors the `virtual` script's check: the address names a file directly in the state directory. */
function isVirtualAddress(address: string): boolean {
  return address !== '' && !address.includes('/') && !address.startsWith('.');
}

/** Beaker's lookup: an executable site script first, then the built-in one. */
async function findScript(type: string, siteDir: string | undefined): Promise<string | undefined> {
  if (!POWER_TYPE.test(type)) return undefined;
  for (const dir of [siteDir, builtInPowerScriptsDir()]) {
    if (dir && (await isExecutableFile(join(dir, type)))) return join(dir, type);
  }
  return undefined;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Only what a script needs: the lab controller's own secrets (tokens, database URLs) stay out. */
function scriptEnvironment(
  target: PowerTarget,
  mode: PowerMode,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin',
    HOME: process.env.HOME ?? '/',
    LANG: process.env.LANG ?? 'C',
    ...extra,
    power_address: target.address,
    power_id: target.id,
    power_user: target.user,
    power_pass: target.password,
    power_mode: mode,
  };
}

interface ScriptRun {
  /** stdout and stderr in the order they arrived, as Beaker reads them from one pipe. */
  output: string;
  timedOut: boolean;
  /** Why the script failed when it did not exit 0: its exit status, signal or spawn error. */
  error?: string;
}

/**
 * spawn rather than execFile (neither uses a shell): execFile does not pass `detached` on, and
 * the script needs its own process group so that a timeout also kills what it started
 * (ipmitool, sleep). Those would otherwise hold the output pipes open and the run never ends.
 */
function runOnce(script: string, env: Record<string, string>, timeoutMs: number): Promise<ScriptRun> {
  return new Promise((resolve) => {
    const chunks: string[] = [];
    let kept = 0;
    let timedOut = false;
    let settled = false;
    const child = spawn(script, [], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: string) => {
      // Enough for any message and log; a runaway script cannot fill the lab controller's memory.
      if (kept < MAX_OUTPUT_CHARS) chunks.push(chunk.slice(0, MAX_OUTPUT_CHARS - kept));
      kept += chunk.length;
    };
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    const settle = (error: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ output: chunks.join(''), timedOut, ...(error === undefined ? {} : { error }) });
    };
    child.once('error', (error) => settle(error.message));
    child.once('close', (code, signal) =>
      settle(code === 0 ? undefined : code === null ? `killed by ${signal}` : `exit status ${code}`),
    );
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
