/**
 * Reading logs through the server. Log bytes live on the lab controller that received them
 * (brief decision 8); the server only knows where (`log_file`). It answers with that place,
 * never with the bytes: lab controllers do not accept connections from the server (decision 5).
 */
import { ErlenError } from '../../../../common/src/errors.js';
import { formatTaskspec, type Taskspec } from '../../../../common/src/domain/taskspec.js';
import type { Db, Prisma } from '../../db/prisma.js';

/** Whose log: a recipe's, one of its tasks', or one of that task's results'. */
export interface LogOwner {
  recipeId: number;
  taskId?: number;
  resultId?: number;
}

export interface LogEntry extends LogOwner {
  /** `path/filename`, or `filename` when the file is in no sub-directory. */
  name: string;
  size: number;
  /** On the server (under publicUrl): redirects to `url`. */
  href: string;
  /** On the lab controller that stores the file. */
  url: string;
}

/** Jobs that were deleted keep their rows until purged; their logs are gone for readers. */
const liveJob = { job: { deletedAt: null } } satisfies Prisma.RecipeSetWhereInput;
const liveRecipe = { recipeSet: liveJob } satisfies Prisma.RecipeWhereInput;

/**
 * Beaker's harness-API path of a log, the same on the server and on the lab controller
 * (`/recipes/1/tasks/2/results/3/logs/debug/avc.log`). Segments are percent-encoded as the
 * lab controller's own index encodes them.
 */
