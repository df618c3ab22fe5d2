import type { Db, Prisma } from '../db/prisma.js';

/** The watchdog queries run alone or inside a caller's transaction (markLabSeen, the sweep record). */
export type DbOrTx = Db | Prisma.TransactionClient;
