import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErlenError } from '../../../../common/src/errors.js';
import type { Db } from '../../db/prisma.js';
import { requireActor, requireAdmin } from '../../http/auth-plugin.js';
import { ErrorBody, IdParam } from '../../http/schemas.js';
import * as accounts from './accounts.service.js';

const UserOut = Type.Object({
  username: Type.String(),
  displayName: Type.String(),
  email: Type.String(),
  kind: Type.String(),
  admin: Type.Boolean(),
});

export const accountRoutes: FastifyPluginAsyncTypebox<{ db: Db; sessionHours: number }> = async (
  app,
  { db, sessionHours },
) => {
  const userOut = async (userId: number) => {
    const user = await db.user.findUniqueOrThrow({
      where: { id: userId },
      include: { memberships: { include: { group: true } } },
    });
    const admin = user.memberships.some((m) => m.group.name === 'admin');
    return {
      username: user.username,
      displayName: user.displayName,
      email: user.email,
      kind: user.kind,
      admin,
    };
  };

  app.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['accounts'],
        summary: 'Log in with a password; returns a session token',
        body: Type.Object({
          username: Type.String({ minLength: 1 }),
          password: Type.String({ minLength: 1 }),
        }),
        response: {
          200: Type.Object({ token: Type.String(), expiresAt: Type.String(), user: UserOut }),
          401: ErrorBody,
        },
      },
    },
    async (request) => {
      const { token, expiresAt, user } = await accounts.login(
        db,
        request.body.username,
        request.body.password,
        sessionHours,
      );
      return { token, expiresAt: expiresAt.toISOString(), user: await userOut(user.id) };
    },
  );

  app.get(
    '/auth/whoami',
    { schema: { tags: ['accounts'], summary: 'The calling account', response: { 200: UserOut } } },
    async (request) => userOut(requireActor(request.actor).userId),
  );

  const TokenOut = Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    token: Type.String(),
    expiresAt: Type.Union([Type.String(), Type.Null()]),
  });
  app.post(
    '/auth/tokens',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an API token for the calling account (shown once)',
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 100 }),
          expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
        }),
        response: { 201: TokenOut },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request.actor);
      const created = await accounts.issueApiToken(
        db,
        actor.userId,
        request.body.name,
        request.body.expiresInDays,
      );
      return reply.status(201).send({ ...created, expiresAt: created.expiresAt?.toISOString() ?? null });
    },
  );

  app.get(
    '/auth/tokens',
    {
      schema: {
        tags: ['accounts'],
        summary: 'API tokens of the calling account',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.Integer(),
                name: Type.String(),
                createdAt: Type.String(),
                expiresAt: Type.Union([Type.String(), Type.Null()]),
                lastUsedAt: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const rows = await db.apiToken.findMany({
        where: { userId: requireActor(request.actor).userId, kind: 'api' },
        orderBy: { id: 'asc' },
      });
      return {
        items: rows.map((r) => ({
          id: r.id,
          name: r.name,
          createdAt: r.createdAt.toISOString(),
          expiresAt: r.expiresAt?.toISOString() ?? null,
          lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
        })),
      };
    },
  );

  app.delete(
    '/auth/tokens/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Revoke a token',
        params: IdParam,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await accounts.revokeApiToken(db, requireActor(request.actor), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/users',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create a user (admin)',
        body: Type.Object({
          username: Type.String({ minLength: 1 }),
          email: Type.String({ format: 'email' }),
          displayName: Type.Optional(Type.String()),
          password: Type.Optional(Type.String()),
          admin: Type.Optional(Type.Boolean()),
        }),
        response: { 201: UserOut, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      requireAdmin(request.actor);
      const user = await accounts.createUser(db, request.body);
      return reply.status(201).send(await userOut(user.id));
    },
  );

  app.get(
    '/users',
    {
      schema: {
        tags: ['accounts'],
        summary: 'List users',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ username: Type.String(), displayName: Type.String(), kind: Type.String() }),
            ),
          }),
        },
      },
    },
    async () => {
      const users = await db.user.findMany({ where: { removedAt: null }, orderBy: { username: 'asc' } });
      return {
        items: users.map((u) => ({ username: u.username, displayName: u.displayName, kind: u.kind })),
      };
    },
  );

  const GroupOut = Type.Object({
    name: Type.String(),
    displayName: Type.String(),
    description: Type.String(),
    members: Type.Array(Type.Object({ username: Type.String(), owner: Type.Boolean() })),
  });
  const groupOut = async (name: string) => {
    const group = await db.group.findUnique({
      where: { name },
      include: { members: { include: { user: true } } },
    });
    if (!group) throw new ErlenError('NOT_FOUND', `no group "${name}"`);
    return {
      name: group.name,
      displayName: group.displayName,
      description: group.description,
      members: group.members.map((m) => ({ username: m.user.username, owner: m.isOwner })),
    };
  };

  app.post(
    '/groups',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create a group; the caller becomes its owner',
        body: Type.Object({
          name: Type.String({ minLength: 1 }),
          displayName: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
        }),
        response: { 201: GroupOut, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const group = await accounts.createGroup(db, requireActor(request.actor), request.body);
      return reply.status(201).send(await groupOut(group.name));
    },
  );

  app.get(
    '/groups/:name',
    {
      schema: {
        tags: ['accounts'],
        summary: 'A group and its members',
        params: Type.Object({ name: Type.String() }),
        response: { 200: GroupOut, 404: ErrorBody },
      },
    },
    async (request) => groupOut(request.params.name),
  );

  app.post(
    '/groups/:name/members',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Add (or update) a member (group owners, admins)',
        params: Type.Object({ name: Type.String() }),
        body: Type.Object({ username: Type.String({ minLength: 1 }), owner: Type.Optional(Type.Boolean()) }),
        response: { 204: Type.Null(), 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await accounts.addGroupMember(
        db,
        requireActor(request.actor),
        request.params.name,
        request.body.username,
        request.body.owner,
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/products',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Register a product name for jobs with a product retention tag (admin)',
        body: Type.Object({ name: Type.String({ minLength: 1 }) }),
        response: { 201: Type.Object({ name: Type.String() }), 409: ErrorBody },
      },
    },
    async (request, reply) => {
      requireAdmin(request.actor);
      const product = await accounts.createProduct(db, request.body.name);
      return reply.status(201).send({ name: product.name });
    },
  );
};
