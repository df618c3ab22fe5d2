import type {
  DistroTreeImported,
  DistroTreeInput,
  DryRunResult,
  JobDetail,
  JobPriorityChange,
  JobSummary,
  LabControllerCreated,
  LabControllerSummary,
  Page,
  RecipeExplanation,
  RecipeSetPriority,
  SubmitResult,
  SystemInput,
  SystemSummary,
  WhoAmI,
} from './api-types.js';
import { ApiError, CliError, InterruptedError } from './errors.js';

/** One entry of `GET /logs` (docs/api.md, "Logs"). */
export interface LogEntry {
  recipeId: number;
  taskId?: number;
  resultId?: number;
  name: string;
  size: number;
  href: string;
  url: string;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

export interface ApiClientOptions {
  /** Server base URL without trailing slash (see config.ts). */
  url: string;
  token: string;
  fetch?: typeof globalThis.fetch;
  /** Per-request limit, so a hung server does not hang a CI job forever. */
  timeoutMs?: number;
}

interface RequestOptions {
  query?: Query;
  body?: string;
  contentType?: string;
  accept: string;
  signal?: AbortSignal;
}

const JSON_TYPE = 'application/json';
const XML_TYPE = 'application/xml';

/** One method per route of docs/api.md that the CLI uses. */
export class ApiClient {
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  whoami(): Promise<WhoAmI> {
    return this.json('GET', '/auth/whoami');
  }

  submitJob(xml: string): Promise<SubmitResult> {
    return this.json('POST', '/jobs', { body: xml, contentType: XML_TYPE });
  }

  dryRunJob(xml: string): Promise<DryRunResult> {
    return this.json('POST', '/jobs', { body: xml, contentType: XML_TYPE, query: { dryrun: 'true' } });
  }

  listJobs(query: Query): Promise<Page<JobSummary>> {
    return this.json('GET', '/jobs', { query });
  }

  getJob(id: number, signal?: AbortSignal): Promise<JobDetail> {
    return this.json('GET', `/jobs/${id}`, { signal });
  }

  cancelJob(id: number, message?: string): Promise<JobSummary> {
    return this.json('POST', `/jobs/${id}/cancel`, jsonBody({ message }));
  }

  cancelRecipeSet(id: number, message?: string): Promise<JobSummary> {
    return this.json('POST', `/recipesets/${id}/cancel`, jsonBody({ message }));
  }

  setRecipeSetPriority(id: number, priority: string): Promise<RecipeSetPriority> {
    return this.json('PATCH', `/recipesets/${id}`, jsonBody({ priority }));
  }

  powerSystem(fqdn: string, action: string): Promise<{ commands: number[] }> {
    return this.json('POST', `/systems/${encodeURIComponent(fqdn)}/power`, jsonBody({ action }));
  }

  setJobPriority(id: number, priority: string): Promise<JobPriorityChange> {
    return this.json('PATCH', `/jobs/${id}`, jsonBody({ priority }));
  }

  explainRecipe(id: number): Promise<RecipeExplanation> {
    return this.json('GET', `/recipes/${id}/explain`);
  }

  cloneJobXml(id: number): Promise<string> {
    return this.text('GET', `/jobs/${id}/clone`, { accept: XML_TYPE });
  }

  cloneRecipeSetXml(id: number): Promise<string> {
    return this.text('GET', `/recipesets/${id}/clone`, { accept: XML_TYPE });
  }

  jobResultsXml(id: number, includeLogs: boolean): Promise<string> {
    const query = includeLogs ? undefined : { logs: 'false' };
    return this.text('GET', `/jobs/${id}.xml`, { accept: XML_TYPE, query });
  }

  jobJunitXml(id: number): Promise<string> {
    return this.text('GET', `/jobs/${id}.junit.xml`, { accept: XML_TYPE });
  }

  listLogs(taskspec: string): Promise<{ items: LogEntry[] }> {
    return this.json('GET', '/logs', { query: { taskspec } });
  }

