/**
 * The sweeper's record of its last sweep (table watchdog_sweep, one row). Nothing expires
 * while no sweeper runs, so a long gap means an outage of the scheduler processes, and
 * usually of the server or the database with them, when harnesses could not extend their
 * watchdogs. Before sweeping after such a gap, every kill time is pushed out by it.
 */
import type { Db } from '../db/prisma.js';
import type { DbOrTx } from './db-or-tx.js';
import { extendAllWatchdogs } from './kill-time-shift.js';

const ROW = 1;

/**
 * Records a sweep starting at `now`. If the last record is more than `outageAfterMs` old,
 * first pushes every kill time out by the gap, in the same transaction as the record, and
 * conditional on the record read: of several sweepers that see the same gap, one pushes.
 * Returns the push in ms (0 when none).
 */
export async function startSweep(db: Db, now: Date, outageAfterMs: number): Promise<number> {
  const last = await db.watchdogSweep.findUnique({ where: { id: ROW }, select: { sweptAt: true } });
  if (!last) {
    // The first sweep ever: there is no gap to measure.
    await db.watchdogSweep.createMany({ data: [{ id: ROW, sweptAt: now }], skipDuplicates: true });
    return 0;
  }
  const gapMs = now.getTime() - last.sweptAt.getTime();
  if (gapMs <= outageAfterMs) {
    await markSwept(db, now);
    return 0;
  }
  return db.$transaction(async (tx) => {
    const { count } = await tx.watchdogSweep.updateMany({
      where: { id: ROW, sweptAt: last.sweptAt },
      data: { sweptAt: now },
    });
    if (count === 0) return 0; // another sweeper saw the gap first and pushed
    await extendAllWatchdogs(tx, gapMs);
    return gapMs;
  });
}

/** Moves the record forward (never back: sweepers on several hosts run with slightly different clocks). */
export async function markSwept(db: DbOrTx, at: Date): Promise<void> {
  await db.watchdogSweep.updateMany({ where: { id: ROW, sweptAt: { lt: at } }, data: { sweptAt: at } });
}
