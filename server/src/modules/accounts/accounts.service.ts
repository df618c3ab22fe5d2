import { ErlenError } from '../../../../common/src/errors.js';
import type { Db, Prisma } from '../../db/prisma.js';
import type { Actor } from '../../security/actor.js';
import { hashPassword, verifyPassword } from '../../security/passwords.js';
import { newToken, tokenDigest } from '../../security/tokens.js';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@/-]{0,254}$/;
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export interface UserInput {
  username: string;
  email: string;
  displayName?: string;
  password?: string;
  admin?: boolean;
}

export async function createUser(db: Db, input: UserInput) {
  if (!USERNAME.test(input.username))
    throw new ErlenError('BAD_REQUEST', `invalid username "${input.username}"`);
  if (input.password !== undefined && input.password.length < 8) {
    throw new ErlenError('BAD_REQUEST', 'password must be at least 8 characters');
  }
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return db.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { username: input.username } })) {
      throw new ErlenError('CONFLICT', `user "${input.username}" already exists`);
    }
    const user = await tx.user.create({
      data: {
        username: input.username,
        email: input.email,
        displayName: input.displayName ?? '',
        passwordHash,
      },
    });
    if (input.admin) {
      const admin = await tx.group.findUniqueOrThrow({ where: { name: 'admin' } });
      await tx.groupMember.create({ data: { groupId: admin.id, userId: user.id } });
    }
    return user;
  });
}

// Verifying against a throwaway hash when the account cannot log in keeps the answer time
// the same, so response times do not reveal which user names exist.
const NO_ACCOUNT_HASH = hashPassword('no account has this password');

export async function login(db: Db, username: string, password: string, sessionHours: number) {
  const user = await db.user.findUnique({ where: { username } });
  const usable = user?.passwordHash && !user.disabled && !user.removedAt;
  const matches = await verifyPassword(password, usable ? user.passwordHash! : await NO_ACCOUNT_HASH);
  if (!user || !usable || !matches) throw new ErlenError('UNAUTHENTICATED', 'invalid username or password');
  const token = newToken();
  const expiresAt = new Date(Date.now() + sessionHours * 3600_000);
  await db.apiToken.create({
    data: { userId: user.id, name: 'session', kind: 'session', tokenHash: tokenDigest(token), expiresAt },
  });
  return { token, expiresAt, user };
}

export async function issueApiToken(
  db: Db | Prisma.TransactionClient,
  userId: number,
  name: string,
  expiresInDays?: number,
) {
  const token = newToken();
  const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86400_000) : null;
  const row = await db.apiToken.create({
    data: { userId, name, kind: 'api', tokenHash: tokenDigest(token), expiresAt },
  });
  return { id: row.id, name: row.name, token, expiresAt: row.expiresAt };
}

export async function revokeApiToken(db: Db, actor: Actor, tokenId: number) {
  const row = await db.apiToken.findUnique({ where: { id: tokenId } });
  if (!row || (row.userId !== actor.userId && !actor.admin))
    throw new ErlenError('NOT_FOUND', `no token ${tokenId}`);
  await db.apiToken.delete({ where: { id: tokenId } });
}

export async function createGroup(
  db: Db,
  actor: Actor,
  input: { name: string; displayName?: string; description?: string },
) {
  if (!GROUP_NAME.test(input.name)) throw new ErlenError('BAD_REQUEST', `invalid group name "${input.name}"`);
  if (await db.group.findUnique({ where: { name: input.name } })) {
    throw new ErlenError('CONFLICT', `group "${input.name}" already exists`);
  }
  return db.group.create({
    data: {
      name: input.name,
      displayName: input.displayName ?? input.name,
      description: input.description ?? '',
      members: { create: { userId: actor.userId, isOwner: true } },
    },
    include: { members: { include: { user: true } } },
  });
}

const PROTECTED_GROUPS = new Set(['admin', 'lab_controller']);

export async function addGroupMember(
  db: Db,
  actor: Actor,
  groupName: string,
  username: string,
  owner = false,
) {
  const group = await db.group.findUnique({ where: { name: groupName }, include: { members: true } });
  if (!group) throw new ErlenError('NOT_FOUND', `no group "${groupName}"`);
  const isOwner = group.members.some((m) => m.userId === actor.userId && m.isOwner);
  if (!actor.admin && (!isOwner || PROTECTED_GROUPS.has(group.name))) {
    throw new ErlenError('FORBIDDEN', `only owners of group "${groupName}" or admins may change its members`);
  }
  const user = await db.user.findUnique({ where: { username } });
  if (!user) throw new ErlenError('NOT_FOUND', `no user "${username}"`);
  await db.groupMember.upsert({
    where: { groupId_userId: { groupId: group.id, userId: user.id } },
    create: { groupId: group.id, userId: user.id, isOwner: owner },
    update: { isOwner: owner },
  });
}

export async function createProduct(db: Db, name: string) {
  if (!name.trim()) throw new ErlenError('BAD_REQUEST', 'product name must not be empty');
  if (await db.product.findUnique({ where: { name } }))
    throw new ErlenError('CONFLICT', `product "${name}" already exists`);
  return db.product.create({ data: { name } });
}
