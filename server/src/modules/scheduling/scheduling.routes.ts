import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Db } from '../../db/prisma.js';
import { requireActor } from '../../http/auth-plugin.js';
import { ErrorBody, IdParam } from '../../http/schemas.js';
import { hasPermission } from '../../security/actor.js';
import { explainRecipe, WAIT_REASONS } from '../../scheduler/explain.js';
import { visibleSystemsWhere } from '../lab/system-access.js';

const Explanation = Type.Object({
  recipe: Type.String(),
  status: Type.String(),
  system: Type.Union([Type.String(), Type.Null()]),
  systems: Type.Integer(),
  matching: Type.Integer(),
  available: Type.Integer(),
  waiting: Type.Array(
    Type.Object({
      reason: Type.String({ enum: Object.keys(WAIT_REASONS) }),
      description: Type.String(),
      count: Type.Integer(),
      examples: Type.Array(Type.String()),
    }),
  ),
  rejectedBy: Type.Array(Type.Object({ predicate: Type.String(), count: Type.Integer() })),
  summary: Type.String(),
});

export const schedulingRoutes: FastifyPluginAsyncTypebox<{ db: Db; labOfflineAfterMs: number }> = async (
  app,
  { db, labOfflineAfterMs },
) => {
  app.get(
    '/recipes/:id/explain',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Why a recipe waits: matching systems by the rule that keeps each from taking it',
        params: IdParam,
        response: { 200: Explanation, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const actor = requireActor(request.actor);
      const visible = hasPermission(actor, 'secret_visible')
        ? undefined
        : new Set(
            (await db.system.findMany({ where: visibleSystemsWhere(actor), select: { id: true } })).map(
              (s) => s.id,
            ),
          );
      return explainRecipe(db, request.params.id, {
        labOfflineAfterMs,
        ...(visible ? { visibleSystemIds: visible } : {}),
      });
    },
  );
};
