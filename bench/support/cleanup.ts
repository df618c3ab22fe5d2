import { log } from './benchmark.js';

type Task = { label: string; run: () => Promise<void> };
const pending: Task[] = [];
let installed = false;
const TASK_TIMEOUT_MS = 10_000;

/**
 * Registers cleanup that must also happen when the run is interrupted (Ctrl-C, SIGTERM), where
 * `finally` blocks never run. Returns the function that unregisters it once the normal path
 * has cleaned up. On a signal, tasks run newest first (server before its database), then exit 130.
 */
export function onInterrupt(label: string, run: () => Promise<void>): () => void {
  const task = { label, run };
  pending.push(task);
  if (!installed) {
    installed = true;
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
  }
  return () => {
    const index = pending.indexOf(task);
    if (index >= 0) pending.splice(index, 1);
  };
}

async function interrupted(signal: NodeJS.Signals): Promise<void> {
  for (const task of pending.splice(0).reverse()) {
    log(`${signal}: ${task.label}`);
    await bounded(task.label, task.run());
  }
  process.exit(130);
}

/**
 * Waits for a cleanup step at most TASK_TIMEOUT_MS and logs instead of throwing, so one hung or
 * failing step (an unreachable Redis) cannot keep the later ones, such as dropping the
 * scratch database, from running.
 */
export async function bounded(label: string, step: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${TASK_TIMEOUT_MS} ms`)), TASK_TIMEOUT_MS);
  });
  try {
    await Promise.race([step, timeout]);
  } catch (error) {
    log(`${label} failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
