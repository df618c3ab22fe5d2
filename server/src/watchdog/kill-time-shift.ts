/**
 * Pushing kill times out: after a lab controller's outage (its recipes), after the sweeper's
 * own outage, and on an administrator's request (every recipe; Beaker's watchdogs-extend).
 * Only unfinished recipes with a kill time are touched: a null kill time has not started.
 */
import { ErlenError } from '../../../common/src/errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { DbOrTx } from './db-or-tx.js';
import { recipeSetLab, unfinishedRecipe } from './recipe-sql.js';

async function shiftKillTimes(db: DbOrTx, byMs: number, labId?: number): Promise<number> {
  if (!Number.isSafeInteger(byMs) || byMs <= 0)
    throw new ErlenError('BAD_REQUEST', `kill times move out by a positive number of ms, not ${byMs}`);
  const inLab = labId === undefined ? Prisma.empty : Prisma.sql`AND rs.lab_controller_id = ${labId}`;
  return db.$executeRaw`
    UPDATE watchdog w SET kill_time = w.kill_time + ${byMs}::bigint * interval '1 millisecond'
      FROM ${recipeSetLab}
     WHERE r.id = w.recipe_id AND w.kill_time IS NOT NULL AND ${unfinishedRecipe('r')} ${inLab}`;
}

/** The lab's recipes get `byMs` more (called when the lab comes back after an outage). Returns how many. */
export function extendLabWatchdogs(db: DbOrTx, labId: number, byMs: number): Promise<number> {
  return shiftKillTimes(db, byMs, labId);
}

/** Every running recipe gets `byMs` more. Returns how many. */
export function extendAllWatchdogs(db: DbOrTx, byMs: number): Promise<number> {
  return shiftKillTimes(db, byMs);
}
