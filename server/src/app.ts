import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErlenError } from '../../common/src/errors.js';
import type { ServerConfig } from './config.js';
import type { Db } from './db/prisma.js';
import type { SchedulerEvents } from './events/scheduler-events.js';
import { authPlugin } from './http/auth-plugin.js';
import { registerErrorHandler } from './http/error-handler.js';
import { accountRoutes } from './modules/accounts/accounts.routes.js';
import { jobRoutes } from './modules/jobs/jobs.routes.js';
import { logRoutes } from './modules/jobs/logs.routes.js';
import { commandRoutes } from './modules/lab/commands.routes.js';
import { harnessRoutes } from './modules/lab/harness.routes.js';
import { labRoutes } from './modules/lab/lab.routes.js';
import { schedulingRoutes } from './modules/scheduling/scheduling.routes.js';
import { SecretBox } from './security/secret-box.js';
import { watchdogRoutes } from './watchdog/watchdog.routes.js';

/** How long requests in flight may run on after close() before their connections are cut. */
const SHUTDOWN_GRACE_MS = 2000;

export interface AppDeps {
  config: ServerConfig;
  db: Db;
  events: SchedulerEvents;
  logger: FastifyBaseLogger;
}

/** The composition root: everything the HTTP server needs is passed in, so tests build it with real parts. */
export async function buildApp({ config, db, events, logger }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimit,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Shutdown waits for requests in flight, but not for ever: a keep-alive socket that never sent
  // a request (a client's pool opens them ahead) would otherwise hold close() until Node's
  // headers timeout, a minute later.
  app.addHook('preClose', async () => {
    setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  });

  // Job XML arrives as text; the XML layer does its own hardened parsing.
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser('*', (request, _payload, done) =>
    done(
      new ErlenError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type ${request.headers['content-type']} is not accepted here`,
      ),
    ),
  );

  app.addHook('onRoute', (route) => {
    // The documentation pages are public: they describe the API, they do not use it.
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), public: true };
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Erlen API',
        version: '0.1.0',
        description: 'Beaker-compatible hardware test-lab scheduler',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  registerErrorHandler(app);
  await app.register(authPlugin, { db });

  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  await app.register(accountRoutes, { db, sessionHours: config.sessionHours });
  await app.register(jobRoutes, { db, events, publicUrl: config.publicUrl });
  await app.register(logRoutes, { db, publicUrl: config.publicUrl });
  const secrets = new SecretBox(config.secretKey);
  const labOfflineAfterMs = config.labOfflineAfterSeconds * 1000;
  await app.register(labRoutes, { db, events, secrets });
  await app.register(commandRoutes, {
    db,
    events,
    secrets,
    databaseUrl: config.databaseUrl,
    labOfflineAfterMs,
  });
  await app.register(harnessRoutes, {
    db,
    events,
    publicUrl: config.publicUrl,
    limits: { maxResultsPerRecipe: config.maxResultsPerRecipe, maxLogsPerRecipe: config.maxLogsPerRecipe },
  });
  await app.register(schedulingRoutes, { db, labOfflineAfterMs });
  await app.register(watchdogRoutes, { db });
  return app;
}
