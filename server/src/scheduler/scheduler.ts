/**
 * The scheduler process's loop (brief decision 3: events wake, a sweep repairs). Events
 * (recipes queued, systems changed, inventory changed) are recorded and wake one pass; a
 * pass re-reads exactly what the events named, processes new recipe sets, plans in memory,
 * commits the assignments in guarded batches and then provisions the assigned sets.
 * Passes never overlap; events arriving during a pass trigger one more. The sweep compares
 * the whole queue and every system's version with the database and schedules a pass for
 * whatever an event missed (Redis down, another process), including sets left Scheduled by
 * a scheduler that died between assigning and provisioning them.
 *
 * Several schedulers may run at once: none can double-book (commit.ts re-checks under row
 * locks), the losers of a race see a conflict, re-read what they planned with and go on.
 */
import type { Logger } from 'pino';
import type { Db } from '../db/prisma.js';
import { noSchedulerEvents, type SchedulerEvent, type SchedulerEvents } from '../events/scheduler-events.js';
import { Bitset } from './bitset.js';
import { forEachConcurrently } from '../../../common/src/for-each-concurrently.js';
import { commitPlacements } from './commit.js';
import { commitWhilePlanning } from './commit-pipeline.js';
import {
  compareSets,
  placements,
  type PassFocus,
  type Placement,
  type QueuedRecipe,
  type QueuedSet,
  type Random,
} from './planner.js';
import {
  loadInventoryContext,
  loadQueuedSets,
  loadQueuedSetVersions,
  loadSystems,
  loadSystemVersions,
  setIdsOfRecipes,
} from './store.js';
import { processNewSets, writeProcessing } from './processing.js';
import { provisionSets, scheduledSetIds } from './provision.js';
import { FilterCache, queuedSet } from './recipe-filter.js';
import { SystemIndex } from './system-index.js';

export interface SchedulerOptions {
  db: Db;
  logger: Logger;
  /** Names this process in assignment_event.actor and logs. */
  actor: string;
  labOfflineAfterMs: number;
  /** The repair sweep's period; 0 disables it (tests that drive passes themselves). */
  sweepIntervalMs: number;
  /** Recipe sets per commit transaction. */
  batchSize?: number;
  /** Publishes releases caused by aborts; the default publishes nothing. */
  events?: SchedulerEvents;
  random?: Random;
  /** Called after each committed batch of assignments (benchmarks and tests measure with it). */
  onCommitted?: (placements: readonly Placement[], at: number) => void;
  /** Called after each provisioned batch with the sets that went to Waiting. */
  onProvisioned?: (setIds: readonly number[], at: number) => void;
}

export interface PassStats {
  processed: number;
  aborted: number;
  planned: number;
  committed: number;
  conflicts: number;
  provisioned: number;
}

/** Where the last pass spent its time, milliseconds. */
export interface PassTimings {
  refresh: number;
  /** Deciding which new sets to abort or bump (in memory). */
  process: number;
  /** Planning, with the first batches committing meanwhile. */
  plan: number;
  /** From the end of planning until the last assignment is committed. */
  commit: number;
  /** Provisioning the assigned sets (watchdogs, installations, commands). */
  provision: number;
  /** Writing the processing decisions (after the provisioning). */
  persist: number;
}

interface Pending {
  systems: Set<number>;
  sets: Set<number>;
  recipes: Set<number>;
  inventory: boolean;
  /** Look for sets left Scheduled (after a load or a sweep). */
  stranded: boolean;
}

/** Commit (and provisioning) transactions in flight during one pass. */
const COMMIT_CONCURRENCY = 3;

const emptyStats = (): PassStats => ({
  processed: 0,
  aborted: 0,
  planned: 0,
  committed: 0,
  conflicts: 0,
  provisioned: 0,
});

const emptyPending = (): Pending => ({
  systems: new Set(),
  sets: new Set(),
  recipes: new Set(),
  inventory: false,
  stranded: false,
});

