import { ErlenError } from '../errors.js';

/** Beaker's shorthand ids ("taskspecs"): J:1 job, RS:1 recipe set, R:1 recipe, T:1 task, TR:1 result. */
export const TASKSPEC_KINDS = ['J', 'RS', 'R', 'T', 'TR'] as const;
export type TaskspecKind = (typeof TASKSPEC_KINDS)[number];
export interface Taskspec {
  kind: TaskspecKind;
  id: number;
}

export function formatTaskspec(kind: TaskspecKind, id: number | bigint): string {
  return `${kind}:${id}`;
}

export function parseTaskspec(text: string, allowed: readonly TaskspecKind[] = TASKSPEC_KINDS): Taskspec {
  const match = /^(J|RS|R|T|TR):([1-9][0-9]{0,15})$/.exec(text.trim());
  if (!match) {
    throw new ErlenError(
      'INVALID_TASKSPEC',
      `"${text}" is not a taskspec; expected e.g. J:12, RS:3, R:7, T:9 or TR:4`,
    );
  }
  const kind = match[1] as TaskspecKind;
  if (!allowed.includes(kind)) {
    throw new ErlenError(
      'INVALID_TASKSPEC',
      `"${text}" is a ${kind}: taskspec; expected one of ${allowed.join(', ')}`,
    );
  }
  return { kind, id: Number(match[2]) };
}
