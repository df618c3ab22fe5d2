/**
 * The server's half of the harness API (Beaker's recipes.* and recipes.tasks.* hub calls):
 * a lab controller relays what the harnesses of its lab report. Every call is authorised by
 * the recipe's lab: a lab controller acts only on recipes running on systems of its lab.
 */
import type {
  InstallEvent,
  LogRegistration,
  ResultInput,
  TaskState,
  TaskUpdate,
  WatchdogState,
} from '../../../../common/src/api/harness.js';
import { isFinished, type Status } from '../../../../common/src/domain/status.js';
import { formatTaskspec } from '../../../../common/src/domain/taskspec.js';
import { ErlenError } from '../../../../common/src/errors.js';
import type { Db } from '../../db/prisma.js';
import type { SchedulerEvents } from '../../events/scheduler-events.js';
import { renderResultsXml } from '../../../../common/src/job-xml/results-xml.js';
import type { RecipeSetView, RecipeView } from '../../../../common/src/job-xml/types.js';
import { jobView } from '../jobs/job-export.js';
import { changeTaskStatus, recordTaskResult, stop } from '../jobs/job-lifecycle.js';
import { loadDeepJob } from '../jobs/job-queries.js';
import type { LabIdentity } from './commands.service.js';

/** Beaker's watchdog margin over a task's expected time, and the task library's default time. */
const WATCHDOG_MARGIN_SECONDS = 30 * 60;
const DEFAULT_TASK_SECONDS = 1200;
/** install_start gives the installer three hours (Beaker). */
const INSTALL_SECONDS = 3 * 60 * 60;

export interface HarnessLimits {
  maxResultsPerRecipe: number;
  maxLogsPerRecipe: number;
}

interface LabRecipe {
  id: number;
  status: Status;
  systemId: number | null;
  fqdn: string | null;
}

/** The recipe, if it runs in this lab; 404 otherwise (another lab's recipe does not exist for it). */
export async function recipeOfLab(db: Db, lab: LabIdentity, recipeId: number): Promise<LabRecipe> {
  const recipe = await db.recipe.findFirst({
    where: { id: recipeId, resource: { labControllerId: lab.id } },
    select: { id: true, status: true, resource: { select: { systemId: true, fqdn: true } } },
  });
  if (!recipe)
    throw new ErlenError('NOT_FOUND', `no recipe ${formatTaskspec('R', recipeId)} in lab ${lab.fqdn}`);
  return {
    id: recipe.id,
    status: recipe.status,
    systemId: recipe.resource?.systemId ?? null,
    fqdn: recipe.resource?.fqdn ?? null,
  };
}

async function taskOfRecipe(db: Db, recipeId: number, taskId: number) {
  const task = await db.recipeTask.findFirst({
    where: { id: taskId, recipeId },
    select: { id: true, status: true, avgTime: true },
  });
  if (!task)
    throw new ErlenError(
      'NOT_FOUND',
      `no task ${formatTaskspec('T', taskId)} in recipe ${formatTaskspec('R', recipeId)}`,
    );
  return task;
}

/**
 * Starts, finishes or aborts a task, and records a name or version the harness reports. A
 * task that starts gets the recipe's watchdog: its expected time plus Beaker's margin.
 */
export async function updateTask(
  db: Db,
  lab: LabIdentity,
  recipeId: number,
  taskId: number,
  update: TaskUpdate,
  events: SchedulerEvents,
  now = new Date(),
): Promise<TaskState> {
  await recipeOfLab(db, lab, recipeId);
  const task = await taskOfRecipe(db, recipeId, taskId);
  if (update.name !== undefined || update.version !== undefined) {
    if (isFinished(task.status))
      throw new ErlenError('INVALID_TRANSITION', `${formatTaskspec('T', taskId)} is ${task.status}`);
    await db.recipeTask.update({
      where: { id: taskId },
      data: { name: update.name, version: update.version },
    });
  }
  if (update.status === 'Aborted') {
    // Beaker's task abort: a Warn result carrying the reason, then the status.
    await recordTaskResult(
      db,
      taskId,
      { result: 'Warn', path: '/', score: 0, message: update.message || 'Aborted' },
      now,
    );
  }
  if (update.status) await changeTaskStatus(db, taskId, update.status, { now, events });
  if (update.status === 'Running') {
    const seconds = (task.avgTime ?? DEFAULT_TASK_SECONDS) + WATCHDOG_MARGIN_SECONDS;
    await db.watchdog.updateMany({
      where: { recipeId },
      data: { recipeTaskId: taskId, killTime: new Date(now.getTime() + seconds * 1000) },
    });
  }
  const state = await db.recipeTask.findUniqueOrThrow({
    where: { id: taskId },
    select: { id: true, name: true, version: true, status: true, result: true },
  });
  return state;
}

