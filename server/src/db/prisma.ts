import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
export type { Prisma } from '../generated/prisma/client.js';

export function createPrisma(connectionString: string, poolSize = 10): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max: poolSize }) });
}

/**
 * For transactions whose size follows the user's input (a job's recipes and tasks): Prisma's
 * default 5 s would fail a large but legitimate job. Input size is capped by the XML guard.
 */
export const LONG_TRANSACTION = { timeout: 60_000, maxWait: 10_000 } as const;
