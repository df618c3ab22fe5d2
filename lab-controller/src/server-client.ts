import type { CommandFailure, CommandPollResponse, LabCommand } from '../../common/src/api/lab-commands.js';
import { ErlenError, type ErrorCode } from '../../common/src/errors.js';

/** The server's lab-controller API, authenticated with the lab controller's token. */
export class ServerClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async poll(held: readonly number[], waitSeconds: number, signal?: AbortSignal): Promise<LabCommand[]> {
    const body = await this.post<CommandPollResponse>('/lab/commands/poll', { held, waitSeconds }, signal);
    return body.commands;
  }

  async requeueRunning(): Promise<number> {
    return (await this.post<{ requeued: number }>('/lab/commands/requeue-running')).requeued;
  }

  async running(id: number): Promise<void> {
    await this.post(`/lab/commands/${id}/running`);
  }

  async completed(id: number): Promise<void> {
    await this.post(`/lab/commands/${id}/completed`);
  }

  async failed(id: number, failure: CommandFailure): Promise<void> {
    await this.post(`/lab/commands/${id}/failed`, failure);
  }

  private async post<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    if (!response.ok) {
      let code: ErrorCode = 'INTERNAL';
      let message = text;
      try {
        const parsed = JSON.parse(text) as { code?: ErrorCode; message?: string };
        code = parsed.code ?? code;
        message = parsed.message ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new ErlenError(
        code,
        `server answered ${response.status} to ${path}: ${message}`,
        response.status,
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
