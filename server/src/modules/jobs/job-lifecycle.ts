import { ErlenError } from '../../../../common/src/errors.js';
import {
  STATUSES,
  canTransition,
  countTasks,
  isFinished,
  rollUpResult,
  rollUpStatus,
  type Result,
  type Status,
  type TaskCounters,
} from '../../../../common/src/domain/status.js';
import { formatTaskspec } from '../../../../common/src/domain/taskspec.js';
import { firstInvalidXmlChar } from '../../../../common/src/job-xml/index.js';
import { LONG_TRANSACTION, type Db, type Prisma } from '../../db/prisma.js';
import type { SchedulerEvents } from '../../events/scheduler-events.js';

type Tx = Prisma.TransactionClient;
const FINISHED = STATUSES.filter(isFinished);

export type StopKind = 'cancel' | 'abort';
export type StopTarget = { jobId: number } | { recipeSetId: number } | { recipeId: number };

export interface LifecycleOptions {
  now?: Date;
  /** Told about systems a finished recipe set released, after the commit, so the scheduler reuses them at once. */
  events?: SchedulerEvents;
  /**
   * stop() only: do nothing unless every targeted recipe is still Queued (checked under the
   * job lock). The scheduler aborts hopeless sets this way, so a set another scheduler has
   * placed meanwhile is left alone.
   */
  onlyIfQueued?: boolean;
}

/**
 * Cancel (user) or abort (system) everything unfinished under a job, recipe set or recipe.
 * As in Beaker, every unfinished task gets a Warn result at path "/" carrying the reason,
 * then statuses roll up and finished recipe sets release their systems.
 */
export async function stop(
  db: Db,
  target: StopTarget,
  kind: StopKind,
  message: string,
  options: LifecycleOptions = {},
): Promise<number> {
  const now = options.now ?? new Date();
  assertStorableText(message, 'message');
  return withJobLocked(db, target, options, async (tx, jobId, released) => {
    const recipeFilter: Prisma.RecipeWhereInput =
      'jobId' in target
        ? { recipeSet: { jobId } }
        : 'recipeSetId' in target
          ? { recipeSetId: target.recipeSetId }
          : { OR: [{ id: target.recipeId }, { hostRecipeId: target.recipeId }] };
    if (
      options.onlyIfQueued &&
      (await tx.recipe.count({ where: { ...recipeFilter, status: { not: 'Queued' } } }))
    )
      return jobId;
    const status: Status = kind === 'cancel' ? 'Cancelled' : 'Aborted';
    const reason = message || (kind === 'cancel' ? 'Cancelled' : 'Aborted');
    const tasks = await tx.recipeTask.findMany({
      where: { recipe: recipeFilter, status: { notIn: FINISHED } },
      include: { results: { select: { result: true } } },
    });
    if (tasks.length) {
      await tx.recipeTaskResult.createMany({
        data: tasks.map((task) => ({
          recipeTaskId: task.id,
          path: '/',
          result: 'Warn' as const,
          score: 0,
          message: reason,
          startTime: now,
        })),
      });
    }
    // Set-based: tasks are grouped by their final result (Warn, or worse if they already
    // had a worse row), so a job with thousands of tasks costs a handful of statements.
    const byResult = new Map<Result, number[]>();
    for (const task of tasks) {
      const result = rollUpResult([...task.results.map((r) => r.result), 'Warn']);
      byResult.set(result, [...(byResult.get(result) ?? []), task.id]);
    }
    for (const [result, ids] of byResult) {
      await tx.recipeTask.updateMany({
        where: { id: { in: ids } },
        data: { status, result, finishTime: now },
      });
    }
    released.push(...(await rollUpJob(tx, jobId, now)));
    return jobId;
  });
}

/** Harness-driven task transitions (Running, Completed, Aborted …), refusing Beaker's forbidden moves. */
export async function changeTaskStatus(
  db: Db,
  taskId: number,
  to: Status,
  options: LifecycleOptions = {},
): Promise<void> {
  const now = options.now ?? new Date();
  await withJobLocked(db, { taskId }, options, async (tx, jobId, released) => {
    const task = await tx.recipeTask.findUnique({
      where: { id: taskId },
      include: { results: { select: { result: true } } },
    });
    if (!task) throw new ErlenError('NOT_FOUND', `no task ${formatTaskspec('T', taskId)}`);
    if (!canTransition(task.status, to)) {
      throw new ErlenError(
        'INVALID_TRANSITION',
        `${formatTaskspec('T', taskId)} is ${task.status}; it cannot become ${to}`,
      );
    }
    const data: Prisma.RecipeTaskUpdateManyMutationInput = { status: to };
    if (to === 'Running' && !task.startTime) data.startTime = now;
    if (isFinished(to)) {
      data.finishTime = now;
      data.result = rollUpResult(task.results.map((r) => r.result));
    }
    await tx.recipeTask.updateMany({ where: { id: taskId, status: task.status }, data });
    released.push(...(await rollUpJob(tx, jobId, now)));
  });
}

