import { createHash, randomBytes } from 'node:crypto';

/** Bearer tokens: random, prefixed so they are recognisable in a leaked config file. */
export function newToken(): string {
  return `erl_${randomBytes(32).toString('base64url')}`;
}

/** Only this digest is stored; a database leak does not leak usable tokens. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