  /**
   * The bytes of one log. The server answers 307 to the lab controller storing the file, and
   * fetch follows it. On that cross-origin hop fetch (undici, per the Fetch standard) drops the
   * Authorization header, so the API token never reaches the lab controller, whose log GET needs
   * none (as Beaker's); test/integration/jobs/logs.test.ts checks both.
   */
  /**
   * A log's bytes, read straight from the lab controller that stores them (the index's `url`;
   * the server's href only redirects there). No credentials go with it: the lab controller's
   * log GET is public on the lab network, as in Beaker, and the token is the server's alone.
   */
  async logContent(log: LogEntry): Promise<Uint8Array> {
    let response: Response;
    try {
      response = await fetch(log.url, { headers: { accept: '*/*' } });
    } catch (error) {
      throw new CliError(
        `${log.name}: cannot reach ${new URL(log.url).origin}: ${describeNetworkError(error)}`,
      );
    }
    if (!response.ok) throw await toApiError(response, new URL(log.url).origin);
    try {
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw new CliError(`${log.name}: the download broke off: ${describeNetworkError(error)}`);
    }
  }

  createLabController(fqdn: string): Promise<LabControllerCreated> {
    return this.json('POST', '/labcontrollers', jsonBody({ fqdn }));
  }

  listLabControllers(): Promise<{ items: LabControllerSummary[] }> {
    return this.json('GET', '/labcontrollers');
  }

  createSystem(input: SystemInput): Promise<SystemSummary> {
    return this.json('POST', '/systems', jsonBody(input));
  }

  listSystems(query: Query): Promise<Page<SystemSummary>> {
    return this.json('GET', '/systems', { query });
  }

  importDistroTree(input: DistroTreeInput): Promise<DistroTreeImported> {
    return this.json('POST', '/distro-trees', jsonBody(input));
  }

  private async json<T>(method: string, path: string, options: Partial<RequestOptions> = {}): Promise<T> {
    const response = await this.request(method, path, { accept: JSON_TYPE, ...options });
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(
        `${method} ${path}: the server sent a response that is not JSON (HTTP ${response.status})`,
      );
    }
  }

  private async text(method: string, path: string, options: RequestOptions): Promise<string> {
    const response = await this.request(method, path, options);
    return response.text();
  }

  private async request(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: options.accept,
    };
    if (options.contentType) headers['content-type'] = options.contentType;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await this.fetchImpl(buildUrl(this.options.url, path, options.query), {
        method,
        headers,
        body: options.body,
        signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw new InterruptedError();
      const reason = timeout.aborted
        ? `no answer within ${this.timeoutMs / 1000} s`
        : describeNetworkError(error);
      throw new CliError(`cannot reach ${this.options.url}: ${reason}`);
    }
    if (!response.ok) throw await toApiError(response);
    return response;
  }
}

/** Joins base URL (which may have a path prefix), route and query; arrays repeat the key. */
export function buildUrl(base: string, path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else params.append(key, String(value));
  }
  const search = params.toString();
  return `${base}${path}${search ? `?${search}` : ''}`;
}

function jsonBody(value: object): Partial<RequestOptions> {
  return { body: JSON.stringify(value), contentType: JSON_TYPE };
}

/** `origin`: who answered when it is not the server (a lab controller serving a log). */
async function toApiError(response: Response, origin?: string): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  const from = origin ? `${origin} ` : '';
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body.code === 'string' && typeof body.message === 'string') {
      const message = from ? `${from}answered: ${body.message}` : body.message;
      return new ApiError(response.status, body.code, message, body.details);
    }
  } catch {
    // Not the contract's error body (a proxy's HTML page, say): fall through to the status line.
  }
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    `${from || 'the server '}answered HTTP ${response.status}${statusText}`,
  );
}

/**
 * fetch() hides the useful part (ECONNREFUSED, ENOTFOUND, certificate problems) in `cause`.
 * Duck-typed rather than `instanceof`: undici's errors may come from another realm.
 */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  // Happy-eyeballs connects fail with an AggregateError whose own message is empty.
  const inner = messageOf((cause as { errors?: unknown[] } | undefined)?.errors?.[0]) ?? messageOf(cause);
  return inner ?? messageOf(error) ?? String(error);
}

function messageOf(value: unknown): string | undefined {
  const message = (value as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message !== '' ? message : undefined;
}
