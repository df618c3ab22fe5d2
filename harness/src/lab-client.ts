import { setTimeout as delay } from 'node:timers/promises';
import { ErlenError, type ErrorCode } from '../../common/src/errors.js';
import { say } from './say.js';

export type TaskStatus = 'Running' | 'Completed' | 'Aborted';
export type ResultType = 'Pass' | 'Warn' | 'Fail' | 'None' | 'Skip';

export interface ResultReport {
  result: ResultType;
  path: string;
  score?: number;
  message?: string;
}

/** Where a log file belongs: the task's own logs, or one of its results'. */
export interface LogTarget {
  taskId: number;
  resultId?: number;
}

export interface RetryPolicy {
  /** First pause after a 5xx or a connection error; doubles up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Stop retrying one request after this long (the recipe watchdog guards beyond it). */
  giveUpAfterMs: number;
}

/**
 * A busy or restarting server makes the lab controller answer 503 for a while, and a lab
 * controller restart refuses connections: both pass, so keep trying for half an hour.
 */
export const DEFAULT_RETRY: RetryPolicy = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  giveUpAfterMs: 30 * 60_000,
};

/** Answers that say the request itself is wrong; retrying cannot help (reference/beaker.md §6.4). */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  403: 'LIMIT_EXCEEDED',
  404: 'NOT_FOUND',
  409: 'INVALID_TRANSITION',
  413: 'PAYLOAD_TOO_LARGE',
};

/** Beaker's harness REST API on the lab controller (reference/beaker.md §5.6 (b)), for one recipe. */
export class LabControllerClient {
  private readonly recipePath: string;

  constructor(
    private readonly baseUrl: string,
    readonly recipeId: number,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.recipePath = `recipes/${recipeId}`;
  }

  async recipeXml(): Promise<string> {
    const response = await this.request('GET', `${this.recipePath}/`, {
      headers: { accept: 'application/xml' },
    });
    return response.text();
  }

  async setTaskStatus(taskId: number, status: TaskStatus, message?: string): Promise<void> {
    await this.json('PATCH', `${this.recipePath}/tasks/${taskId}/`, {
      status,
      ...(message ? { message } : {}),
    });
  }

  /** Records a result; returns its id (the last segment of the Location the API answers). */
  async reportResult(taskId: number, report: ResultReport): Promise<number> {
    const response = await this.json('POST', `${this.recipePath}/tasks/${taskId}/results/`, report);
    const id = Number(response.headers.get('location')?.split('/').filter(Boolean).pop());
    if (!Number.isSafeInteger(id))
      throw new ErlenError('INTERNAL', 'the lab controller recorded the result but answered no Location');
    return id;
  }

  async extendWatchdog(seconds: number): Promise<void> {
    await this.json('POST', `${this.recipePath}/watchdog`, { seconds: Math.max(0, Math.ceil(seconds)) });
  }

  async abortRecipe(message: string): Promise<void> {
    await this.json('POST', `${this.recipePath}/status`, { status: 'Aborted', message });
  }

  /**
   * Writes `data` at `offset` of a log file; an empty upload at offset 0 creates the file
   * (the first write also registers it on the server, so it must precede Completed).
   */
  async putLog(target: LogTarget, name: string, data: Buffer, offset: number): Promise<void> {
    const owner =
      target.resultId === undefined
        ? `tasks/${target.taskId}`
        : `tasks/${target.taskId}/results/${target.resultId}`;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (data.length > 0) headers['content-range'] = `bytes ${offset}-${offset + data.length - 1}/*`;
    const path = name.split('/').map(encodeURIComponent).join('/');
    await this.request('PUT', `${this.recipePath}/${owner}/logs/${path}`, { headers, body: data });
  }

  private json(method: string, path: string, body: object): Promise<Response> {
    return this.request(method, path, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  private async request(
    method: string,
    path: string,
    init: { headers: Record<string, string>; body?: string | Buffer },
  ): Promise<Response> {
    const url = new URL(path, this.baseUrl).href;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      let failure: string;
      try {
        const response = await fetch(url, { method, headers: init.headers, body: init.body });
        if (response.ok) return response;
        const text = (await response.text()).trim();
        if (response.status < 500)
          throw new ErlenError(
            CODE_BY_STATUS[response.status] ?? 'BAD_REQUEST',
            `${method} ${url}: ${response.status} ${text}`,
            response.status,
          );
        failure = `${response.status} ${text}`;
      } catch (error) {
        if (error instanceof ErlenError) throw error;
        failure = describeNetworkError(error);
      }
      const pause = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
      if (Date.now() - started + pause > this.retry.giveUpAfterMs)
        throw new ErlenError(
          'UNAVAILABLE',
          `${method} ${url}: gave up after ${attempt + 1} attempts: ${failure}`,
        );
      say(`${method} ${url}: ${failure}; retrying in ${pause} ms`);
      await delay(pause);
    }
  }
}

/** fetch() reports connection failures as "fetch failed" with the reason in `cause`. */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
