import { ErlenError } from '../../../../common/src/errors.js';
import {
  PRIORITIES,
  isPriority,
  priorityRank,
  type Priority,
  type Status,
} from '../../../../common/src/domain/status.js';
import { formatTaskspec } from '../../../../common/src/domain/taskspec.js';
import type { Db, Prisma } from '../../db/prisma.js';
import { hasPermission, type Actor } from '../../security/actor.js';
import { canAdministerJob } from './job-queries.js';

type Tx = Prisma.TransactionClient;

/**
 * Statuses in which a recipe set's priority may still change. Beaker documents "only while
 * the recipe set is still queued" (Server/bkr/server/recipesets.py, PATCH /recipesets/<id>
 * docstring; bkr job-modify's --priority help) and its job page offers the change only in
 * New, Processed and Queued (Server/assets/jst/recipeset-priority.html). Beaker's server does
 * not enforce it (`_update_recipeset` has no status check); Erlen does, with 409: once a set
 * has systems (Scheduled and later) or has finished, its priority orders nothing any more,
 * and rewriting it would only falsify the record.
 */
export const PRIORITY_CHANGEABLE: readonly Status[] = ['New', 'Processed', 'Queued'];
const CHANGEABLE_TEXT = 'New, Processed or Queued';

/** One recipe set after a priority change request. */
export interface RecipeSetPriority {
  id: string;
  job: string;
  priority: Priority;
  previousPriority: Priority;
  status: Status;
  /** False when the set already had the priority, or (job-wide changes) can no longer change. */
  changed: boolean;
}

export interface PriorityChange {
  recipeSets: RecipeSetPriority[];
  /** Every recipe of the sets whose priority changed, for the scheduler to re-read. */
  changedRecipeIds: number[];
}

export type PriorityTarget = { recipeSetId: number } | { jobId: number };

/** Exact names, as Beaker's `TaskPriority.from_string` (bkr's client title-cases them first). */
export function parsePriority(value: string): Priority {
  if (!isPriority(value)) {
    throw new ErlenError('BAD_REQUEST', `unknown priority "${value}"; one of ${PRIORITIES.join(', ')}`);
  }
  return value;
}

/**
 * Who may change a job's priorities at all: its administrators (owner, submitter, members of
 * its group, admins) and holders of `change_prio` (Beaker's `Job.can_change_priority`).
 */
export function mayChangePriority(
  actor: Actor,
  job: { ownerId: number; submitterId: number; groupId: number | null },
): boolean {
  return canAdministerJob(actor, job) || hasPermission(actor, 'change_prio');
}

/**
 * The priorities `actor` may give a set that now has `current` (Beaker's
 * `RecipeSet.allowed_priorities`): any for admins and `change_prio`, otherwise only the same
 * or lower, "to prevent unfair queue jumping".
 */
export function allowedPriorities(actor: Actor, current: Priority): Priority[] {
  if (hasPermission(actor, 'change_prio')) return [...PRIORITIES];
  return PRIORITIES.filter((p) => priorityRank(p) <= priorityRank(current));
}

/**
 * Sets the priority of one recipe set, or of every recipe set of a job that can still change
 * (Beaker's `PATCH /recipesets/<id>` and `PATCH /recipesets/by-taskspec/J:<id>`, both
 * `_update_recipeset` in Server/bkr/server/recipesets.py). All or nothing: if one set of a
 * job may not take the priority, none changes (Beaker raises, and its request handler rolls
 * the transaction back). Job-wide, sets past Queued are skipped rather than changed (Beaker
 * changes them all, having no status check) and 409 comes only when none could change.
 * A change is recorded as Activity (service HTTP, action Changed, field Priority), as
 * Beaker's `record_activity` in `_update_recipeset` does.
 */
