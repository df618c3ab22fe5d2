import type { PlannedTask } from './recipe.js';

/** The task library's default expected time, as the server assumes when a task has none. */
export const DEFAULT_TASK_SECONDS = 1200;
/**
 * The recipe watchdog is set this far past the local limit, so the harness's own kill and
 * its Warn result come first, with time left to upload logs and say Completed.
 */
export const WATCHDOG_MARGIN_SECONDS = 10 * 60;

/** The local time limit: KILLTIMEOVERRIDE when given (restraint), else avg_time, else the default. */
export function taskTimeLimit(task: PlannedTask): number {
  const override = task.params.find((param) => param.name === 'KILLTIMEOVERRIDE');
  const seconds = Number(override?.value.trim());
  if (override && /^\d+$/.test(override.value.trim()) && seconds > 0) return seconds;
  return task.avgTime ?? DEFAULT_TASK_SECONDS;
}
