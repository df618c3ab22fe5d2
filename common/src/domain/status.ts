/**
 * Beaker's status and result vocabulary with its severities (reference/beaker.md §2).
 * Statuses roll up by minimum severity (active states dominate), results by maximum.
 */
export const STATUSES = [
  'New',
  'Processed',
  'Queued',
  'Scheduled',
  'Waiting',
  'Installing',
  'Running',
  'Reserved',
  'Completed',
  'Cancelled',
  'Aborted',
] as const;
export type Status = (typeof STATUSES)[number];

const statusInfo: Record<Status, { severity: number; finished: boolean; queued: boolean }> = {
  New: { severity: 10, finished: false, queued: true },
  Processed: { severity: 20, finished: false, queued: true },
  Queued: { severity: 30, finished: false, queued: true },
  Scheduled: { severity: 40, finished: false, queued: true },
  Waiting: { severity: 7, finished: false, queued: false },
  Installing: { severity: 6, finished: false, queued: false },
  Running: { severity: 5, finished: false, queued: false },
  Reserved: { severity: 45, finished: false, queued: false },
  Completed: { severity: 70, finished: true, queued: false },
  Cancelled: { severity: 60, finished: true, queued: false },
  Aborted: { severity: 50, finished: true, queued: false },
};

export const RESULTS = ['New', 'None', 'Skip', 'Pass', 'Warn', 'Fail', 'Panic'] as const;
export type Result = (typeof RESULTS)[number];

const resultSeverity: Record<Result, number> = {
  New: 10,
  None: 15,
  Skip: 16,
  Pass: 20,
  Warn: 30,
  Fail: 40,
  Panic: 50,
};

export const isStatus = (value: string): value is Status => (STATUSES as readonly string[]).includes(value);
export const isResult = (value: string): value is Result => (RESULTS as readonly string[]).includes(value);
export const isFinished = (status: Status): boolean => statusInfo[status].finished;
export const isQueued = (status: Status): boolean => statusInfo[status].queued;
export const statusSeverity = (status: Status): number => statusInfo[status].severity;

/** Roll-up of children's statuses; an empty list counts as New. */
export function rollUpStatus(children: readonly Status[]): Status {
  let best: Status = 'New';
  let bestSeverity = Infinity;
  for (const status of children) {
    if (statusInfo[status].severity < bestSeverity) {
      best = status;
      bestSeverity = statusInfo[status].severity;
    }
  }
  return best;
}

/** Roll-up of children's results; an empty list counts as New. */
export function rollUpResult(children: readonly Result[]): Result {
  let worst: Result = 'New';
  for (const result of children) if (resultSeverity[result] > resultSeverity[worst]) worst = result;
  return worst;
}

/**
 * Beaker's guard rails: nothing leaves a finished state, and nothing goes back into a
 * queued state once it has left them. Moving to the same status is not a transition.
 */
export function canTransition(from: Status, to: Status): boolean {
  if (from === to) return false;
  if (isFinished(from)) return false;
  if (isQueued(to) && !isQueued(from)) return false;
  if (isQueued(to) && isQueued(from)) return statusSeverity(to) > statusSeverity(from);
  return true;
}

/** The per-job counters Beaker keeps: finished tasks by result, and the total. */
export interface TaskCounters {
  ttasks: number;
  ntasks: number;
  ptasks: number;
  wtasks: number;
  ftasks: number;
  ktasks: number;
}

export function countTasks(tasks: readonly { status: Status; result: Result }[]): TaskCounters {
  const counters: TaskCounters = {
    ttasks: tasks.length,
    ntasks: 0,
    ptasks: 0,
    wtasks: 0,
    ftasks: 0,
    ktasks: 0,
  };
  for (const task of tasks) {
    if (!isFinished(task.status)) continue;
    if (task.result === 'Pass') counters.ptasks++;
    else if (task.result === 'Warn') counters.wtasks++;
    else if (task.result === 'Fail') counters.ftasks++;
    else if (task.result === 'Panic') counters.ktasks++;
    else counters.ntasks++;
  }
  return counters;
}

export const PRIORITIES = ['Low', 'Medium', 'Normal', 'High', 'Urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const isPriority = (value: string): value is Priority =>
  (PRIORITIES as readonly string[]).includes(value);
export const priorityRank = (priority: Priority): number => PRIORITIES.indexOf(priority);
