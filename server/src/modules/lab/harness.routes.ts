import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  HARNESS_RESULTS,
  HARNESS_TASK_STATUSES,
  INSTALL_EVENTS,
} from '../../../../common/src/api/harness.js';
import type { Db } from '../../db/prisma.js';
import type { SchedulerEvents } from '../../events/scheduler-events.js';
import { requireActor } from '../../http/auth-plugin.js';
import { ErrorBody } from '../../http/schemas.js';
import { installationKickstart } from '../../provisioning/kickstart.service.js';
import { labOfActor, queuePower } from './commands.service.js';
import {
  abortRecipe,
  extendWatchdog,
  installEvent,
  netbootIdentity,
  recipeDocument,
  recipeOfLab,
  recordNetbootCleared,
  recordResult,
  registerLog,
  systemOfLab,
  updateTask,
  watchdogState,
  type HarnessLimits,
} from './harness.service.js';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const RecipeParams = Type.Object({ rid: Type.Integer({ minimum: 1 }) });
const TaskParams = Type.Object({ rid: Type.Integer({ minimum: 1 }), tid: Type.Integer({ minimum: 1 }) });
const Text = Type.String({ maxLength: 100_000 });
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/**
 * The server's half of the harness API: lab controllers relay what harnesses report. Only
 * a lab controller's own account may call these, and only for recipes and systems of its lab.
 */