export interface ResultInput {
  result: Exclude<Result, 'New'>;
  path: string;
  score?: number;
  message?: string;
}

/** Records one result row; a finished task takes no more (409, as Beaker's lab controller answers). */
export async function recordTaskResult(
  db: Db,
  taskId: number,
  input: ResultInput,
  now = new Date(),
): Promise<number> {
  assertStorableText(input.message ?? '', 'message');
  assertStorableText(input.path, 'path');
  // Under the job lock, so a result cannot slip in after a concurrent cancel finished the task.
  return withJobLocked(db, { taskId }, {}, async (tx) => {
    const task = await tx.recipeTask.findUniqueOrThrow({ where: { id: taskId }, select: { status: true } });
    if (isFinished(task.status)) {
      throw new ErlenError(
        'INVALID_TRANSITION',
        `${formatTaskspec('T', taskId)} is ${task.status}; it takes no more results`,
      );
    }
    const row = await tx.recipeTaskResult.create({
      data: {
        recipeTaskId: taskId,
        result: input.result,
        path: input.path,
        score: input.score ?? null,
        message: input.message ?? '',
        startTime: now,
      },
    });
    return row.id;
  });
}

/**
 * Recomputes statuses, results and counters task → recipe → recipe set → job. The caller
 * holds the job's row lock, so concurrent updates of one job serialise here. Returns the
 * systems released by recipe sets that finished.
 */
export async function rollUpJob(tx: Tx, jobId: number, now = new Date()): Promise<number[]> {
  const released: number[] = [];
  const job = await tx.job.findUniqueOrThrow({
    where: { id: jobId },
    include: {
      recipeSets: {
        include: { recipes: { include: { tasks: { select: { status: true, result: true } } } } },
      },
    },
  });
  const setStates = [];
  for (const set of job.recipeSets) {
    const recipeStates = [];
    for (const recipe of set.recipes) {
      const state = {
        status: rollUpStatus(recipe.tasks.map((t) => t.status)),
        result: rollUpResult(recipe.tasks.map((t) => t.result)),
        ...countTasks(recipe.tasks),
      };
      recipeStates.push(state);
      if (changed(recipe, state)) {
        await tx.recipe.update({
          where: { id: recipe.id },
          data: {
            ...state,
            finishTime: isFinished(state.status) && !recipe.finishTime ? now : recipe.finishTime,
          },
        });
      }
    }
    const setState = {
      status: rollUpStatus(recipeStates.map((r) => r.status)),
      result: rollUpResult(recipeStates.map((r) => r.result)),
      ...sumCounters(recipeStates),
    };
    setStates.push(setState);
    if (changed(set, setState)) {
      await tx.recipeSet.update({ where: { id: set.id }, data: setState });
      if (isFinished(setState.status)) released.push(...(await releaseRecipeSet(tx, set.id, now)));
    }
  }
  const jobState = {
    status: rollUpStatus(setStates.map((s) => s.status)),
    result: rollUpResult(setStates.map((s) => s.result)),
    ...sumCounters(setStates),
  };
  if (changed(job, jobState)) {
    await tx.job.update({
      where: { id: jobId },
      data: { ...jobState, finishedAt: isFinished(jobState.status) ? (job.finishedAt ?? now) : null },
    });
  }
  return released;
}

/**
 * When a whole recipe set has finished, its systems go back: the reservation closes, the
 * system is free again, and the lab controller is told to clear netboot and power off
 * (the default release action).
 */
