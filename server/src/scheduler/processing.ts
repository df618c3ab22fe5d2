/**
 * Beaker's New → Processed, once per recipe set: abort the hopeless, bump the set whose
 * recipe fits exactly one system. Decided and applied in memory before planning (a bumped
 * set is planned at its new priority); written after the pass's commits and provisioning,
 * so a queue of thousands of new sets does not delay its first assignments. A crash before
 * the writes only means the next scheduler decides again.
 */
import type { Logger } from 'pino';
import type { Priority } from '../../../common/src/domain/status.js';
import { forEachConcurrently } from '../../../common/src/for-each-concurrently.js';
import type { Db } from '../db/prisma.js';
import type { SchedulerEvents } from '../events/scheduler-events.js';
import { processSet, type QueuedSet } from './planner.js';
import { abortSet, bumpPriority, markProcessed } from './store.js';
import type { SystemIndex } from './system-index.js';

export interface ProcessingDecisions {
  /** Sets that stay as they are. */
  fine: number[];
  aborts: { setId: number; reason: string }[];
  bumps: { set: QueuedSet; from: Priority; to: Priority; reason: string }[];
}

/**
 * Decides for every unprocessed set and applies it to the set in memory (processed, the
 * bumped priority); removing aborted sets from the queue is the caller's.
 */
export function processNewSets(index: SystemIndex, sets: Iterable<QueuedSet>): ProcessingDecisions {
  const decisions: ProcessingDecisions = { fine: [], aborts: [], bumps: [] };
  for (const set of sets) {
    if (set.processed) continue;
    const decision = processSet(index, set);
    set.processed = true;
    if (decision.action === 'abort') decisions.aborts.push({ setId: set.id, reason: decision.reason });
    else if (decision.action === 'bump') {
      decisions.bumps.push({
        set,
        from: set.priority,
        to: decision.to,
        reason: `R:${decision.recipeId} matches exactly one system`,
      });
      set.priority = decision.to;
    } else decisions.fine.push(set.id);
  }
  return decisions;
}

/** Processing writes (aborts, bumps) in flight at once. */
const WRITES_IN_FLIGHT = 4;

/**
 * Writes the decisions; returns the sets whose bump another scheduler's processing beat
 * (its decision stands: the caller re-reads them).
 */
export async function writeProcessing(
  db: Db,
  decisions: ProcessingDecisions,
  options: { logger: Logger; events: SchedulerEvents; now: Date },
): Promise<number[]> {
  const { now } = options;
  await markProcessed(db, decisions.fine, now);
  const lost: number[] = [];
  // One transaction each (a job lock and a roll-up): side by side, a cold start's hundred
  // aborts no longer hold the next pass back for seconds.
  await forEachConcurrently(decisions.bumps, WRITES_IN_FLIGHT, async (bump) => {
    if (!(await bumpPriority(db, bump.set.id, bump.from, bump.to, bump.reason, now))) lost.push(bump.set.id);
  });
  await forEachConcurrently(decisions.aborts, WRITES_IN_FLIGHT, async ({ setId, reason }) => {
    options.logger.info({ recipeSet: setId, reason }, 'aborting recipe set');
    await abortSet(db, setId, reason, options.events, now);
  });
  return lost;
}
