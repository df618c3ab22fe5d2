import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type, type TProperties } from 'typebox';
import { parseTaskspec } from '../../../../common/src/domain/taskspec.js';
import type { Db } from '../../db/prisma.js';
import { ErrorBody } from '../../http/schemas.js';
import { listLogs, logLocation, type LogOwner } from './logs.service.js';

// As IdParam: a larger number is simply not found rather than a database error.
const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });

const LogEntry = Type.Object({
  recipeId: Type.Integer(),
  taskId: Type.Optional(Type.Integer()),
  resultId: Type.Optional(Type.Integer()),
  name: Type.String({ description: 'path/filename within its owner' }),
  size: Type.Integer({ description: 'bytes, as the lab controller last reported' }),
  href: Type.String({ description: 'on this server: redirects to url' }),
  url: Type.String({ description: 'on the lab controller storing the file' }),
});

/**
 * Log reading. Any account may read any job's logs, as it may view any job (GET /jobs/:id);
 * the auth plugin has already refused anonymous callers.
 */
export const logRoutes: FastifyPluginAsyncTypebox<{ db: Db; publicUrl: string }> = async (
  app,
  { db, publicUrl },
) => {
  // Beaker's three log places, on the same paths as the lab controller's harness API.
  const redirectSchema = <P extends TProperties>(ids: P) => ({
    schema: {
      tags: ['logs'],
      summary: 'Redirect (307) to the lab controller that stores this log',
      description:
        'The lab controller serves the file without authentication, as in Beaker; the server never relays log bytes.',
      params: Type.Object({ ...ids, '*': Type.String() }),
      response: {
        307: Type.Null({ description: 'Location: the file on its lab controller' }),
        404: ErrorBody,
      },
    },
  });
  const redirect = async (reply: FastifyReply, owner: LogOwner, name: string) =>
    reply.redirect(await logLocation(db, owner, name), 307);

  app.get('/recipes/:rid/logs/*', redirectSchema({ rid: Id }), async ({ params }, reply) =>
    redirect(reply, { recipeId: params.rid }, params['*']),
  );
  app.get(
    '/recipes/:rid/tasks/:tid/logs/*',
    redirectSchema({ rid: Id, tid: Id }),
    async ({ params }, reply) => redirect(reply, { recipeId: params.rid, taskId: params.tid }, params['*']),
  );
  app.get(
    '/recipes/:rid/tasks/:tid/results/:resid/logs/*',
    redirectSchema({ rid: Id, tid: Id, resid: Id }),
    async ({ params }, reply) =>
      redirect(reply, { recipeId: params.rid, taskId: params.tid, resultId: params.resid }, params['*']),
  );

  app.get(
    '/logs',
    {
      schema: {
        tags: ['logs'],
        summary: 'Every log of a job, recipe set, recipe, task (with its results) or result',
        querystring: Type.Object({
          taskspec: Type.String({ description: 'J:n, RS:n, R:n, T:n or TR:n', examples: ['J:1'] }),
        }),
        response: { 200: Type.Object({ items: Type.Array(LogEntry) }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => ({ items: await listLogs(db, parseTaskspec(request.query.taskspec), publicUrl) }),
  );
};
