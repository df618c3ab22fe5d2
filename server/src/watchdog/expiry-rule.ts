/**
 * When a recipe's watchdog counts as expired. Beaker's rule (Watchdog.by_status 'expired'):
 * the kill time has passed and no unfinished recipe of the same recipe set still has one in
 * the future, so a host waits for its guests. Erlen's outage rule on top: the set's lab
 * controller is online and has been heard from since the kill time passed. While a lab is
 * silent its harnesses cannot reach us to extend (they talk through it), and when it returns
 * the kill times are pushed out by the silence (docs/watchdogs.md). A lab never heard from is
 * usable, as for the scheduler.
 *
 * The rule is one SQL predicate, so finding candidates and claiming one apply it identically.
 */
import { Prisma } from '../generated/prisma/client.js';
import type { DbOrTx } from './db-or-tx.js';
import { recipeSetLab, unfinishedRecipe } from './recipe-sql.js';

export interface ExpiryClock {
  now: Date;
  /** The scheduler's notion of an offline lab (labOfflineAfterSeconds). */
  labOfflineAfterMs: number;
}

export interface ExpiredWatchdog {
  recipeId: number;
  killTime: Date;
  /** The recipe's job: a claim on a sibling counts as a future kill time, so one job's expiries are handled in turn. */
  jobId: number;
}

/** Aliases: w = watchdog, r = its recipe, lc = the recipe set's lab. */
function expiredPredicate({ now, labOfflineAfterMs }: ExpiryClock): Prisma.Sql {
  const onlineSince = new Date(now.getTime() - labOfflineAfterMs);
  return Prisma.sql`w.kill_time < ${now}::timestamp
    AND ${unfinishedRecipe('r')}
    AND (lc.last_seen_at IS NULL
         OR (lc.last_seen_at > ${onlineSince}::timestamp AND lc.last_seen_at >= w.kill_time))
    AND NOT EXISTS (
      SELECT 1 FROM recipe sibling JOIN watchdog sw ON sw.recipe_id = sibling.id
       WHERE sibling.recipe_set_id = r.recipe_set_id
         AND ${unfinishedRecipe('sibling')}
         AND sw.kill_time >= ${now}::timestamp)`;
}

/**
 * One batch of expired watchdogs, oldest kill time first, after `after` (keyset pagination on
 * the kill_time index, so a recipe that could not be aborted is not read again in this sweep).
 */
export async function findExpiredWatchdogs(
  db: DbOrTx,
  clock: ExpiryClock,
  after: ExpiredWatchdog | undefined,
  limit: number,
): Promise<ExpiredWatchdog[]> {
  const page = after
    ? Prisma.sql`AND w.kill_time >= ${after.killTime}::timestamp
        AND (w.kill_time, w.recipe_id) > (${after.killTime}::timestamp, ${after.recipeId}::int)`
    : Prisma.empty;
  return db.$queryRaw<ExpiredWatchdog[]>`
    SELECT w.recipe_id AS "recipeId", w.kill_time AS "killTime", rs.job_id AS "jobId"
      FROM watchdog w JOIN ${recipeSetLab} ON r.id = w.recipe_id
     WHERE ${expiredPredicate(clock)} ${page}
     ORDER BY w.kill_time, w.recipe_id
     LIMIT ${limit}`;
}

/**
 * Takes one expired watchdog for aborting: its kill time moves to `retryAt`, only if it still
 * is what was read and the rule still holds. Of several sweepers exactly one gets it, and a
 * harness extension that landed since the read wins over the sweep. If the abort then fails
 * (or the process dies), the watchdog expires again at `retryAt` and is retried then.
 */
export async function claimExpiredWatchdog(
  db: DbOrTx,
  clock: ExpiryClock,
  watchdog: ExpiredWatchdog,
  retryAt: Date,
): Promise<boolean> {
  const claimed = await db.$executeRaw`
    UPDATE watchdog w SET kill_time = ${retryAt}::timestamp
      FROM ${recipeSetLab}
     WHERE r.id = w.recipe_id
       AND w.recipe_id = ${watchdog.recipeId}
       AND w.kill_time = ${watchdog.killTime}::timestamp
       AND ${expiredPredicate(clock)}`;
  return claimed === 1;
}
