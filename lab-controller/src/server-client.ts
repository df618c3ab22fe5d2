import type {
  InstallEvent,
  LogRegistration,
  ResultInput,
  TaskState,
  TaskUpdate,
  WatchdogState,
} from '../../common/src/api/harness.js';
import type { CommandFailure, CommandPollResponse, LabCommand } from '../../common/src/api/lab-commands.js';
import { ErlenError, type ErrorCode } from '../../common/src/errors.js';

type Method = 'GET' | 'POST' | 'PATCH';

/**
 * The server's lab-controller API, authenticated with the lab controller's token. A refusal
 * keeps the server's status and code, so the harness API can answer harnesses with the same
 * 403/404/409; a server that cannot be reached is a 503, which harnesses retry.
 */
export class ServerClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  // --- command queue

  async poll(held: readonly number[], waitSeconds: number, signal?: AbortSignal): Promise<LabCommand[]> {
    const body = await this.json<CommandPollResponse>(
      'POST',
      '/lab/commands/poll',
      { held, waitSeconds },
      signal,
    );
    return body.commands;
  }

  async requeueRunning(): Promise<number> {
    return (await this.json<{ requeued: number }>('POST', '/lab/commands/requeue-running')).requeued;
  }

  async running(id: number): Promise<void> {
    await this.call('POST', `/lab/commands/${id}/running`);
  }

  async completed(id: number): Promise<void> {
    await this.call('POST', `/lab/commands/${id}/completed`);
  }

  async failed(id: number, failure: CommandFailure): Promise<void> {
    await this.call('POST', `/lab/commands/${id}/failed`, failure);
  }

  // --- harness relay

  async kickstart(installationId: number, harnessUrl: string): Promise<string> {
    return this.call(
      'GET',
      `/lab/installations/${installationId}/kickstart?${new URLSearchParams({ harnessUrl }).toString()}`,
    );
  }

  async recipeXml(recipeId: number): Promise<string> {
    return this.call('GET', `/lab/recipes/${recipeId}`);
  }

  async updateTask(recipeId: number, taskId: number, update: TaskUpdate): Promise<TaskState> {
    return this.json('PATCH', `/lab/recipes/${recipeId}/tasks/${taskId}`, update);
  }

  async recordResult(recipeId: number, taskId: number, result: ResultInput): Promise<number> {
    return (
      await this.json<{ id: number }>('POST', `/lab/recipes/${recipeId}/tasks/${taskId}/results`, result)
    ).id;
  }

  async abortRecipe(recipeId: number, message: string): Promise<void> {
    await this.call('POST', `/lab/recipes/${recipeId}/abort`, { message });
  }

  async watchdog(recipeId: number): Promise<WatchdogState> {
    return this.json('GET', `/lab/recipes/${recipeId}/watchdog`);
  }

  async extendWatchdog(recipeId: number, seconds: number): Promise<void> {
    await this.call('POST', `/lab/recipes/${recipeId}/watchdog`, { seconds });
  }

  async registerLog(log: LogRegistration): Promise<number> {
    return (await this.json<{ id: number }>('POST', '/lab/logs', log)).id;
  }

  async installEvent(recipeId: number, event: InstallEvent): Promise<string | null> {
    return (await this.json<{ fqdn: string | null }>('POST', `/lab/recipes/${recipeId}/install/${event}`))
      .fqdn;
  }

  async postreboot(recipeId: number): Promise<void> {
    await this.call('POST', `/lab/recipes/${recipeId}/postreboot`);
  }

  async powerSystem(fqdn: string, action: string): Promise<void> {
    await this.call('POST', `/lab/systems/${encodeURIComponent(fqdn)}/power`, { action });
  }

  async netbootIdentity(
    fqdn: string,
  ): Promise<{ fqdn: string; macAddress: string | null; ipAddress: string | null }> {
    return this.json('GET', `/lab/systems/${encodeURIComponent(fqdn)}/netboot-identity`);
  }

  async netbootCleared(fqdn: string): Promise<void> {
    await this.call('POST', `/lab/systems/${encodeURIComponent(fqdn)}/netboot-cleared`);
  }

  // --- transport

  private async json<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const text = await this.call(method, path, body, signal);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async call(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<string> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ErlenError('UNAVAILABLE', `server unreachable for ${path}: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (response.ok) return text;
    let code: ErrorCode = response.status >= 500 ? 'UNAVAILABLE' : 'INTERNAL';
    let message = text;
    try {
      const parsed = JSON.parse(text) as { code?: ErrorCode; message?: string };
      code = parsed.code ?? code;
      message = parsed.message ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new ErlenError(code, `server answered ${response.status} to ${path}: ${message}`, response.status);
  }
}