export function logRoute(owner: LogOwner, name: string): string {
  let route = `/recipes/${owner.recipeId}`;
  if (owner.taskId !== undefined) route += `/tasks/${owner.taskId}`;
  if (owner.resultId !== undefined) route += `/results/${owner.resultId}`;
  return `${route}/logs/${name.split('/').map(encodeURIComponent).join('/')}`;
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

/** The URL on the lab controller of one log, for the server's redirect. */
export async function logLocation(db: Db, owner: LogOwner, name: string): Promise<string> {
  if (name === '') {
    throw new ErlenError(
      'NOT_FOUND',
      `name a log file after …/logs/; GET /logs?taskspec=${formatTaskspec('R', owner.recipeId)} lists them`,
    );
  }
  const slash = name.lastIndexOf('/');
  const row = await db.logFile.findFirst({
    where: {
      recipeId: owner.recipeId,
      recipeTaskId: owner.taskId ?? null,
      resultId: owner.resultId ?? null,
      path: slash < 0 ? '' : name.slice(0, slash),
      filename: name.slice(slash + 1),
      recipe: liveRecipe,
    },
    orderBy: { id: 'asc' },
    select: { server: true },
  });
  if (!row) {
    await assertOwnerExists(db, owner);
    throw new ErlenError('NOT_FOUND', `${ownerName(owner)} has no log file ${JSON.stringify(name)}`);
  }
  return `${withoutTrailingSlash(row.server)}${logRoute(owner, name)}`;
}

const ownerName = (owner: LogOwner) =>
  owner.resultId !== undefined
    ? formatTaskspec('TR', owner.resultId)
    : owner.taskId !== undefined
      ? formatTaskspec('T', owner.taskId)
      : formatTaskspec('R', owner.recipeId);

/** Tells "no such recipe/task/result" from "no such file" only after a miss, so hits cost one query. */
async function assertOwnerExists(db: Db, owner: LogOwner): Promise<void> {
  const recipe = await db.recipe.findFirst({
    where: { id: owner.recipeId, ...liveRecipe },
    select: { id: true },
  });
  if (!recipe) throw new ErlenError('NOT_FOUND', `no recipe ${formatTaskspec('R', owner.recipeId)}`);
  if (owner.taskId === undefined) return;
  const task = await db.recipeTask.findFirst({
    where: { id: owner.taskId, recipeId: owner.recipeId },
    select: { id: true },
  });
  if (!task)
    throw new ErlenError(
      'NOT_FOUND',
      `no task ${formatTaskspec('T', owner.taskId)} in ${formatTaskspec('R', owner.recipeId)}`,
    );
  if (owner.resultId === undefined) return;
  const result = await db.recipeTaskResult.findFirst({
    where: { id: owner.resultId, recipeTaskId: owner.taskId },
    select: { id: true },
  });
  if (!result)
    throw new ErlenError(
      'NOT_FOUND',
      `no result ${formatTaskspec('TR', owner.resultId)} in ${formatTaskspec('T', owner.taskId)}`,
    );
}

/**
 * Every log of a job, recipe set, recipe (with its tasks' and results'), task (with its
 * results') or result, as Beaker's `taskactions.files`; ordered by recipe, task, result, name.
 */
export async function listLogs(db: Db, spec: Taskspec, publicUrl: string): Promise<LogEntry[]> {
  await assertTaskspecExists(db, spec);
  const rows = await db.logFile.findMany({
    where: logsOf(spec),
    select: {
      recipeId: true,
      recipeTaskId: true,
      resultId: true,
      path: true,
      filename: true,
      server: true,
      size: true,
    },
  });
  const base = withoutTrailingSlash(publicUrl);
  return rows
    .map((row) => {
      const owner: LogOwner = {
        recipeId: row.recipeId,
        ...(row.recipeTaskId !== null ? { taskId: row.recipeTaskId } : {}),
        ...(row.resultId !== null ? { resultId: row.resultId } : {}),
      };
      const name = row.path ? `${row.path}/${row.filename}` : row.filename;
      const route = logRoute(owner, name);
      return {
        ...owner,
        name,
        size: Number(row.size),
        href: `${base}${route}`,
        url: `${withoutTrailingSlash(row.server)}${route}`,
      };
    })
    .sort(byOwnerThenName);
}

function byOwnerThenName(a: LogEntry, b: LogEntry): number {
  // Ids start at 1, so 0 puts a recipe's own logs before its tasks' and a task's before its results'.
  return (
    a.recipeId - b.recipeId ||
    (a.taskId ?? 0) - (b.taskId ?? 0) ||
    (a.resultId ?? 0) - (b.resultId ?? 0) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

function logsOf(spec: Taskspec): Prisma.LogFileWhereInput {
  switch (spec.kind) {
    case 'J':
      return { recipe: { recipeSet: { jobId: spec.id, ...liveJob } } };
    case 'RS':
      return { recipe: { recipeSetId: spec.id, ...liveRecipe } };
    case 'R':
      return { recipeId: spec.id, recipe: liveRecipe };
    case 'T':
      return { recipeTaskId: spec.id, recipe: liveRecipe };
    case 'TR':
      return { resultId: spec.id, recipe: liveRecipe };
  }
}

/** An unknown (or deleted) job is a 404, not an empty list, so typos do not look like "no logs". */
async function assertTaskspecExists(db: Db, spec: Taskspec): Promise<void> {
  const { id } = spec;
  const found = await (async () => {
    switch (spec.kind) {
      case 'J':
        return db.job.findFirst({ where: { id, deletedAt: null }, select: { id: true } });
      case 'RS':
        return db.recipeSet.findFirst({ where: { id, ...liveJob }, select: { id: true } });
      case 'R':
        return db.recipe.findFirst({ where: { id, ...liveRecipe }, select: { id: true } });
      case 'T':
        return db.recipeTask.findFirst({ where: { id, recipe: liveRecipe }, select: { id: true } });
      case 'TR':
        return db.recipeTaskResult.findFirst({
          where: { id, recipeTask: { recipe: liveRecipe } },
          select: { id: true },
        });
    }
  })();
  if (!found)
    throw new ErlenError('NOT_FOUND', `no ${KIND_NAMES[spec.kind]} ${formatTaskspec(spec.kind, id)}`);
}

const KIND_NAMES = { J: 'job', RS: 'recipe set', R: 'recipe', T: 'task', TR: 'result' } as const;
