import { readFileSync } from 'node:fs';
import { Type, type Static, type TObject, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { ErlenError } from './errors.js';

/** pino's levels, as every Erlen process accepts them. */
export const LogLevel = Type.Union([
  Type.Literal('fatal'),
  Type.Literal('error'),
  Type.Literal('warn'),
  Type.Literal('info'),
  Type.Literal('debug'),
  Type.Literal('trace'),
  Type.Literal('silent'),
]);

export interface ConfigSource<T extends TObject> {
  schema: T;
  /** Setting → environment variable; every setting can come from the environment. */
  envNames: Record<keyof Static<T> & string, string>;
  defaults: Partial<Static<T>>;
  env: NodeJS.ProcessEnv;
  /** A JSON file whose settings the environment overrides. */
  file?: string;
  /** Set by code (tests, composition roots); they win over everything. */
  overrides?: Partial<Static<T>>;
  /** Derives settings from others once everything is merged (e.g. a URL from host and port). */
  complete?: (merged: Record<string, unknown>) => void;
}

/**
 * Merges defaults, the config file, the environment and overrides, then validates the result
 * once, so a typo fails loudly at start rather than at first use. Environment values are text;
 * those of numeric settings become numbers (and fail validation if they are not numbers).
 */
export function loadConfig<T extends TObject>(source: ConfigSource<T>): Static<T> {
  const fromFile = source.file ? readConfigFile(source.file) : {};
  const fromEnv: Record<string, unknown> = {};
  const properties = source.schema.properties as Record<string, TSchema & { type?: string }>;
  for (const [key, name] of Object.entries<string>(source.envNames)) {
    const value = source.env[name];
    if (value === undefined || value === '') continue;
    const type = properties[key]?.type;
    fromEnv[key] = type === 'integer' || type === 'number' ? Number(value) : value;
  }
  const merged: Record<string, unknown> = {
    ...source.defaults,
    ...fromFile,
    ...fromEnv,
    ...source.overrides,
  };
  source.complete?.(merged);
  return validateConfig(source.schema, merged, source.envNames);
}

export function readConfigFile(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ErlenError('CONFIG_INVALID', `cannot read config file ${path}: ${(error as Error).message}`);
  }
}

/**
 * Checks a merged configuration against its schema; every problem names the setting and its
 * environment variable.
 */
export function validateConfig<T extends TSchema>(
  schema: T,
  value: Record<string, unknown>,
  names: Record<string, string>,
): Static<T> {
  if (Value.Check(schema, value)) return value as Static<T>;
  const problems = [...Value.Errors(schema, value)].map((error) => {
    const key =
      error.instancePath.replace(/^\//, '') ||
      String((error.params as { requiredProperties?: string[] })?.requiredProperties?.[0] ?? '');
    const name = names[key] ? `${key} (${names[key]})` : key;
    return `${name}: ${error.message}`;
  });
  throw new ErlenError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`);
}