export const harnessRoutes: FastifyPluginAsyncTypebox<{
  db: Db;
  events: SchedulerEvents;
  publicUrl: string;
  limits: HarnessLimits;
}> = async (app, { db, events, publicUrl, limits }) => {
  const lab = (request: FastifyRequest) => labOfActor(db, requireActor(request.actor));
  const tags = ['harness relay'];

  app.get(
    '/lab/recipes/:rid',
    {
      schema: {
        tags,
        summary: 'The recipe document a harness runs from (results-format XML)',
        params: RecipeParams,
        response: { 200: Type.String(), ...errors },
      },
    },
    async (request, reply) =>
      reply
        .type('application/xml')
        .send(await recipeDocument(db, await lab(request), request.params.rid, publicUrl)),
  );

  app.patch(
    '/lab/recipes/:rid/tasks/:tid',
    {
      schema: {
        tags,
        summary: 'Start, finish or abort a task; record its reported name or version',
        params: TaskParams,
        body: Type.Object(
          {
            status: Type.Optional(literals(HARNESS_TASK_STATUSES)),
            message: Type.Optional(Text),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            version: Type.Optional(Type.String({ maxLength: 255 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            id: Type.Integer(),
            name: Type.String(),
            version: Type.Union([Type.String(), Type.Null()]),
            status: Type.String(),
            result: Type.String(),
          }),
          ...errors,
        },
      },
    },
    async (request) =>
      updateTask(db, await lab(request), request.params.rid, request.params.tid, request.body, events),
  );

  app.post(
    '/lab/recipes/:rid/tasks/:tid/results',
    {
      schema: {
        tags,
        summary: 'Record a task result (409 once the task finished, 403 over the recipe’s limit)',
        params: TaskParams,
        body: Type.Object(
          {
            result: literals(HARNESS_RESULTS),
            path: Type.String({ maxLength: 4000 }),
            score: Type.Optional(Type.Number()),
            message: Type.Optional(Text),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.Integer() }), ...errors },
      },
    },
    async (request, reply) => {
      const id = await recordResult(
        db,
        await lab(request),
        request.params.rid,
        request.params.tid,
        request.body,
        limits,
      );
      return reply.status(201).send({ id });
    },
  );

  app.post(
    '/lab/recipes/:rid/abort',
    {
      schema: {
        tags,
        summary: 'The harness aborts its recipe',
        params: RecipeParams,
        body: Type.Object({ message: Text }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await abortRecipe(db, await lab(request), request.params.rid, request.body.message, events);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/lab/recipes/:rid/watchdog',
    {
      schema: {
        tags,
        summary: 'Seconds left on the recipe’s watchdog (null before the system booted)',
        params: RecipeParams,
        response: { 200: Type.Object({ seconds: Type.Union([Type.Integer(), Type.Null()]) }), ...errors },
      },
    },
    async (request) => watchdogState(db, await lab(request), request.params.rid),
  );

  app.post(
    '/lab/recipes/:rid/watchdog',
    {
      schema: {
        tags,
        summary: 'Set the kill time to now + seconds',
        params: RecipeParams,
        body: Type.Object(
          { seconds: Type.Integer({ minimum: 0, maximum: 10 * 365 * 86_400 }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await extendWatchdog(db, await lab(request), request.params.rid, request.body.seconds);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/lab/logs',
    {
      schema: {
        tags,
        summary:
          'Index a log file the lab controller stores (its first write); the same file again is a no-op',
        body: Type.Object(
          {
            recipeId: Type.Integer({ minimum: 1 }),
            taskId: Type.Optional(Type.Integer({ minimum: 1 })),
            resultId: Type.Optional(Type.Integer({ minimum: 1 })),
            path: Type.String({ maxLength: 1000 }),
            filename: Type.String({ minLength: 1, maxLength: 255 }),
            server: Type.String({ pattern: '^https?://', maxLength: 1000 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ id: Type.Integer() }), ...errors },
      },
    },
    async (request) => ({ id: await registerLog(db, await lab(request), request.body, limits) }),
  );

  app.post(
    '/lab/recipes/:rid/install/:event',
    {
      schema: {
        tags,
        summary: 'Kickstart check-ins: install start, done, post-install done, failure',
        params: Type.Object({ rid: Type.Integer({ minimum: 1 }), event: literals(INSTALL_EVENTS) }),
        response: { 200: Type.Object({ fqdn: Type.Union([Type.String(), Type.Null()]) }), ...errors },
      },
    },
    async (request) => ({
      fqdn: await installEvent(db, await lab(request), request.params.rid, request.params.event, events),
    }),
  );

  app.get(
    '/lab/installations/:id/kickstart',
    {
      schema: {
        tags,
        summary: 'The kickstart an installer tree installs from (rendered on first request, then kept)',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        querystring: Type.Object({
          harnessUrl: Type.String({ pattern: '^https?://', maxLength: 2000 }),
        }),
        response: { 200: Type.String(), ...errors },
      },
    },
    async (request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(
          await installationKickstart(db, await lab(request), request.params.id, request.query.harnessUrl),
        ),
  );

  app.post(
    '/lab/recipes/:rid/postreboot',
    {
      schema: {
        tags,
        summary: 'Power-cycle the recipe’s system (for systems that cannot reboot themselves)',
        params: RecipeParams,
        response: { 202: Type.Object({ commands: Type.Array(Type.Integer()) }), ...errors },
      },
    },
    async (request, reply) => {
      const recipe = await recipeOfLab(db, await lab(request), request.params.rid);
      if (recipe.systemId === null) return reply.status(202).send({ commands: [] });
      const commands = await queuePower(db, recipe.systemId, {
        action: 'reboot',
        service: 'harness',
        userId: requireActor(request.actor).userId,
      });
      return reply.status(202).send({ commands });
    },
  );

  app.post(
    '/lab/systems/:fqdn/power',
    {
      schema: {
        tags,
        summary: 'Power a system of this lab on a harness’s behalf (multi-host tests)',
        params: Type.Object({ fqdn: Type.String({ minLength: 1 }) }),
        body: Type.Object(
          { action: literals(['on', 'off', 'reboot', 'interrupt'] as const) },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ commands: Type.Array(Type.Integer()) }), ...errors },
      },
    },
    async (request, reply) => {
      const systemId = await systemOfLab(db, await lab(request), request.params.fqdn);
      const commands = await queuePower(db, systemId, {
        action: request.body.action,
        service: 'harness',
        userId: requireActor(request.actor).userId,
      });
      return reply.status(202).send({ commands });
    },
  );

  app.get(
    '/lab/systems/:fqdn/netboot-identity',
    {
      schema: {
        tags,
        summary: 'The MAC and IP address a system’s netboot files are named after',
        params: Type.Object({ fqdn: Type.String({ minLength: 1 }) }),
        response: {
          200: Type.Object({
            fqdn: Type.String(),
            macAddress: Type.Union([Type.String(), Type.Null()]),
            ipAddress: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (request) => netbootIdentity(db, await lab(request), request.params.fqdn),
  );

  app.post(
    '/lab/systems/:fqdn/netboot-cleared',
    {
      schema: {
        tags,
        summary: 'Record that the lab controller removed the system’s netboot files (/nopxe)',
        params: Type.Object({ fqdn: Type.String({ minLength: 1 }) }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await recordNetbootCleared(
        db,
        await lab(request),
        request.params.fqdn,
        requireActor(request.actor).userId,
      );
      return reply.status(204).send(null);
    },
  );
};
