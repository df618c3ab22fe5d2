import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Db } from '../db/prisma.js';
import { requireAdmin } from '../http/auth-plugin.js';
import { ErrorBody } from '../http/schemas.js';
import { extendAllWatchdogs } from './kill-time-shift.js';

/** Longer outages can be made up for by calling again; a typo of a few zeros cannot park every recipe for years. */
const MAX_EXTEND_SECONDS = 30 * 24 * 3600;

export const watchdogRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/watchdogs/extend',
    {
      schema: {
        tags: ['watchdogs'],
        summary:
          'Push every running recipe’s watchdog out by `seconds` (admin; Beaker’s watchdogs-extend, after an outage)',
        body: Type.Object(
          { seconds: Type.Integer({ minimum: 1, maximum: MAX_EXTEND_SECONDS }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ extended: Type.Integer({ description: 'watchdogs pushed out' }) }),
          400: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request) => {
      const admin = requireAdmin(request.actor);
      const { seconds } = request.body;
      const extended = await extendAllWatchdogs(db, seconds * 1000);
      request.log.info({ admin: admin.username, seconds, extended }, 'watchdogs extended');
      return { extended };
    },
  );
};