export async function recordResult(
  db: Db,
  lab: LabIdentity,
  recipeId: number,
  taskId: number,
  input: ResultInput,
  limits: HarnessLimits,
  now = new Date(),
): Promise<number> {
  await recipeOfLab(db, lab, recipeId);
  await taskOfRecipe(db, recipeId, taskId);
  const count = await db.recipeTaskResult.count({ where: { recipeTask: { recipeId } } });
  if (count >= limits.maxResultsPerRecipe)
    throw new ErlenError(
      'LIMIT_EXCEEDED',
      `${formatTaskspec('R', recipeId)} already has ${count} results, the most a recipe may have`,
    );
  return recordTaskResult(db, taskId, input, now);
}

/** The harness gives up on its recipe (POST /recipes/<id>/status status=Aborted). */
export async function abortRecipe(
  db: Db,
  lab: LabIdentity,
  recipeId: number,
  message: string,
  events: SchedulerEvents,
): Promise<void> {
  const recipe = await recipeOfLab(db, lab, recipeId);
  if (isFinished(recipe.status))
    throw new ErlenError('INVALID_TRANSITION', `${formatTaskspec('R', recipeId)} is ${recipe.status}`);
  await stop(db, { recipeId }, 'abort', message, { events });
}

export async function watchdogState(
  db: Db,
  lab: LabIdentity,
  recipeId: number,
  now = new Date(),
): Promise<WatchdogState> {
  await recipeOfLab(db, lab, recipeId);
  const watchdog = await db.watchdog.findUnique({ where: { recipeId }, select: { killTime: true } });
  if (!watchdog?.killTime) return { seconds: null };
  return { seconds: Math.max(0, Math.round((watchdog.killTime.getTime() - now.getTime()) / 1000)) };
}

/** Kill time = now + seconds (0 expires it at the next sweep), as Beaker's recipes.extend. */
export async function extendWatchdog(
  db: Db,
  lab: LabIdentity,
  recipeId: number,
  seconds: number,
  now = new Date(),
): Promise<void> {
  const recipe = await recipeOfLab(db, lab, recipeId);
  // A finished recipe keeps its watchdog row until its whole set finishes; it is over all the same.
  const updated = isFinished(recipe.status)
    ? { count: 0 }
    : await db.watchdog.updateMany({
        where: { recipeId },
        data: { killTime: new Date(now.getTime() + seconds * 1000) },
      });
  if (updated.count === 0)
    throw new ErlenError('INVALID_TRANSITION', `${formatTaskspec('R', recipeId)} has finished`);
}

/**
 * Indexes a log file the lab controller stores (on its first write). Registering the same
 * file again returns the same row, so a retried upload is harmless.
 */
export async function registerLog(
  db: Db,
  lab: LabIdentity,
  log: LogRegistration,
  limits: HarnessLimits,
): Promise<number> {
  const recipe = await recipeOfLab(db, lab, log.recipeId);
  assertLogName(log.path, log.filename);
  let ownerStatus: Status = recipe.status;
  if (log.taskId !== undefined) ownerStatus = (await taskOfRecipe(db, log.recipeId, log.taskId)).status;
  if (log.resultId !== undefined) {
    const result = await db.recipeTaskResult.findFirst({
      where: { id: log.resultId, recipeTaskId: log.taskId ?? -1 },
      select: { id: true },
    });
    if (!result) throw new ErlenError('NOT_FOUND', `no result ${log.resultId} in that task`);
  }
  if (isFinished(ownerStatus))
    throw new ErlenError('INVALID_TRANSITION', `cannot add logs: it is ${ownerStatus}`);
  const taskId = log.taskId ?? null;
  const resultId = log.resultId ?? null;
  // One statement, no row lock: the partial unique indexes on log_file make a concurrent
  // registration of the same file a no-op. The per-recipe limit is checked in the same
  // statement; two registrations racing at the limit may both pass (a soft cap, as Beaker's).
  const rows = await db.$queryRaw<{ id: number }[]>`
    WITH existing AS (
      SELECT id FROM log_file
      WHERE recipe_id = ${log.recipeId} AND recipe_task_id IS NOT DISTINCT FROM ${taskId}::int
        AND result_id IS NOT DISTINCT FROM ${resultId}::int AND path = ${log.path} AND filename = ${log.filename}
    ), inserted AS (
      INSERT INTO log_file (recipe_id, recipe_task_id, result_id, path, filename, server)
      SELECT ${log.recipeId}, ${taskId}::int, ${resultId}::int, ${log.path}, ${log.filename}, ${log.server}
      WHERE NOT EXISTS (SELECT 1 FROM existing)
        AND (SELECT count(*) FROM log_file WHERE recipe_id = ${log.recipeId}) < ${limits.maxLogsPerRecipe}
      ON CONFLICT DO NOTHING
      RETURNING id
    ), server_noted AS (
      UPDATE recipe SET log_server = ${log.server}
      WHERE id = ${log.recipeId} AND log_server IS DISTINCT FROM ${log.server} AND EXISTS (SELECT 1 FROM inserted)
    )
    SELECT id FROM existing UNION ALL SELECT id FROM inserted`;
  const row = rows[0];
  if (row) return row.id;
  // Nothing inserted and nothing there before: either the limit, or a concurrent registration
  // of this very file won the insert (ON CONFLICT) and is now visible.
  const raced = await db.logFile.findFirst({
    where: { recipeId: log.recipeId, recipeTaskId: taskId, resultId, path: log.path, filename: log.filename },
    select: { id: true },
  });
  if (raced) return raced.id;
  throw new ErlenError(
    'LIMIT_EXCEEDED',
    `${formatTaskspec('R', log.recipeId)} already has ${limits.maxLogsPerRecipe} log files, the most a recipe may have`,
  );
}

