import type { Db } from '../db/prisma.js';
import type { Actor } from './actor.js';
import { tokenDigest } from './tokens.js';

/**
 * Resolves a bearer token to an actor, or null. Disabled and removed accounts are refused
 * on every request, not only at login, as Beaker does.
 */
export async function actorForToken(db: Db, token: string, now = new Date()): Promise<Actor | null> {
  const row = await db.apiToken.findUnique({
    where: { tokenHash: tokenDigest(token) },
    include: {
      user: {
        include: {
          memberships: { where: { excluded: false }, include: { group: { include: { permissions: true } } } },
        },
      },
    },
  });
  if (!row || (row.expiresAt && row.expiresAt <= now)) return null;
  const { user } = row;
  if (user.disabled || user.removedAt) return null;
  // Writing last-used on every call would turn reads into writes; a minute's precision is plenty.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return actorFromUser(user);
}

type UserWithGroups = {
  id: number;
  username: string;
  kind: 'user' | 'labcontroller';
  memberships: { groupId: number; group: { name: string; permissions: { permission: string }[] } }[];
};

export function actorFromUser(user: UserWithGroups): Actor {
  const groupNames = user.memberships.map((m) => m.group.name);
  return {
    userId: user.id,
    username: user.username,
    kind: user.kind,
    admin: groupNames.includes('admin'),
    permissions: new Set(user.memberships.flatMap((m) => m.group.permissions.map((p) => p.permission))),
    groupIds: new Set(user.memberships.map((m) => m.groupId)),
  };
}
