/**
 * The harness-facing API a lab controller serves, path for path Beaker's beaker-proxy
 * (reference/beaker.md §5.6 (a) and (b)): harnesses such as restraint, and kickstart
 * snippets, call it unchanged. What it learns is relayed to the server; logs stay on this
 * machine's disk and are indexed on the server.
 *
 * Like Beaker's, callers are not authenticated: harnesses and installers on the lab network
 * carry no credentials (restraint sends none). What protects the server is that this lab
 * controller acts only with its own token, and the server lets it touch only recipes and
 * systems of its lab.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { createReadStream, existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Type, type Static } from 'typebox';
import { HARNESS_RESULTS, HARNESS_TASK_STATUSES, type LogOwner } from '../../../common/src/api/harness.js';
import { ErlenError, isErlenError } from '../../../common/src/errors.js';
import { clearNetboot } from '../netboot/netboot.js';
import type { ServerClient } from '../server-client.js';
import { renderLogIndex } from './log-index.js';
import { LogStore, parseContentRange, splitLogName } from './log-store.js';

export interface HarnessApiOptions {
  server: ServerClient;
  logs: LogStore;
  tftpRoot: string;
  /** This API's base URL as harnesses and users reach it (log URLs, Location headers). */
  publicUrl: string;
  /** As booted systems reach it, when that differs (kickstarts point installers here); default publicUrl. */
  bootUrl?: string;
  /** The harness bundle installers download (`GET /harness/erlen-harness.mjs`). */
  harnessBundle?: string;
  logger: FastifyBaseLogger;
  /** Beaker's proxy limits request bodies to 10 MB. */
  bodyLimit?: number;
}

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Id = Type.Integer({ minimum: 1 });
const RecipeParams = Type.Object({ rid: Id });
const TaskParams = Type.Object({ rid: Id, tid: Id });
const TaskUpdateBody = Type.Object({
  status: Type.Optional(literals(HARNESS_TASK_STATUSES)),
  message: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
});
type Params = Record<string, string | undefined>;

/** The three places logs live, as route prefixes with the owner they name. */
const LOG_OWNERS = [
  { prefix: '/recipes/:rid', owner: (p: Params): LogOwner => ({ recipeId: Number(p.rid) }) },
  {
    prefix: '/recipes/:rid/tasks/:tid',
    owner: (p: Params): LogOwner => ({ recipeId: Number(p.rid), taskId: Number(p.tid) }),
  },
  {
    prefix: '/recipes/:rid/tasks/:tid/results/:resid',
    owner: (p: Params): LogOwner => ({
      recipeId: Number(p.rid),
      taskId: Number(p.tid),
      resultId: Number(p.resid),
    }),
  },
];

