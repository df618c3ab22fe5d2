/** Parsers for option and argument values; each rejects bad input as a usage error (exit 2). */
import { InvalidArgumentError } from 'commander';
import { parseTaskspec, type Taskspec, type TaskspecKind } from '../../common/src/domain/taskspec.js';
import { UsageError } from './errors.js';

/** For repeatable options: `--arch x86_64 --arch aarch64`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function positiveInteger(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value.trim())) throw new InvalidArgumentError('expected a positive whole number');
  return Number(value);
}

export function nonNegativeInteger(value: string): number {
  if (!/^[0-9]+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** Seconds, fractions allowed (tests and impatient users poll faster than once a second). */
export function seconds(value: string): number {
  const number = Number(value);
  if (!value.trim() || !Number.isFinite(number) || number <= 0) {
    throw new InvalidArgumentError('expected a number of seconds greater than 0');
  }
  return number;
}

/** Parses a taskspec argument, refusing kinds the command cannot act on. */
export function taskspecArgument(text: string, allowed: readonly TaskspecKind[]): Taskspec {
  try {
    return parseTaskspec(text, allowed);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Matches `value` case-insensitively against `allowed` and returns the canonical spelling. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  const match = allowed.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase());
  if (match === undefined)
    throw new UsageError(`unknown ${what} "${value}"; expected one of ${allowed.join(', ')}`);
  return match;
}