export class Scheduler {
  readonly index = new SystemIndex();
  private readonly sets = new Map<number, QueuedSet>();
  private readonly filters = new FilterCache();
  /**
   * What the next pass must look at: everything, or (when only releases and new or changed
   * sets happened since the last pass) just those sets and the sets that could use a freed system.
   */
  private focus: 'all' | { sets: Set<number>; freed: Set<number> } = 'all';
  /** The queue sorted for planning; dropped when a set is added or changes priority (not on removal). */
  private ordered: QueuedSet[] | undefined;
  private pending = emptyPending();
  private running: Promise<void> | undefined;
  private again = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Events before the first load only accumulate: a pass needs the index. */
  private loaded = false;
  private readonly batchSize: number;
  private readonly random: Random;
  readonly totals: PassStats = emptyStats();
  lastPassTimings: PassTimings = { refresh: 0, process: 0, plan: 0, commit: 0, provision: 0, persist: 0 };

  constructor(private readonly options: SchedulerOptions) {
    this.batchSize = options.batchSize ?? 250;
    this.random = options.random ?? Math.random;
  }

  get queuedSets(): number {
    return this.sets.size;
  }

  /** Builds the index and the queue from the database and runs the first pass. */
  async start(): Promise<void> {
    await this.load();
    // Through kick(), so events that arrive during this long first pass wait for it.
    await this.kick();
    if (this.options.sweepIntervalMs > 0) {
      const tick = () => {
        this.sweepTimer = setTimeout(() => {
          this.sweep()
            .catch((error: unknown) => this.options.logger.error({ err: error }, 'sweep failed'))
            .finally(() => {
              if (!this.stopped) tick();
            });
        }, this.options.sweepIntervalMs);
      };
      tick();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
    await this.running;
  }

  /** Records an event and wakes a pass; returns at once (the pass runs in the background). */
  notify(event: SchedulerEvent): void {
    if (event.type === 'recipes-queued') for (const id of event.recipeIds) this.pending.recipes.add(id);
    else if (event.type === 'systems-changed') {
      for (const id of event.systemIds) this.pending.systems.add(id);
      this.focus = 'all';
    } else if (event.type === 'systems-released' && !this.loaded) {
      for (const id of event.systemIds) this.pending.systems.add(id);
    } else if (event.type === 'systems-released') {
      for (const id of event.systemIds) {
        this.index.setUser(id, null);
        if (this.focus !== 'all') this.focus.freed.add(id);
      }
    } else {
      this.pending.inventory = true;
      this.focus = 'all';
    }
    this.kick();
  }

  /** Runs passes until nothing is pending; resolves when the last one is done. */
  kick(): Promise<void> {
    if (this.stopped || !this.loaded) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.runPasses().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Whole-state load: index, labs/trees/policies, and the queue. */
  async load(): Promise<void> {
    const now = new Date();
    const [systems, context, rows] = await Promise.all([
      loadSystems(this.options.db),
      loadInventoryContext(this.options.db, now, this.options.labOfflineAfterMs),
      loadQueuedSets(this.options.db),
    ]);
    this.index.setContext(context);
    this.index.upsert(systems);
    this.sets.clear();
    for (const row of rows) this.sets.set(row.id, queuedSet(row, this.index, this.filters));
    this.ordered = undefined;
    this.focus = 'all';
    this.pending.stranded = true;
    this.loaded = true;
  }

  /**
   * Compares the database with memory and queues whatever differs: systems whose row
   * changed (date_modified, user), queued sets that appeared, vanished or changed priority;
   * labs, trees, policies and groups are re-read whole (small tables). Then one pass.
   */
  async sweep(): Promise<void> {
    // A set a concurrent pass loads after this snapshot must not be dropped as "gone".
    const before = new Map(this.sets);
    const [versions, queued] = await Promise.all([
      loadSystemVersions(this.options.db),
      loadQueuedSetVersions(this.options.db),
    ]);
    const seen = new Set<number>();
    for (const version of versions) {
      seen.add(version.id);
      const slot = this.index.slotOfSystem(version.id);
      const known = slot === undefined ? undefined : this.index.system(slot);
      if (!known || known.modifiedAt !== version.modifiedAt || known.userId !== version.userId)
        this.pending.systems.add(version.id);
    }
    for (const system of this.index.systems()) if (!seen.has(system.id)) this.pending.systems.add(system.id);
    for (const [id, priority] of queued) {
      if (this.sets.get(id)?.priority !== priority) this.pending.sets.add(id);
    }
    for (const [id, set] of before) if (!queued.has(id) && this.sets.get(id) === set) this.sets.delete(id);
    this.pending.inventory = true;
    this.pending.stranded = true;
    this.focus = 'all';
    await this.kick();
  }

  private async runPasses(): Promise<void> {
    let fruitless = 0;
    do {
      this.again = false;
      try {
        const stats = await this.pass();
        // Conflicts re-read what they touched and go again, but two passes in a row that
        // commit nothing and conflict wait for the next event or sweep instead of spinning.
        fruitless = stats.conflicts > 0 && stats.committed === 0 ? fruitless + 1 : 0;
        if (stats.conflicts > 0 && fruitless < 2) this.again = true;
      } catch (error) {
        this.options.logger.error({ err: error }, 'scheduling pass failed; the sweep retries');
        return;
      }
    } while (this.again && !this.stopped);
  }

  /** One pass: refresh what is pending, process new sets, plan, commit, provision. */
  async pass(): Promise<PassStats> {
    const stats = emptyStats();
    const t0 = performance.now();
    const toProvision = await this.refresh();
    const t1 = performance.now();
    const persistProcessing = this.applyProcessing(stats);
    const t2 = performance.now();
    const focus = this.focus;
    this.focus = { sets: new Set(), freed: new Set() };
    const planned = placements(
      this.index,
      this.inOrder(),
      this.random,
      focus === 'all' ? undefined : this.focusOf(focus),
    );
    const pipeline = await commitWhilePlanning(planned, {
      batchSize: this.batchSize,
      concurrency: COMMIT_CONCURRENCY,
      commit: (batch) => this.commitBatch(batch, stats, toProvision),
    });
    stats.planned = pipeline.planned;
    const t3 = pipeline.planEnd;
    const t4 = performance.now();
    stats.provisioned = await this.provision(toProvision);
    const t5 = performance.now();
    await persistProcessing();
    this.lastPassTimings = {
      refresh: t1 - t0,
      process: t2 - t1,
      plan: t3 - t2,
      commit: t4 - t3,
      provision: t5 - t4,
      persist: performance.now() - t5,
    };
    for (const key of Object.keys(stats) as (keyof PassStats)[]) this.totals[key] += stats[key];
    if (stats.committed || stats.conflicts || stats.aborted || stats.provisioned)
      this.options.logger.info({ ...stats, queued: this.sets.size }, 'scheduling pass');
    return stats;
  }

  private async commitBatch(batch: Placement[], stats: PassStats, committedSets: number[]): Promise<void> {
    const started = performance.now();
    let result: Awaited<ReturnType<typeof commitPlacements>>;
    try {
      result = await commitPlacements(this.options.db, batch, {
        actor: this.options.actor,
        labOfflineAfterMs: this.options.labOfflineAfterMs,
      });
    } catch (error) {
      // The transaction rolled back: nothing of the batch was written. Its sets and systems
      // are re-read and planned again; the other batches and the processing writes go on.
      this.options.logger.error({ err: error, sets: batch.length }, 'commit failed; re-reading the batch');
      result = {
        committed: [],
        conflicts: batch.map((placement) => ({ placement, reason: 'commit failed' })),
      };
    }
    const { committed, conflicts } = result;
    const at = performance.now();
    this.options.logger.debug({ sets: batch.length, ms: Math.round(at - started) }, 'committed a batch');
    for (const placement of committed) {
      this.sets.delete(placement.set.id);
      committedSets.push(placement.set.id);
      for (const systemId of placement.systems.values()) this.index.setUser(systemId, placement.set.ownerId);
    }
    for (const { placement, reason } of conflicts) {
      this.options.logger.debug({ recipeSet: placement.set.id, reason }, 'placement conflict');
      this.pending.sets.add(placement.set.id);
      for (const systemId of placement.systems.values()) this.pending.systems.add(systemId);
      // Labs and policies too: a lab silently gone offline conflicts until they are re-read.
      this.pending.inventory = true;
      this.focus = 'all';
    }
    stats.committed += committed.length;
    stats.conflicts += conflicts.length;
    if (committed.length) this.options.onCommitted?.(committed, at);
  }

  /**
   * Provisions the sets this pass assigned (and any found stranded), in batches side by side
   * like the commits. A batch that fails stays Scheduled for the sweep to find.
   */
  private async provision(setIds: number[]): Promise<number> {
    const batches: number[][] = [];
    for (let i = 0; i < setIds.length; i += this.batchSize) batches.push(setIds.slice(i, i + this.batchSize));
    let provisioned = 0;
    await forEachConcurrently(batches, COMMIT_CONCURRENCY, async (batch) => {
      try {
        const done = await provisionSets(this.options.db, batch);
        provisioned += done.length;
        if (done.length) this.options.onProvisioned?.(done, performance.now());
      } catch (error) {
        this.options.logger.error(
          { err: error, sets: batch.length },
          'provisioning failed; the sweep retries',
        );
      }
    });
    return provisioned;
  }

  /** Re-reads what is pending; returns the stranded sets to provision (when asked to look). */
  private async refresh(): Promise<number[]> {
    const pending = this.pending;
    this.pending = emptyPending();
    const { db } = this.options;
    const stranded = pending.stranded ? await scheduledSetIds(db) : [];
    if (pending.inventory) {
      this.index.setContext(await loadInventoryContext(db, new Date(), this.options.labOfflineAfterMs));
    }
    if (pending.systems.size) {
      this.focus = 'all';
      const ids = [...pending.systems];
      const systems = await loadSystems(db, ids);
      const found = new Set(systems.map((s) => s.id));
      for (const id of ids) {
        if (found.has(id)) continue;
        const slot = this.index.remove(id);
        if (slot !== undefined) for (const recipe of this.recipes()) recipe.bits.set(slot, false);
      }
      if (this.index.upsert(systems)) {
        for (const recipe of this.recipes()) recipe.bits = this.index.matching(recipe.filter.root);
      } else {
        for (const system of systems) {
          const slot = this.index.slotOfSystem(system.id) as number;
          for (const recipe of this.recipes()) recipe.bits.set(slot, recipe.predicate(system.facts));
        }
      }
    }
    if (pending.recipes.size) {
      for (const id of await setIdsOfRecipes(db, [...pending.recipes])) pending.sets.add(id);
    }
    if (pending.sets.size) {
      const ids = [...pending.sets];
      const rows = await loadQueuedSets(db, ids);
      for (const id of ids) this.sets.delete(id);
      for (const row of rows) this.sets.set(row.id, queuedSet(row, this.index, this.filters));
      if (rows.length) this.ordered = undefined;
      const focus = this.focus;
      if (focus !== 'all') for (const row of rows) focus.sets.add(row.id);
    }
    return stranded;
  }

  private focusOf(focus: { sets: Set<number>; freed: Set<number> }): PassFocus {
    const freed = new Bitset(this.index.capacity);
    for (const id of focus.freed) {
      const slot = this.index.slotOfSystem(id);
      if (slot !== undefined) freed.set(slot);
    }
    return { sets: focus.sets, freed };
  }

  /** Queued sets in scheduling order; sorting 10,000 sets on every event would cost milliseconds. */
  private inOrder(): QueuedSet[] {
    if (!this.ordered) this.ordered = [...this.sets.values()].sort(compareSets);
    else this.ordered = this.ordered.filter((set) => this.sets.get(set.id) === set);
    return this.ordered;
  }

  private *recipes(): IterableIterator<QueuedRecipe> {
    for (const set of this.sets.values()) yield* set.recipes;
  }

  /**
   * Processing (processing.ts) of the sets not processed yet, applied to the queue now;
   * returns the writes, which the pass makes after its commits.
   */
  private applyProcessing(stats: PassStats): () => Promise<void> {
    const now = new Date();
    const decisions = processNewSets(this.index, this.sets.values());
    stats.processed = decisions.fine.length + decisions.aborts.length + decisions.bumps.length;
    stats.aborted = decisions.aborts.length;
    for (const { setId } of decisions.aborts) this.sets.delete(setId);
    if (decisions.bumps.length) this.ordered = undefined;
    return async () => {
      const lost = await writeProcessing(this.options.db, decisions, {
        logger: this.options.logger,
        events: this.options.events ?? noSchedulerEvents,
        now,
      });
      for (const setId of lost) this.pending.sets.add(setId);
      if (lost.length) this.again = true;
    };
  }
}
