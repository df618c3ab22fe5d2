import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { say } from './say.js';

/** The task the harness is running, as it must be found again after a reboot. */
export interface CurrentTask {
  taskId: number;
  /** REBOOTCOUNT for the task's next run. */
  rebootCount: number;
  /** Set by the reboot helper: the restart that follows was asked for. */
  rebooting: boolean;
}

/** The harness's progress through one recipe (`state.json` in the state dir). */
export interface HarnessState {
  recipeId: number;
  current: CurrentTask | null;
  /** Tasks the harness has finished; only their Completed may still need saying. */
  finished: number[];
}

export const emptyState = (recipeId: number): HarnessState => ({ recipeId, current: null, finished: [] });

/**
 * state.json and the per-task upload offsets, each replaced atomically. The harness writes
 * state.json only between tasks; while a task runs, only its reboot helper does.
 */
export class StateStore {
  constructor(readonly dir: string) {}

  get statePath(): string {
    return join(this.dir, 'state.json');
  }

  /** The saved state of this recipe; a missing, unreadable or other recipe's state is none. */
  async load(recipeId: number): Promise<HarnessState | undefined> {
    let text: string;
    try {
      text = await readFile(this.statePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const state = parseState(text);
    if (!state) say(`${this.statePath} is not a harness state; starting from the recipe's task statuses`);
    else if (state.recipeId !== recipeId)
      say(`${this.statePath} belongs to recipe ${state.recipeId}; ignoring it`);
    return state?.recipeId === recipeId ? state : undefined;
  }

  async save(state: HarnessState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.statePath, `${JSON.stringify(state, null, 2)}\n`);
  }

  /** Where a task's output is kept on this system while it is uploaded. */
  outputPath(taskId: number): string {
    return join(this.dir, 'output', `${taskId}.log`);
  }

  /** How many bytes of a task's output the lab controller has; undefined before the first upload. */
  async uploadedBytes(taskId: number): Promise<number | undefined> {
    try {
      const value = Number((await readFile(this.offsetPath(taskId), 'utf8')).trim());
      return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async saveUploadedBytes(taskId: number, bytes: number): Promise<void> {
    await writeFileAtomic(this.offsetPath(taskId), `${bytes}\n`);
  }

  private offsetPath(taskId: number): string {
    return join(this.dir, 'output', `${taskId}.uploaded`);
  }
}

export function parseState(text: string): HarnessState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const state = value as Partial<HarnessState> | null;
  if (!state || !isId(state.recipeId) || !Array.isArray(state.finished) || !state.finished.every(isId))
    return undefined;
  const current = state.current as Partial<CurrentTask> | null | undefined;
  if (current === null || current === undefined)
    return { recipeId: state.recipeId, current: null, finished: state.finished };
  if (!isId(current.taskId) || !Number.isSafeInteger(current.rebootCount) || (current.rebootCount ?? -1) < 0)
    return undefined;
  return {
    recipeId: state.recipeId,
    current: {
      taskId: current.taskId,
      rebootCount: current.rebootCount!,
      rebooting: current.rebooting === true,
    },
    finished: state.finished,
  };
}

const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;