async function releaseRecipeSet(tx: Tx, recipeSetId: number, now: Date): Promise<number[]> {
  const resources = await tx.recipeResource.findMany({
    where: { recipe: { recipeSetId }, releasedAt: null },
    include: { system: true },
  });
  const released: number[] = [];
  for (const resource of resources) {
    await tx.recipeResource.update({ where: { id: resource.id }, data: { releasedAt: now } });
    await tx.watchdog.deleteMany({ where: { recipeId: resource.recipeId } });
    const system = resource.system;
    if (!system || resource.type !== 'system') continue;
    if (resource.reservationId) {
      await tx.reservation.updateMany({
        where: { id: resource.reservationId, finishTime: null },
        data: { finishTime: now },
      });
    }
    await tx.system.updateMany({ where: { id: system.id, userId: { not: null } }, data: { userId: null } });
    // Appended after the system is free in this transaction, so the history's order (ids
    // are taken at insert) puts a release before any later assignment of the system.
    await tx.$executeRaw`INSERT INTO assignment_event (kind, recipe_id, recipe_set_id, system_id, txid, actor, at)
      VALUES ('release', ${resource.recipeId}, ${recipeSetId}, ${system.id}, txid_current(), 'release', ${now})`;
    released.push(system.id);
    if (system.labControllerId) {
      const actions =
        system.releaseAction === 'LeaveOn'
          ? (['clear_netboot'] as const)
          : (['clear_netboot', 'off'] as const);
      await tx.command.createMany({
        data: actions.map((action) => ({
          systemId: system.id,
          labControllerId: system.labControllerId!,
          service: 'Scheduler',
          action,
          queueTime: now,
        })),
      });
    }
  }
  return released;
}

async function jobIdOf(tx: Tx, target: StopTarget | { taskId: number }): Promise<number> {
  let jobId: number | undefined;
  if ('jobId' in target) {
    jobId = (await tx.job.findUnique({ where: { id: target.jobId }, select: { id: true } }))?.id;
  } else if ('recipeSetId' in target) {
    jobId = (await tx.recipeSet.findUnique({ where: { id: target.recipeSetId }, select: { jobId: true } }))
      ?.jobId;
  } else if ('recipeId' in target) {
    const recipe = await tx.recipe.findUnique({
      where: { id: target.recipeId },
      select: { recipeSet: { select: { jobId: true } } },
    });
    jobId = recipe?.recipeSet.jobId;
  } else {
    const task = await tx.recipeTask.findUnique({
      where: { id: target.taskId },
      select: { recipe: { select: { recipeSet: { select: { jobId: true } } } } },
    });
    jobId = task?.recipe.recipeSet.jobId;
  }
  if (jobId === undefined) throw new ErlenError('NOT_FOUND', `no such ${describe(target)}`);
  return jobId;
}

const describe = (target: StopTarget | { taskId: number }): string =>
  'jobId' in target
    ? formatTaskspec('J', target.jobId)
    : 'recipeSetId' in target
      ? formatTaskspec('RS', target.recipeSetId)
      : 'recipeId' in target
        ? formatTaskspec('R', target.recipeId)
        : formatTaskspec('T', target.taskId);

/**
 * Every change below a job runs in one transaction holding the job row's lock, so
 * concurrent changes of one job (cancel, task transitions, results, roll-up) serialise.
 */
async function withJobLocked<T>(
  db: Db,
  target: StopTarget | { taskId: number },
  options: LifecycleOptions,
  work: (tx: Tx, jobId: number, released: number[]) => Promise<T>,
): Promise<T> {
  const released: number[] = [];
  const result = await db.$transaction(async (tx) => {
    const jobId = await jobIdOf(tx, target);
    await tx.$queryRaw`SELECT id FROM job WHERE id = ${jobId} FOR UPDATE`;
    return work(tx, jobId, released);
  }, LONG_TRANSACTION);
  if (released.length) await options.events?.systemsReleased(released);
  return result;
}

/** Text that ends up in exported XML must be representable there (NUL would also fail in PostgreSQL). */
function assertStorableText(value: string, what: string): void {
  const bad = firstInvalidXmlChar(value);
  if (bad) throw new ErlenError('BAD_REQUEST', `${what} contains ${bad}, a character XML cannot carry`);
}

type Rolled = TaskCounters & { status: Status; result: Result };

function changed(current: Rolled, next: Rolled): boolean {
  return (Object.keys(next) as (keyof Rolled)[]).some((key) => current[key] !== next[key]);
}

function sumCounters(children: readonly TaskCounters[]): TaskCounters {
  const total: TaskCounters = { ttasks: 0, ntasks: 0, ptasks: 0, wtasks: 0, ftasks: 0, ktasks: 0 };
  for (const child of children)
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += child[key];
  return total;
}
