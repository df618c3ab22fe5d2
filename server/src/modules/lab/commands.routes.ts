import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErlenError } from '../../../../common/src/errors.js';
import type { Db } from '../../db/prisma.js';
import type { SchedulerEvents } from '../../events/scheduler-events.js';
import { requireActor } from '../../http/auth-plugin.js';
import { ErrorBody } from '../../http/schemas.js';
import type { SecretBox } from '../../security/secret-box.js';
import { CommandNotifier } from './command-notifier.js';
import {
  labOfActor,
  markCompleted,
  markFailed,
  markLabSeen,
  markRunning,
  queuePower,
  queuedCommands,
  requeueRunning,
  touchLab,
} from './commands.service.js';
import { canPower, visibleSystemsWhere } from './system-access.js';

/** How often a held poll records that its lab controller is still there. */
const HEARTBEAT_MS = 2000;

/** The longest a poll is held open: below common proxies' idle timeouts. */
const MAX_WAIT_SECONDS = 30;

const CommandId = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const commandRoutes: FastifyPluginAsyncTypebox<{
  db: Db;
  events: SchedulerEvents;
  secrets: SecretBox;
  databaseUrl: string;
  labOfflineAfterMs: number;
}> = async (app, { db, events, secrets, databaseUrl, labOfflineAfterMs }) => {
  const notifier = await CommandNotifier.start(databaseUrl, app.log);
  // Before the HTTP server closes: held polls end now instead of holding shutdown for their wait.
  app.addHook('preClose', async () => notifier.close());

  app.post(
    '/lab/commands/poll',
    {
      schema: {
        tags: ['lab controller'],
        summary: 'Long-poll for the lab’s queued commands (lab controller account only); marks the lab seen',
        body: Type.Object(
          {
            held: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100_000 }),
            waitSeconds: Type.Integer({ minimum: 0, maximum: MAX_WAIT_SECONDS }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const lab = await labOfActor(db, requireActor(request.actor));
      await markLabSeen(db, lab, labOfflineAfterMs, events);
      const { held, waitSeconds } = request.body;
      const wait = waitSeconds > 0 ? notifier.waitFor(lab.id, waitSeconds * 1000) : undefined;
      // A client that goes away ends its wait rather than holding a timer for nothing.
      reply.raw.once('close', () => wait?.cancel());
      let commands = await queuedCommands(db, secrets, lab, held);
      if (commands.length === 0 && wait) {
        // A held poll is a lab controller alive now: the watchdog sweeper aborts a recipe only
        // once its lab has been seen after the kill time, so keep last_seen_at fresh.
        const heartbeat = setInterval(
          () =>
            void touchLab(db, lab).catch((error: unknown) =>
              request.log.warn({ err: error }, 'lab heartbeat'),
            ),
          HEARTBEAT_MS,
        );
        try {
          await wait.woken;
        } finally {
          clearInterval(heartbeat);
        }
        commands = await queuedCommands(db, secrets, lab, held);
      } else wait?.cancel();
      return { commands };
    },
  );

  app.post(
    '/lab/commands/requeue-running',
    {
      schema: {
        tags: ['lab controller'],
        summary: 'At lab controller start: its Running commands go back to Queued (they run again)',
        response: { 200: Type.Object({ requeued: Type.Integer() }), 403: ErrorBody },
      },
    },
    async (request) => {
      const lab = await labOfActor(db, requireActor(request.actor));
      return { requeued: await requeueRunning(db, lab) };
    },
  );

  const commandSchema = (summary: string) => ({
    tags: ['lab controller'],
    summary,
    params: CommandId,
    response: { 204: Type.Null(), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
  });
  app.post(
    '/lab/commands/:id/running',
    { schema: commandSchema('The lab controller starts a command (Queued → Running)') },
    async (request, reply) => {
      await markRunning(db, await labOfActor(db, requireActor(request.actor)), request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/lab/commands/:id/completed',
    { schema: commandSchema('A command succeeded (Running → Completed)') },
    async (request, reply) => {
      await markCompleted(db, await labOfActor(db, requireActor(request.actor)), request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/lab/commands/:id/failed',
    {
      schema: {
        ...commandSchema(
          'A command failed (Running → Failed); may mark the system Broken and abort its recipe',
        ),
        body: Type.Object(
          { message: Type.String({ maxLength: 10_000 }), systemBroken: Type.Boolean() },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const lab = await labOfActor(db, requireActor(request.actor));
      await markFailed(db, lab, request.params.id, request.body, events);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/systems/:fqdn/power',
    {
      schema: {
        tags: ['lab'],
        summary: 'Queue a power action for a system (owner, current user, control_system grantees, admins)',
        params: Type.Object({ fqdn: Type.String({ minLength: 1 }) }),
        body: Type.Object(
          {
            action: Type.Union([
              Type.Literal('on'),
              Type.Literal('off'),
              Type.Literal('reboot'),
              Type.Literal('interrupt'),
            ]),
          },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({ commands: Type.Array(Type.Integer()) }),
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request.actor);
      const system = await db.system.findFirst({
        where: { AND: [{ fqdn: request.params.fqdn }, visibleSystemsWhere(actor)] },
        select: {
          id: true,
          ownerId: true,
          userId: true,
          activeAccessPolicy: {
            select: { rules: { select: { permission: true, userId: true, groupId: true } } },
          },
        },
      });
      if (!system) throw new ErlenError('NOT_FOUND', `no system ${request.params.fqdn}`);
      if (!canPower(actor, system))
        throw new ErlenError('FORBIDDEN', `you may not power ${request.params.fqdn}`);
      const commands = await queuePower(db, system.id, {
        action: request.body.action,
        service: 'HTTP',
        userId: actor.userId,
      });
      return reply.status(202).send({ commands });
    },
  );
};
