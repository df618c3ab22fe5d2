import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErlenError } from '../../common/src/errors.js';
import type { HarnessConfig } from './config.js';
import { helperDir } from './helper-context.js';
import type { LabControllerClient } from './lab-client.js';
import { isFinishedStatus, parseRecipeDocument, type PlannedTask, type RecipePlan } from './recipe.js';
import { say } from './say.js';
import { emptyState, type HarnessState, type StateStore } from './state.js';
import { taskEnvironment } from './task-env.js';
import { taskTimeLimit, WATCHDOG_MARGIN_SECONDS } from './task-limits.js';
import { OutputStreamer } from './task-output.js';
import { runTaskProcess, type TaskExit } from './task-process.js';
import { locateTask } from './task-source.js';

/** A task that keeps rebooting is given up on: the watchdog would otherwise be extended forever. */
export const MAX_REBOOTS_PER_TASK = 32;

export interface RecipeRunOptions {
  config: HarnessConfig;
  client: LabControllerClient;
  store: StateStore;
  /** How often a running task's output goes to the lab controller. */
  uploadIntervalMs: number;
  /** The harness's own environment, which tasks inherit. */
  env: NodeJS.ProcessEnv;
}

/**
 * Runs the recipe's unfinished tasks in order (reference/beaker.md §6.4), resuming where
 * state.json says the harness stood: a task interrupted by a reboot runs again with its
 * reboot count, finished ones are skipped. Without state, the recipe's task statuses decide.
 */
export async function runRecipe(options: RecipeRunOptions): Promise<void> {
  const { client, store, config } = options;
  const plan = parseRecipeDocument(await client.recipeXml(), config.recipeId);
  const state: HarnessState = (await store.load(config.recipeId)) ?? emptyState(config.recipeId);
  for (const task of plan.tasks) {
    if (isFinishedStatus(task.status)) continue;
    if (!state.finished.includes(task.id)) {
      const resumed = state.current?.taskId === task.id ? state.current : undefined;
      // A restart the task did not ask for (a plain `reboot`, a crash) counts as a reboot too.
      const rebootCount = resumed ? resumed.rebootCount + (resumed.rebooting ? 0 : 1) : 0;
      state.current = { taskId: task.id, rebootCount, rebooting: false };
      await store.save(state);
      const outcome = await runTask(options, plan, task, rebootCount, resumed);
      if (outcome === 'rebooting') return waitForReboot();
      state.current = null;
      state.finished.push(task.id);
      await store.save(state);
      if (outcome === 'closed') continue;
    }
    // Saved as finished first, so a restart from here on only repeats this.
    await setStatus(client, task, 'Completed');
  }
  say(`recipe ${config.recipeId}: every task is finished`);
}

/** `closed`: the task is already finished at the lab controller (aborted here or elsewhere). */
type Outcome = 'finished' | 'closed' | 'rebooting';

async function runTask(
  options: RecipeRunOptions,
  plan: RecipePlan,
  task: PlannedTask,
  rebootCount: number,
  resumed: { rebooting: boolean } | undefined,
): Promise<Outcome> {
  const { client, store, config } = options;
  const label = `task ${task.id} ${task.name}`;
  if (task.status !== 'Running' && !(await setStatus(client, task, 'Running'))) return 'closed';
  if (rebootCount > MAX_REBOOTS_PER_TASK) {
    const message = `${label} rebooted the system ${rebootCount} times: given up on`;
    say(message);
    await setStatus(client, task, 'Aborted', message);
    return 'closed';
  }
  const limitSeconds = taskTimeLimit(task);
  await client
    .extendWatchdog(limitSeconds + WATCHDOG_MARGIN_SECONDS)
    .catch((error: Error) => say(error.message));

  const output = new OutputStreamer(client, store, task.id, options.uploadIntervalMs);
  await output.start();
  if (resumed && !resumed.rebooting)
    await appendFile(
      output.path,
      `erlen-harness: the system restarted while ${label} ran; running it again\n`,
    );
  let exit: TaskExit;
  try {
    const taskDir = await locateTask(task, config.taskRoot, join(config.stateDir, 'tasks', String(task.id)));
    const env = taskEnvironment(
      { plan, task, taskDir, rebootCount, limitSeconds, helperDir: helperDir(config.stateDir) },
      config,
      options.env,
    );
    say(`${label}: running in ${taskDir} (REBOOTCOUNT=${rebootCount}, limit ${limitSeconds} s)`);
    exit = await runTaskProcess(taskDir, env, output.path, limitSeconds);
  } catch (error) {
    // The task cannot run at all (not found, fetch failed): Beaker's harnesses abort it.
    const message = `${label} cannot run: ${(error as Error).message}`;
    say(message);
    await appendFile(output.path, `erlen-harness: ${message}\n`);
    await output.stop();
    await setStatus(client, task, 'Aborted', message);
    return 'closed';
  }
  if ((await store.load(config.recipeId))?.current?.rebooting) return 'rebooting';
  await output.stop();
  say(`${label}: ${describeExit(exit, limitSeconds)}`);
  await reportExit(client, config.recipeId, task, exit, limitSeconds);
  return 'finished';
}

/**
 * The harness's own results: a Warn when the local watchdog killed the task, a Fail when it
 * failed without saying how (restraint's rule: a task that reported results gets no more).
 */
async function reportExit(
  client: LabControllerClient,
  recipeId: number,
  task: PlannedTask,
  exit: TaskExit,
  limitSeconds: number,
): Promise<void> {
  const report = async (result: 'Warn' | 'Fail', message: string) => {
    await client
      .reportResult(task.id, { result, path: task.name, score: 0, message })
      .catch((error: Error) => {
        if (!(isErlenError(error) && error.statusCode === 409)) throw error;
      });
  };
  if (exit.timedOut)
    return report('Warn', `${task.name} timed out after ${limitSeconds} s: killed by the local watchdog`);
  if (exit.code === 0) return;
  const reported = parseRecipeDocument(await client.recipeXml(), recipeId).tasks.find(
    (t) => t.id === task.id,
  );
  if ((reported?.resultCount ?? 0) === 0)
    await report('Fail', `${task.name} ${describeExit(exit, limitSeconds)} without reporting a result`);
}

function describeExit(exit: TaskExit, limitSeconds: number): string {
  if (exit.timedOut) return `killed at its time limit of ${limitSeconds} s`;
  return exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
}

/** Sets a task's status; false when it is already finished (cancelled or aborted elsewhere). */
async function setStatus(
  client: LabControllerClient,
  task: PlannedTask,
  status: 'Running' | 'Completed' | 'Aborted',
  message?: string,
): Promise<boolean> {
  try {
    await client.setTaskStatus(task.id, status, message);
    return true;
  } catch (error) {
    if (!(isErlenError(error) && error.statusCode === 409)) throw error;
    say(`task ${task.id} ${task.name} is already finished: ${error.message}`);
    return false;
  }
}

/** The task's reboot helper is taking the system down; nothing more happens in this boot. */
function waitForReboot(): Promise<never> {
  say('waiting for the reboot');
  setInterval(() => {}, 60_000);
  return new Promise<never>(() => {});
}
