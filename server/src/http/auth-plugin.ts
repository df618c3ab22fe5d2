import fp from 'fastify-plugin';
import { ErlenError } from '../../../common/src/errors.js';
import type { Db } from '../db/prisma.js';
import type { Actor } from '../security/actor.js';
import { actorForToken } from '../security/authenticate.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** Routes reachable without a token (login, health, API docs). */
    public?: boolean;
  }
}

/** Authenticates every route unless the route opts out with `config: { public: true }`. */
export const authPlugin = fp<{ db: Db }>(
  async (app, { db }) => {
    app.decorateRequest('actor', null);
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization;
      if (header) {
        const match = /^Bearer\s+(\S+)$/i.exec(header);
        if (!match?.[1])
          throw new ErlenError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
        request.actor = await actorForToken(db, match[1]);
        if (!request.actor) throw new ErlenError('UNAUTHENTICATED', 'token is invalid, expired or revoked');
      }
      const isPublic = request.routeOptions.config?.public === true;
      if (!request.actor && !isPublic) {
        throw new ErlenError(
          'UNAUTHENTICATED',
          'authentication required: send "Authorization: Bearer <token>"',
        );
      }
    });
  },
  { name: 'erlen-auth' },
);

export function requireActor(actor: Actor | null): Actor {
  if (!actor) throw new ErlenError('UNAUTHENTICATED', 'authentication required');
  return actor;
}

export function requireAdmin(actor: Actor | null): Actor {
  const who = requireActor(actor);
  if (!who.admin) throw new ErlenError('FORBIDDEN', 'only administrators may do this');
  return who;
}