export async function buildHarnessApi(options: HarnessApiOptions): Promise<FastifyInstance> {
  const { server, logs } = options;
  const base = options.publicUrl.replace(/\/+$/, '');
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
    // Beaker's paths end in "/" (`/recipes/1/`); clients send both forms.
    routerOptions: { ignoreTrailingSlash: true },
  });

  app.addHook('onClose', () => logs.close());

  // Harnesses post forms (Beaker's documented encoding) or JSON.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    const status = isErlenError(error) ? error.statusCode : (error.statusCode ?? 500);
    // 503s come in bursts (the server restarting or saturated) and harnesses retry them: one
    // line each, without the stack, instead of an error report per chunk.
    if (status === 503) request.log.warn({ reason: error.message }, 'harness API request deferred');
    else if (status >= 500) request.log.error({ err: error }, 'harness API request failed');
    // Plain text, as beaker-proxy answers: harnesses log it, they do not parse it.
    void reply.status(status).type('text/plain; charset=utf-8').send(`${error.message}\n`);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type('text/plain; charset=utf-8')
      .send(`no such resource: ${request.method} ${request.url}\n`),
  );

  app.get('/healthz', async (_request, reply) => reply.type('text/plain').send('We are healthy!'));

  // --- recipes, tasks, results, watchdog (§5.6 (b))

  app.get('/recipes/:rid', { schema: { params: RecipeParams } }, async (request, reply) => {
    if (!acceptsXml(request.headers.accept))
      return reply.status(406).type('text/plain').send('the recipe is only available as application/xml\n');
    const { rid } = request.params as { rid: number };
    return reply.type('application/xml').send(await server.recipeXml(rid));
  });

  app.patch(
    '/recipes/:rid/tasks/:tid',
    { schema: { params: TaskParams, body: TaskUpdateBody } },
    async (request) => {
      const { rid, tid } = request.params as { rid: number; tid: number };
      return server.updateTask(rid, tid, request.body as Static<typeof TaskUpdateBody>);
    },
  );

  // The deprecated form of the PATCH above.
  app.post(
    '/recipes/:rid/tasks/:tid/status',
    { schema: { params: TaskParams, body: TaskUpdateBody } },
    async (request, reply) => {
      const { rid, tid } = request.params as { rid: number; tid: number };
      await server.updateTask(rid, tid, request.body as Static<typeof TaskUpdateBody>);
      return reply.status(204).send();
    },
  );

  app.post(
    '/recipes/:rid/tasks/:tid/results',
    {
      schema: {
        params: TaskParams,
        body: Type.Object({
          result: literals(HARNESS_RESULTS),
          path: Type.Optional(Type.String()),
          score: Type.Optional(Type.Number()),
          message: Type.Optional(Type.String()),
        }),
      },
    },
    async (request, reply) => {
      const { rid, tid } = request.params as { rid: number; tid: number };
      const body = request.body as {
        result: (typeof HARNESS_RESULTS)[number];
        path?: string;
        score?: number;
        message?: string;
      };
      const id = await server.recordResult(rid, tid, { ...body, path: body.path ?? '/' });
      const location = `${base}/recipes/${rid}/tasks/${tid}/results/${id}`;
      return reply.status(201).header('location', location).send();
    },
  );

  app.post(
    '/recipes/:rid/status',
    {
      schema: {
        params: RecipeParams,
        body: Type.Object({ status: Type.String(), message: Type.Optional(Type.String()) }),
      },
    },
    async (request, reply) => {
      const { rid } = request.params as { rid: number };
      const body = request.body as { status: string; message?: string };
      if (body.status !== 'Aborted')
        throw new ErlenError('BAD_REQUEST', `a harness may only set a recipe Aborted, not ${body.status}`);
      await server.abortRecipe(rid, body.message ?? '');
      return reply.status(204).send();
    },
  );

  app.get('/recipes/:rid/watchdog', { schema: { params: RecipeParams } }, async (request) =>
    server.watchdog((request.params as { rid: number }).rid),
  );

  app.post(
    '/recipes/:rid/watchdog',
    { schema: { params: RecipeParams, body: Type.Object({ seconds: Type.Integer({ minimum: 0 }) }) } },
    async (request, reply) => {
      await server.extendWatchdog(
        (request.params as { rid: number }).rid,
        (request.body as { seconds: number }).seconds,
      );
      return reply.status(204).send();
    },
  );

  // --- logs: PUT (whole or Content-Range chunk), GET, and the index of each owner

  await app.register(async (uploads) => {
    // Log bodies are bytes of any type, streamed to disk rather than parsed.
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    for (const { prefix, owner } of LOG_OWNERS) {
      uploads.put(`${prefix}/logs/*`, async (request, reply) => {
        const params = request.params as Params;
        const who = owner(params);
        const name = params['*'] ?? '';
        const range = parseContentRange(request.headers['content-range']);
        if (!(await logs.exists(who, name))) {
          // First write: the server indexes it, or refuses (finished task 409, limit 403).
          const { path, filename } = splitLogName(name);
          await server.registerLog({ ...who, path, filename, server: base });
        }
        await logs.write(who, name, request.body as Readable, range);
        return reply.status(204).send();
      });
    }
  });

  for (const { prefix, owner } of LOG_OWNERS) {
    const indexUrl = (params: Params) =>
      `${base}${prefix.replace(/:(\w+)/g, (_, key: string) => params[key] ?? '')}/logs/`;
    // `…/logs/` is the index; with ignoreTrailingSlash it arrives as `…/logs`.
    app.get(`${prefix}/logs`, async (request, reply) => {
      const params = request.params as Params;
      return logIndex(request, reply, owner(params), indexUrl(params));
    });
    app.get(`${prefix}/logs/*`, async (request, reply) => {
      const params = request.params as Params;
      const name = params['*'] ?? '';
      if (name === '') return logIndex(request, reply, owner(params), indexUrl(params));
      const file = await logs.read(owner(params), name);
      return reply.type('text/plain; charset=utf-8').header('content-length', file.size).send(file.stream);
    });
  }

  async function logIndex(request: FastifyRequest, reply: FastifyReply, owner: LogOwner, url: string) {
    const atom = (request.headers.accept ?? '').includes('application/atom+xml');
    const files = await logs.list(owner);
    return reply
      .type(atom ? 'application/atom+xml' : 'text/html; charset=utf-8')
      .send(renderLogIndex(files, url, atom ? 'atom' : 'html'));
  }

  // --- peers' power (multi-host tests)

  app.put(
    '/power/:fqdn',
    { schema: { body: Type.Object({ action: literals(['on', 'off', 'reboot', 'interrupt'] as const) }) } },
    async (request, reply) => {
      await server.powerSystem(
        (request.params as { fqdn: string }).fqdn,
        (request.body as { action: string }).action,
      );
      return reply.status(204).send();
    },
  );

  // --- kickstart check-ins (§5.6 (a)): GETs answering Python reprs, as snippets expect

  const checkIn = (path: string, run: (rid: number) => Promise<string>) =>
    app.get(path, async (request, reply) => {
      const params = request.params as Params;
      const rid = Number(params.rid);
      if (!Number.isSafeInteger(rid) || rid < 1)
        throw new ErlenError('BAD_REQUEST', `${params.rid} is not a recipe id`);
      return reply.type('text/plain').send(await run(rid));
    });
  checkIn('/install_start/:rid', async (rid) => (await server.installEvent(rid, 'start'), 'True'));
  checkIn('/install_done/:rid', async (rid) => pythonString(await server.installEvent(rid, 'done')));
  // The FQDN the installer reports is not trusted: Beaker keeps the one it configured.
  checkIn('/install_done/:rid/:fqdn', async (rid) => pythonString(await server.installEvent(rid, 'done')));
  checkIn(
    '/postinstall_done/:rid',
    async (rid) => (await server.installEvent(rid, 'postinstall_done'), 'True'),
  );
  checkIn('/install_fail/:rid', async (rid) => (await server.installEvent(rid, 'fail'), 'True'));
  checkIn('/postreboot/:rid', async (rid) => (await server.postreboot(rid), 'True'));

  // --- provisioning an installer tree: its kickstart and the harness it installs

  app.get('/kickstart/:id', async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    if (!Number.isSafeInteger(id) || id < 1) throw new ErlenError('BAD_REQUEST', 'not an installation id');
    const bootUrl = (options.bootUrl ?? options.publicUrl).replace(/\/?$/, '/');
    return reply.type('text/plain; charset=utf-8').send(await server.kickstart(id, bootUrl));
  });

  app.get('/harness/erlen-harness.mjs', async (_request, reply) => {
    const bundle = options.harnessBundle;
    if (!bundle || !existsSync(bundle))
      throw new ErlenError('NOT_FOUND', 'this lab controller serves no harness');
    return reply.type('text/javascript').send(createReadStream(bundle));
  });

  app.get('/nopxe/:fqdn', async (request, reply) => {
    const system = await server.netbootIdentity((request.params as { fqdn: string }).fqdn);
    await clearNetboot(options.tftpRoot, system);
    await server.netbootCleared(system.fqdn);
    return reply.type('text/plain').send('True');
  });

  return app;
}

/** True unless an Accept header excludes XML (Beaker answers 406 then). */
function acceptsXml(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept
    .split(',')
    .map((part) => (part.split(';')[0] ?? '').trim().toLowerCase())
    .some((type) => ['application/xml', 'application/*', '*/*', 'text/xml'].includes(type));
}

function pythonString(value: string | null): string {
  return value === null ? 'None' : `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