/** No `..`, no absolute paths, no empty segments: the name becomes a path on the lab controller's disk. */
export function assertLogName(path: string, filename: string): void {
  const segments = [...(path ? path.split('/') : []), filename];
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0')))
    throw new ErlenError(
      'BAD_REQUEST',
      `log name ${JSON.stringify(`${path}/${filename}`)} is not a plain relative path`,
    );
}

/**
 * The kickstart check-ins (install_start, install_done, postinstall_done, install_fail).
 * Returns the system's FQDN for install_done, as Beaker does.
 */
export async function installEvent(
  db: Db,
  lab: LabIdentity,
  recipeId: number,
  event: InstallEvent,
  events: SchedulerEvents,
  now = new Date(),
): Promise<string | null> {
  const recipe = await recipeOfLab(db, lab, recipeId);
  switch (event) {
    case 'start':
      await db.installation.updateMany({ where: { recipeId }, data: { installStartedAt: now } });
      await db.watchdog.updateMany({
        where: { recipeId },
        data: { killTime: new Date(now.getTime() + INSTALL_SECONDS * 1000) },
      });
      return null;
    case 'done':
      await db.installation.updateMany({ where: { recipeId }, data: { installFinishedAt: now } });
      return recipe.fqdn;
    case 'postinstall_done':
      await db.installation.updateMany({ where: { recipeId }, data: { postinstallFinishedAt: now } });
      return null;
    case 'fail':
      if (!isFinished(recipe.status))
        await stop(db, { recipeId }, 'abort', 'Installation failed', { events });
      return null;
  }
}

/** A system of this lab, for peer power and netboot bookkeeping; 404 for any other. */
export async function systemOfLab(db: Db, lab: LabIdentity, fqdn: string): Promise<number> {
  const system = await db.system.findFirst({
    where: { fqdn, labControllerId: lab.id },
    select: { id: true },
  });
  if (!system) throw new ErlenError('NOT_FOUND', `no system ${fqdn} in lab ${lab.fqdn}`);
  return system.id;
}

/** What a system's netboot files are named after, for a lab controller about to remove them. */
export async function netbootIdentity(db: Db, lab: LabIdentity, fqdn: string) {
  const system = await db.system.findFirst({
    where: { fqdn, labControllerId: lab.id },
    select: { fqdn: true, macAddress: true, ipAddress: true },
  });
  if (!system) throw new ErlenError('NOT_FOUND', `no system ${fqdn} in lab ${lab.fqdn}`);
  return system;
}

/** /nopxe: the lab controller removed the netboot files itself; the queue records it as done. */
export async function recordNetbootCleared(
  db: Db,
  lab: LabIdentity,
  fqdn: string,
  userId: number,
  now = new Date(),
): Promise<void> {
  const systemId = await systemOfLab(db, lab, fqdn);
  await db.command.create({
    data: {
      systemId,
      labControllerId: lab.id,
      userId,
      service: 'harness',
      action: 'clear_netboot',
      status: 'Completed',
      startTime: now,
      finishTime: now,
    },
  });
}

/**
 * The recipe document a harness runs from (GET /recipes/<id>/ on the lab controller):
 * results-format XML of the job with only this recipe's set and this recipe (a guest inside
 * its host recipe, as Beaker nests it).
 */
export async function recipeDocument(
  db: Db,
  lab: LabIdentity,
  recipeId: number,
  publicUrl: string,
): Promise<string> {
  await recipeOfLab(db, lab, recipeId);
  const { recipeSet } = await db.recipe.findUniqueOrThrow({
    where: { id: recipeId },
    select: { recipeSet: { select: { jobId: true } } },
  });
  const view = jobView(await loadDeepJob(db, recipeSet.jobId), publicUrl, { showSecrets: false });
  const recipes = (set: RecipeSetView): RecipeView[] =>
    set.recipes.flatMap((recipe) => {
      if (recipe.id === recipeId) return [recipe];
      const guest = recipe.guests.find((g) => g.id === recipeId);
      return guest ? [{ ...recipe, guests: [guest] }] : [];
    });
  view.recipeSets = view.recipeSets
    .map((set) => ({ ...set, recipes: recipes(set) }))
    .filter((set) => set.recipes.length > 0);
  return renderResultsXml(view);
}