export async function changePriority(
  db: Db,
  actor: Actor,
  target: PriorityTarget,
  value: string,
): Promise<PriorityChange> {
  const priority = parsePriority(value);
  return db.$transaction(async (tx) => {
    const jobId = await lockJobOf(tx, target);
    const job = await tx.job.findUniqueOrThrow({
      where: { id: jobId },
      select: {
        id: true,
        ownerId: true,
        submitterId: true,
        groupId: true,
        recipeSets: { orderBy: { position: 'asc' }, select: { id: true, priority: true, status: true } },
      },
    });
    const jobName = formatTaskspec('J', job.id);
    const sets =
      'recipeSetId' in target ? job.recipeSets.filter((s) => s.id === target.recipeSetId) : job.recipeSets;
    const what =
      'recipeSetId' in target ? formatTaskspec('RS', target.recipeSetId) : `the recipe sets of ${jobName}`;

    // Asked first, even when nothing would change: whether the caller may do this should not
    // depend on the current value (Beaker answers such a no-op with 200 for anyone).
    if (!mayChangePriority(actor, job)) {
      throw new ErlenError(
        'FORBIDDEN',
        `you may not change the priority of ${what}: only the job's owner, submitter, members of its group, admins and holders of the change_prio permission may`,
      );
    }

    const differing = sets.filter((s) => s.priority !== priority);
    const changeable = differing.filter((s) => PRIORITY_CHANGEABLE.includes(s.status));
    if (differing.length > 0 && changeable.length === 0) {
      const states = differing.map((s) => `${formatTaskspec('RS', s.id)} is ${s.status}`).join(', ');
      throw new ErlenError(
        'CONFLICT',
        `cannot change the priority of ${what}: ${states}; a priority can only change while the recipe set is ${CHANGEABLE_TEXT}`,
      );
    }
    for (const set of changeable) {
      const allowed = allowedPriorities(actor, set.priority);
      if (!allowed.includes(priority)) {
        throw new ErlenError(
          'FORBIDDEN',
          `cannot raise the priority of ${formatTaskspec('RS', set.id)} from ${set.priority} to ${priority}: only admins and holders of the change_prio permission may raise a priority; you may set ${allowed.join(', ')}`,
        );
      }
    }

    const ids = changeable.map((s) => s.id);
    let changedRecipeIds: number[] = [];
    if (ids.length > 0) {
      // Conditional, so a set whose status moved on without the job lock is not changed after all.
      const { count } = await tx.recipeSet.updateMany({
        where: { id: { in: ids }, status: { in: [...PRIORITY_CHANGEABLE] } },
        data: { priority },
      });
      if (count !== ids.length) {
        throw new ErlenError('CONFLICT', `${what} changed status meanwhile; nothing was changed, try again`);
      }
      await tx.activity.createMany({
        data: changeable.map((set) => ({
          objectType: 'recipe_set' as const,
          objectId: set.id,
          userId: actor.userId,
          service: 'HTTP',
          action: 'Changed',
          fieldName: 'Priority',
          oldValue: set.priority,
          newValue: priority,
        })),
      });
      const recipes = await tx.recipe.findMany({
        where: { recipeSetId: { in: ids } },
        select: { id: true },
        orderBy: { id: 'asc' },
      });
      changedRecipeIds = recipes.map((r) => r.id);
    }

    const changedIds = new Set(ids);
    return {
      recipeSets: sets.map((set) => ({
        id: formatTaskspec('RS', set.id),
        job: jobName,
        priority: changedIds.has(set.id) ? priority : set.priority,
        previousPriority: set.priority,
        status: set.status,
        changed: changedIds.has(set.id),
      })),
      changedRecipeIds,
    };
  });
}

/**
 * Locks the job row, as every change below a job does (job-lifecycle.ts), so a change of
 * priority serialises with cancel and status roll-up. Deleted jobs are not found.
 */
async function lockJobOf(tx: Tx, target: PriorityTarget): Promise<number> {
  let jobId: number | undefined;
  if ('jobId' in target) {
    jobId = target.jobId;
  } else {
    const set = await tx.recipeSet.findUnique({ where: { id: target.recipeSetId }, select: { jobId: true } });
    jobId = set?.jobId;
  }
  const locked =
    jobId === undefined
      ? []
      : await tx.$queryRaw<
          { id: number }[]
        >`SELECT id FROM job WHERE id = ${jobId} AND deleted_at IS NULL FOR UPDATE`;
  if (jobId === undefined || locked.length === 0) {
    throw new ErlenError(
      'NOT_FOUND',
      'jobId' in target
        ? `no job ${formatTaskspec('J', target.jobId)}`
        : `no recipe set ${formatTaskspec('RS', target.recipeSetId)}`,
    );
  }
  return jobId;
}
