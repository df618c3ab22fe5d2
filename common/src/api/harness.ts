/**
 * What a lab controller relays to the server from the harnesses of its lab (Beaker's
 * recipes.* and recipes.tasks.* hub calls behind the harness REST API), shared so the daemon
 * never imports the server's code.
 */

export const HARNESS_TASK_STATUSES = ['Running', 'Completed', 'Aborted'] as const;
export type HarnessTaskStatus = (typeof HARNESS_TASK_STATUSES)[number];

export const HARNESS_RESULTS = ['Pass', 'Warn', 'Fail', 'None', 'Skip'] as const;
export type HarnessResult = (typeof HARNESS_RESULTS)[number];

export interface TaskUpdate {
  status?: HarnessTaskStatus;
  message?: string;
  name?: string;
  version?: string;
}

export interface TaskState {
  id: number;
  name: string;
  version: string | null;
  status: string;
  result: string;
}

export interface ResultInput {
  result: HarnessResult;
  path: string;
  score?: number;
  message?: string;
}

/** A log file's place: the recipe's own logs, a task's, or a task result's. */
export interface LogOwner {
  recipeId: number;
  taskId?: number;
  resultId?: number;
}

export interface LogRegistration extends LogOwner {
  /** Sub-directory ("" for none) and file name, as uploaded. */
  path: string;
  filename: string;
  /** The lab controller's harness API base URL, where the file is served. */
  server: string;
}

export const INSTALL_EVENTS = ['start', 'done', 'postinstall_done', 'fail'] as const;
export type InstallEvent = (typeof INSTALL_EVENTS)[number];

export interface WatchdogState {
  /** Seconds until the kill time; null before the system has booted into the recipe. */
  seconds: number | null;
}
