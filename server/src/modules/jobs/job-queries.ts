import { ErlenError } from '../../../../common/src/errors.js';
import { isFinished, type Status } from '../../../../common/src/domain/status.js';
import { formatTaskspec } from '../../../../common/src/domain/taskspec.js';
import type { Db, Prisma } from '../../db/prisma.js';
import { hasPermission, type Actor } from '../../security/actor.js';

/** Job administrators (Beaker): owner, submitter, members of the job's group, admins. */
export function canAdministerJob(
  actor: Actor,
  job: { ownerId: number; submitterId: number; groupId: number | null },
): boolean {
  return (
    actor.admin ||
    actor.userId === job.ownerId ||
    actor.userId === job.submitterId ||
    (job.groupId !== null && actor.groupIds.has(job.groupId))
  );
}

/** Stopping also belongs to holders of `stop_task` (lab controllers), who do not administer the job otherwise. */
export function canStopJob(
  actor: Actor,
  job: { ownerId: number; submitterId: number; groupId: number | null },
): boolean {
  return canAdministerJob(actor, job) || hasPermission(actor, 'stop_task');
}

export interface JobListQuery {
  owner?: string;
  mine?: boolean;
  status?: Status[];
  whiteboard?: string;
  limit: number;
  offset: number;
}

const summaryInclude = {
  owner: { select: { username: true } },
  submitter: { select: { username: true } },
  group: { select: { name: true } },
  retentionTag: { select: { tag: true } },
  product: { select: { name: true } },
} satisfies Prisma.JobInclude;

type JobWithSummary = Prisma.JobGetPayload<{ include: typeof summaryInclude }>;

export function jobSummary(job: JobWithSummary) {
  return {
    id: formatTaskspec('J', job.id),
    owner: job.owner.username,
    submitter: job.submitter.username,
    group: job.group?.name,
    whiteboard: job.whiteboard,
    retentionTag: job.retentionTag.tag,
    product: job.product?.name,
    status: job.status,
    result: job.result,
    isFinished: isFinished(job.status),
    submittedAt: job.submittedAt.toISOString(),
    counters: {
      ttasks: job.ttasks,
      ntasks: job.ntasks,
      ptasks: job.ptasks,
      wtasks: job.wtasks,
      ftasks: job.ftasks,
      ktasks: job.ktasks,
    },
  };
}

export async function listJobs(db: Db, actor: Actor, query: JobListQuery) {
  const where: Prisma.JobWhereInput = { deletedAt: null };
  if (query.mine) where.ownerId = actor.userId;
  else if (query.owner) where.owner = { username: query.owner };
  if (query.status?.length) where.status = { in: query.status };
  if (query.whiteboard) where.whiteboard = { contains: query.whiteboard, mode: 'insensitive' };
  const [items, total] = await Promise.all([
    db.job.findMany({
      where,
      include: summaryInclude,
      orderBy: { id: 'desc' },
      take: query.limit,
      skip: query.offset,
    }),
    db.job.count({ where }),
  ]);
  return { items: items.map(jobSummary), total };
}

export async function findJobSummary(db: Db, jobId: number) {
  const job = await db.job.findUnique({ where: { id: jobId }, include: summaryInclude });
  if (!job || job.deletedAt) throw new ErlenError('NOT_FOUND', `no job ${formatTaskspec('J', jobId)}`);
  return job;
}

export const recipeInclude = {
  distroTree: { include: { arch: true, distro: { include: { osVersion: { include: { osMajor: true } } } } } },
  resource: true,
  installation: true,
  logs: { where: { recipeTaskId: null, resultId: null } },
  tasks: {
    orderBy: { position: 'asc' },
    include: {
      params: { orderBy: { position: 'asc' } },
      results: { orderBy: { id: 'asc' }, include: { logs: true } },
      logs: { where: { resultId: null } },
    },
  },
} satisfies Prisma.RecipeInclude;

export const jobDeepInclude = {
  ...summaryInclude,
  owner: { select: { username: true, email: true } },
  recipeSets: {
    orderBy: { position: 'asc' },
    include: {
      recipes: {
        orderBy: [{ hostRecipeId: { sort: 'asc', nulls: 'first' } }, { position: 'asc' }],
        include: recipeInclude,
      },
    },
  },
} satisfies Prisma.JobInclude;

export type DeepJob = Prisma.JobGetPayload<{ include: typeof jobDeepInclude }>;
export type DeepRecipe = DeepJob['recipeSets'][number]['recipes'][number];

export async function loadDeepJob(db: Db, jobId: number): Promise<DeepJob> {
  const job = await db.job.findUnique({ where: { id: jobId }, include: jobDeepInclude });
  if (!job || job.deletedAt) throw new ErlenError('NOT_FOUND', `no job ${formatTaskspec('J', jobId)}`);
  return job;
}

const iso = (date: Date | null | undefined) => date?.toISOString();

export function recipeDetail(recipe: DeepRecipe, all: readonly DeepRecipe[]): Record<string, unknown> {
  const tree = recipe.distroTree;
  return {
    id: formatTaskspec('R', recipe.id),
    kind: recipe.kind,
    whiteboard: recipe.whiteboard,
    role: recipe.role,
    status: recipe.status,
    result: recipe.result,
    distroTree: tree
      ? {
          id: tree.id,
          distro: tree.distro.name,
          arch: tree.arch.name,
          variant: tree.variant,
          family: tree.distro.osVersion.osMajor.name,
        }
      : undefined,
    system: recipe.resource?.fqdn ?? undefined,
    startTime: iso(recipe.startTime),
    finishTime: iso(recipe.finishTime),
    guests: all.filter((g) => g.hostRecipeId === recipe.id).map((g) => recipeDetail(g, all)),
    tasks: recipe.tasks.map((task) => ({
      id: formatTaskspec('T', task.id),
      name: task.name,
      role: task.role,
      status: task.status,
      result: task.result,
      startTime: iso(task.startTime),
      finishTime: iso(task.finishTime),
      params: task.params.map((p) => ({ name: p.name, value: p.value })),
      results: task.results.map((r) => ({
        id: formatTaskspec('TR', r.id),
        path: r.path,
        result: r.result,
        score: r.score?.toString(),
        message: r.message,
        startTime: r.startTime.toISOString(),
      })),
    })),
  };
}

/** The JSON job page; notify addresses are shown only to the job's administrators. */
export function jobDetail(job: DeepJob, actor: Actor) {
  return {
    ...jobSummary(job),
    notifyCc: canAdministerJob(actor, job) ? job.notifyCc : undefined,
    recipeSets: job.recipeSets.map((set) => ({
      id: formatTaskspec('RS', set.id),
      priority: set.priority,
      status: set.status,
      result: set.result,
      waived: set.waived,
      recipes: set.recipes.filter((r) => r.hostRecipeId === null).map((r) => recipeDetail(r, set.recipes)),
    })),
  };
}
