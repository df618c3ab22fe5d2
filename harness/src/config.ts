import { readFile } from 'node:fs/promises';
import { ErlenError } from '../../common/src/errors.js';

/** What the harness needs to run one recipe (docs/harness.md, "Configuration"). */
export interface HarnessConfig {
  recipeId: number;
  /** The lab controller's harness API, always ending in "/". */
  labControllerUrl: string;
  /** Beaker's task layout: task `/examples/hello` is `<taskRoot>/examples/hello`. */
  taskRoot: string;
  stateDir: string;
  /** Run by `sh -c` when a task asks for a reboot. */
  rebootCommand: string;
  /** Run by `sh -c` once every task is finished; absent means just exit. */
  poweroffCommand?: string;
}

export const DEFAULT_CONFIG_FILE = '/etc/erlen/harness.json';
const DEFAULTS = {
  taskRoot: '/mnt/tests',
  stateDir: '/var/lib/erlen-harness',
  rebootCommand: 'reboot -f',
};

/** Settings from one source, before validation: strings as written. */
type Settings = { [K in keyof HarnessConfig]?: string };

const FILE_KEYS = [
  'recipeId',
  'labControllerUrl',
  'taskRoot',
  'stateDir',
  'rebootCommand',
  'poweroffCommand',
] as const;

/**
 * The `erlen.recipe=<id>` and `erlen.lc=<url>` words of a kernel command line (what the lab
 * controller puts on a live image's boot entry). As the kernel does, double quotes group a
 * value with spaces and the last occurrence of a key wins.
 */
export function parseKernelCmdline(cmdline: string): Settings {
  const found: Settings = {};
  for (const word of cmdline.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    const equals = word.indexOf('=');
    if (equals < 0) continue;
    const key = word.slice(0, equals);
    const value = word.slice(equals + 1).replaceAll('"', '');
    if (key === 'erlen.recipe') found.recipeId = value;
    else if (key === 'erlen.lc') found.labControllerUrl = value;
  }
  return found;
}

/** A JSON config file's settings; unknown keys are refused, so a typo does not pass silently. */
export function parseConfigFile(text: string, path: string): Settings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ErlenError('CONFIG_INVALID', `${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ErlenError('CONFIG_INVALID', `${path} must hold a JSON object`);
  const found: Settings = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(FILE_KEYS as readonly string[]).includes(key))
      throw new ErlenError(
        'CONFIG_INVALID',
        `${path}: unknown key "${key}" (known: ${FILE_KEYS.join(', ')})`,
      );
    if (
      key === 'recipeId' ? typeof value !== 'number' && typeof value !== 'string' : typeof value !== 'string'
    )
      throw new ErlenError(
        'CONFIG_INVALID',
        `${path}: "${key}" must be a ${key === 'recipeId' ? 'number' : 'string'}`,
      );
    found[key as keyof Settings] = String(value);
  }
  return found;
}

export interface ConfigSources {
  /** Command-line flags (highest precedence). */
  flags: Settings;
  /** The kernel command line's text. */
  cmdline: string;
  /** The config file's text and path, when there is one. */
  file?: { text: string; path: string };
}

/**
 * Merges flags over the kernel command line over the config file over the defaults, and
 * validates the result. Every problem is named, with where the value could have come from.
 */
export function resolveConfig(sources: ConfigSources): HarnessConfig {
  const file = sources.file ? parseConfigFile(sources.file.text, sources.file.path) : {};
  const merged: Settings = {
    ...DEFAULTS,
    ...file,
    ...parseKernelCmdline(sources.cmdline),
    ...dropUnset(sources.flags),
  };
  const where = sources.file?.path ?? DEFAULT_CONFIG_FILE;
  const problems: string[] = [];

  const recipeId = Number(merged.recipeId);
  if (merged.recipeId === undefined || merged.recipeId === '')
    problems.push(`no recipe id: put erlen.recipe=<id> on the kernel command line or "recipeId" in ${where}`);
  else if (!/^\d+$/.test(merged.recipeId.trim()) || !Number.isSafeInteger(recipeId) || recipeId < 1)
    problems.push(`recipe id ${JSON.stringify(merged.recipeId)} is not a positive integer`);

  let labControllerUrl = '';
  if (merged.labControllerUrl === undefined || merged.labControllerUrl === '')
    problems.push(
      `no lab controller URL: put erlen.lc=<url> (e.g. http://lab.example.com:8000/) on the kernel command line or "labControllerUrl" in ${where}`,
    );
  else {
    const url = URL.canParse(merged.labControllerUrl) ? new URL(merged.labControllerUrl) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      problems.push(`lab controller URL ${JSON.stringify(merged.labControllerUrl)} is not an http(s) URL`);
    else labControllerUrl = url.href.replace(/\/*$/, '/');
  }
  for (const key of ['taskRoot', 'stateDir', 'rebootCommand'] as const)
    if (!merged[key]) problems.push(`${key} is empty`);

  if (problems.length > 0) throw new ErlenError('CONFIG_INVALID', problems.join('; '));
  return {
    recipeId,
    labControllerUrl,
    taskRoot: merged.taskRoot!,
    stateDir: merged.stateDir!,
    rebootCommand: merged.rebootCommand!,
    ...(merged.poweroffCommand ? { poweroffCommand: merged.poweroffCommand } : {}),
  };
}

function dropUnset(flags: Settings): Settings {
  return Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
}

/** Reads the config file: the default one may be absent, one named with --config may not. */
export async function readConfigFile(
  path: string | undefined,
): Promise<{ text: string; path: string } | undefined> {
  const chosen = path ?? DEFAULT_CONFIG_FILE;
  try {
    return { text: await readFile(chosen, 'utf8'), path: chosen };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && path === undefined) return undefined;
    throw new ErlenError('CONFIG_INVALID', `cannot read config file ${chosen}: ${(error as Error).message}`);
  }
}

/** The running kernel's command line; none (e.g. not Linux) reads as empty. */
export async function readProcCmdline(): Promise<string> {
  try {
    return await readFile('/proc/cmdline', 'utf8');
  } catch {
    return '';
  }
}
