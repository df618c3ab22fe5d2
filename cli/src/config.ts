import { join } from 'node:path';
import { CliError } from './errors.js';

/** Where the server and the credentials are, after flags, environment and config file are merged. */
export interface ServerConfig {
  /** Base URL without a trailing slash; may carry a path prefix (`https://host/erlen`). */
  url: string;
  token: string;
}

export interface ConfigSources {
  env: Readonly<Record<string, string | undefined>>;
  flags: { url?: string; token?: string };
  homedir: string;
  /** Rejects with an error whose `code` is `ENOENT` when the file does not exist. */
  readFile: (path: string) => Promise<string>;
}

interface FileConfig {
  url?: string;
  token?: string;
}

/** `ERLEN_CONFIG`, else `$XDG_CONFIG_HOME/erlen/config.json`, else `~/.config/erlen/config.json`. */
export function configPath(env: ConfigSources['env'], homedir: string): { path: string; explicit: boolean } {
  const explicit = nonEmpty(env.ERLEN_CONFIG);
  if (explicit) return { path: explicit, explicit: true };
  const base = nonEmpty(env.XDG_CONFIG_HOME) ?? join(homedir, '.config');
  return { path: join(base, 'erlen', 'config.json'), explicit: false };
}

/**
 * Each setting comes from the first of: `--url`/`--token`, `ERLEN_URL`/`ERLEN_TOKEN`, the
 * config file. The file is read only when a setting is still missing, so a broken file
 * does not stand in the way of a fully specified environment.
 */
export async function loadConfig(sources: ConfigSources): Promise<ServerConfig> {
  let url = pick(sources.flags.url, '--url') ?? pick(sources.env.ERLEN_URL, 'ERLEN_URL');
  let token = pick(sources.flags.token, '--token') ?? pick(sources.env.ERLEN_TOKEN, 'ERLEN_TOKEN');
  const { path, explicit } = configPath(sources.env, sources.homedir);
  if (!url || !token) {
    const file = await readConfigFile(path, explicit, sources.readFile);
    url ??= pick(file.url, path);
    token ??= pick(file.token, path);
  }
  if (!url) {
    throw new CliError(`no server URL: set ERLEN_URL, pass --url, or put "url" in ${path}`);
  }
  if (!token) {
    throw new CliError(`no API token: set ERLEN_TOKEN, pass --token, or put "token" in ${path}`);
  }
  return { url: normalizeUrl(url.value, url.origin), token: token.value };
}

/** Parses the config file's JSON; the token's value never appears in an error message. */
export function parseConfigFile(text: string, path: string): FileConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CliError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CliError(`config file ${path} must hold a JSON object like {"url": "…", "token": "…"}`);
  }
  const record = data as Record<string, unknown>;
  const config: FileConfig = {};
  for (const key of ['url', 'token'] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new CliError(`config file ${path}: "${key}" must be a string`);
    config[key] = value;
  }
  return config;
}

/** Checks that the URL is absolute http(s) and drops the trailing slash so paths can be appended. */
export function normalizeUrl(text: string, origin: string): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new CliError(
      `invalid server URL "${text}" (from ${origin}): expected e.g. https://erlen.example.com`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`invalid server URL "${text}" (from ${origin}): only http and https are supported`);
  }
  if (parsed.search || parsed.hash) {
    throw new CliError(`invalid server URL "${text}" (from ${origin}): it must not have a query or fragment`);
  }
  return parsed.href.replace(/\/+$/, '');
}

async function readConfigFile(
  path: string,
  explicit: boolean,
  readFile: ConfigSources['readFile'],
): Promise<FileConfig> {
  let text: string;
  try {
    text = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // The default location is optional; a file named by ERLEN_CONFIG is not.
    if (code === 'ENOENT' && !explicit) return {};
    throw new CliError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  return parseConfigFile(text, path);
}

function pick(value: string | undefined, origin: string): { value: string; origin: string } | undefined {
  const text = nonEmpty(value);
  return text === undefined ? undefined : { value: text, origin };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
