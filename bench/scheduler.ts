/**
 * `npm run bench -- scheduler [--small]`: the brief's synthetic lab (5,000 systems × 30
 * key-values, 8 labs, 25 pools, policies; 10,000 queued recipes of 3–6 predicates) in a
 * scratch database, and the scheduler in this process with real PostgreSQL and BullMQ.
 *
 * - full_pass_s: cold start on the seeded queue: load the index and the queue, process every
 *   new recipe set (decide which are hopeless or fit one system), plan, and commit every
 *   assignment (systems reserved, sets Scheduled). Provisioning the assigned sets (watchdogs,
 *   installations, the lab controllers' commands; sets Waiting) follows and is reported as
 *   full_pass_provision_ms; writing the processing decisions (aborts, bumps) comes last, as
 *   processing_writes_ms.
 * - release_to_assign: a running recipe set is cancelled (its systems released and the
 *   event published through BullMQ); from the release commit to the commit of the next
 *   assignment of a released system; release_to_provision: to the commit of that set's
 *   provisioning (its commands visible to the lab controller).
 * - submit_to_assign: a job whose recipe fits a free system (a ninth lab kept free for it)
 *   is stored; from the submission commit to its assignment commit.
 * - index_mb: heap held by the loaded index and queue (after GC).
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { pino } from 'pino';
import { parseHostRequires, storedHostFilter } from '../common/src/host-filter/index.js';
import { createPrisma, type Db } from '../server/src/db/prisma.js';
import {
  bullmqSchedulerEvents,
  consumeSchedulerEvents,
  type SchedulerEvents,
} from '../server/src/events/scheduler-events.js';
import { createUser } from '../server/src/modules/accounts/accounts.service.js';
import { stop } from '../server/src/modules/jobs/job-lifecycle.js';
import { submitJob } from '../server/src/modules/jobs/job-submission.js';
import {
  createLabController,
  createSystem,
  importDistroTree,
} from '../server/src/modules/lab/inventory.service.js';
import { Scheduler } from '../server/src/scheduler/scheduler.js';
import type { Placement } from '../server/src/scheduler/planner.js';
import type { Actor } from '../server/src/security/actor.js';
import { SecretBox } from '../server/src/security/secret-box.js';
import { log, machineFacts, type Benchmark, type BenchResult } from './support/benchmark.js';
import { assertRedisReachable } from './support/redis.js';
import { withScratchDatabase } from './support/scratch-db.js';
import { round2, summarise } from './support/stats.js';
import { seedSyntheticLab } from './support/synthetic-lab.js';

const FREE_LAB = 'bench-free.synthetic.test';
const FREE_TREE = 'BenchOnly-1.0';
/** A safety net only: a sample ends when its assignment commits or its pass is over. */
const SAMPLE_TIMEOUT_MS = 10_000;

export const schedulerBenchmark: Benchmark = {
  async run({ small }) {
    const redisUrl = process.env.ERLEN_BENCH_REDIS ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    await assertRedisReachable(redisUrl);
    const size = small
      ? { systems: 1000, recipes: 2000, releases: 200, submits: 100 }
      : { systems: 5000, recipes: 10000, releases: 1000, submits: 300 };
    return withScratchDatabase(async (url) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      log(`seeding ${size.systems} systems and ${size.recipes} queued recipes`);
      const lab = await seedSyntheticLab(client, { systems: size.systems, recipes: size.recipes, seed: 1 });
      log(`seeded in ${lab.seconds.toFixed(1)} s; storing parsed filters as submission does`);
      await storeParsedFilters(client);
      await client.end();

      const db = createPrisma(url, 8);
      const prefix = `erlen-bench-${randomBytes(4).toString('hex')}`;
      const logger = pino({ level: 'silent' });
      const publisher = bullmqSchedulerEvents(redisUrl, prefix, logger);
      try {
        const admin = await adminActor(db);
        await freeLab(db, admin, size.submits > 0 ? 20 : 0);

        const committed = new CommitWatch();
        const scheduler = new Scheduler({
          db,
          logger: pino({ level: 'silent' }),
          actor: 'bench',
          labOfflineAfterMs: 60_000,
          sweepIntervalMs: 0,
          onCommitted: (placements, at) => committed.seen(placements, at),
          onProvisioned: (setIds, at) => committed.provisioned(setIds, at),
        });
        const heapBefore = heapUsed();
        log('cold full pass');
        const t0 = performance.now();
        await scheduler.load();
        const loaded = performance.now();
        const indexBytes = heapUsed() - heapBefore;
        const first = await scheduler.pass();
        const timings = scheduler.lastPassTimings;
        // Until the last assignment is committed; the processing writes (aborts of hopeless
        // sets, priority bumps) follow the commits and are reported apart.
        const fullPass =
          (loaded - t0 + timings.refresh + timings.process + timings.plan + timings.commit) / 1000;
        log(
          `full pass ${fullPass.toFixed(2)} s: ${JSON.stringify(first)}, ${scheduler.queuedSets} sets still queued`,
        );

        const consumer = consumeSchedulerEvents(
          redisUrl,
          prefix,
          (event) => {
            scheduler.notify(event);
            // Once the pass this release woke is over, a system it did not place has no taker.
            if (event.type === 'systems-released')
              void scheduler.kick().then(() => committed.settle(event.systemIds));
          },
          logger,
        );
        await consumer.waitUntilReady();
        try {
          const release = await releaseSamples(db, scheduler, publisher, committed, size.releases);
          const submit = await submitSamples(db, admin, publisher, committed, size.submits);
          const releaseStats = summarise(release.latencies);
          const provisionStats = summarise(release.provisionLatencies);
          const submitStats = summarise(submit);
          return {
            benchmark: 'scheduler',
            ...machineFacts(),
            small,
            systems: lab.counts.systems,
            queued_recipes: lab.counts.machineRecipes,
            full_pass_s: round2(fullPass),
            full_pass_load_s: round2((loaded - t0) / 1000),
            full_pass_process_ms: Math.round(timings.process),
            full_pass_plan_ms: Math.round(timings.plan),
            full_pass_commit_ms: Math.round(timings.commit),
            full_pass_provision_ms: Math.round(timings.provision),
            full_pass_provisioned_sets: first.provisioned,
            processing_writes_ms: Math.round(timings.persist),
            full_pass_assigned_sets: first.committed,
            full_pass_aborted_sets: first.aborted,
            release_to_assign_p50_ms: releaseStats.p50,
            release_to_assign_p99_ms: releaseStats.p99,
            release_to_assign_samples: release.latencies.length,
            release_to_provision_p50_ms: provisionStats.p50,
            release_to_provision_p99_ms: provisionStats.p99,
            release_without_candidate: release.unmatched,
            submit_to_assign_p50_ms: submitStats.p50,
            submit_to_assign_p99_ms: submitStats.p99,
            submit_to_assign_samples: submit.length,
            index_mb: round2(indexBytes / 1024 / 1024),
          } satisfies BenchResult;
        } finally {
          await consumer.close();
          await scheduler.stop();
        }
      } finally {
        await publisher.close();
        await db.$disconnect();
      }
    });
  },
};

/** Submission stores each recipe's parsed filter; the seeder writes rows directly, so do it here. */
async function storeParsedFilters(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ id: number; host_requires_xml: string }>(
    `SELECT id, host_requires_xml FROM recipe WHERE kind = 'machine'`,
  );
  const ids: number[] = [];
  const filters: string[] = [];
  for (const row of rows) {
    const parsed = parseHostRequires(row.host_requires_xml);
    if (!parsed.ok) continue;
    ids.push(row.id);
    filters.push(JSON.stringify(storedHostFilter(parsed.filter)));
  }
  await client.query(
    `UPDATE recipe SET host_filter = v.f::jsonb FROM unnest($1::int[], $2::text[]) AS v(id, f) WHERE recipe.id = v.id`,
    [ids, filters],
  );
}

async function adminActor(db: Db): Promise<Actor> {
  const user = await createUser(db, { username: 'bench-admin', email: 'bench@example.com', admin: true });
  return {
    userId: user.id,
    username: 'bench-admin',
    kind: 'user',
    admin: true,
    permissions: new Set(),
    groupIds: new Set(),
  };
}

/** A ninth lab whose only tree no queued recipe asks for: its systems stay free for submissions. */
async function freeLab(db: Db, admin: Actor, systems: number): Promise<void> {
  await createLabController(db, FREE_LAB);
  await importDistroTree(db, admin, {
    name: FREE_TREE,
    osMajor: 'BenchOnly1',
    osMinor: '0',
    arch: 'x86_64',
    labUrls: [{ labController: FREE_LAB, url: `http://${FREE_LAB}/${FREE_TREE}/` }],
  });
  const secrets = new SecretBox(randomBytes(32).toString('hex'));
  for (let i = 0; i < systems; i++) {
    await createSystem(
      db,
      admin,
      {
        fqdn: `free${i}.${FREE_LAB}`,
        labController: FREE_LAB,
        arches: ['x86_64'],
        memory: 8192,
        power: { type: 'virtual', address: `free${i}` },
        accessPolicy: [
          { everybody: true, permission: 'view' },
          { everybody: true, permission: 'reserve' },
        ],
      },
      secrets,
    );
  }
}

/** Resolves waiters when a committed batch places a system (or a recipe set) they wait for. */
class CommitWatch {
  private readonly bySystem = new Map<number, (at: number) => void>();
  private readonly bySet = new Map<number, (at: number) => void>();
  /** The set each system was last assigned to, and when sets were provisioned. */
  private readonly setOfSystem = new Map<number, number>();
  private readonly provisionedAt = new Map<number, number>();

  seen(placements: readonly Placement[], at: number): void {
    for (const placement of placements) {
      this.bySet.get(placement.set.id)?.(at);
      for (const systemId of placement.systems.values()) {
        this.setOfSystem.set(systemId, placement.set.id);
        this.bySystem.get(systemId)?.(at);
      }
    }
  }

  provisioned(setIds: readonly number[], at: number): void {
    for (const id of setIds) this.provisionedAt.set(id, at);
  }

  /** When the set that last took one of these systems was provisioned. */
  provisionedFor(systemIds: readonly number[]): number | undefined {
    for (const id of systemIds) {
      const setId = this.setOfSystem.get(id);
      const at = setId === undefined ? undefined : this.provisionedAt.get(setId);
      if (at !== undefined) return at;
    }
    return undefined;
  }

  /** Ends the wait for these systems with "not assigned" (no-op when they were). */
  settle(systemIds: readonly number[]): void {
    for (const id of systemIds) this.bySystem.get(id)?.(Number.NaN);
  }

  forSystems(systemIds: readonly number[]): Promise<number | undefined> {
    return this.wait((resolve) => {
      for (const id of systemIds) this.bySystem.set(id, resolve);
      return () => systemIds.forEach((id) => this.bySystem.delete(id));
    });
  }

  forSet(setId: number): Promise<number | undefined> {
    return this.wait((resolve) => {
      this.bySet.set(setId, resolve);
      return () => this.bySet.delete(setId);
    });
  }

  private wait(register: (resolve: (at: number) => void) => () => void): Promise<number | undefined> {
    return new Promise((resolve) => {
      let unregister = () => {};
      const timer = setTimeout(() => {
        unregister();
        resolve(undefined);
      }, SAMPLE_TIMEOUT_MS);
      unregister = register((at) => {
        clearTimeout(timer);
        unregister();
        resolve(Number.isNaN(at) ? undefined : at);
      });
    });
  }
}

async function releaseSamples(
  db: Db,
  scheduler: Scheduler,
  publisher: SchedulerEvents,
  committed: CommitWatch,
  samples: number,
): Promise<{ latencies: number[]; provisionLatencies: number[]; unmatched: number }> {
  const latencies: number[] = [];
  const provisionLatencies: number[] = [];
  let unmatched = 0;
  log(`${samples} releases`);
  const running = (await db.recipeSet.findMany({ where: { status: 'Waiting' }, select: { id: true } })).map(
    (s) => s.id,
  );
  let cursor = 0;
  for (let i = 0; i < samples && cursor < running.length; i++) {
    const setId = running[cursor++] as number;
    let releasedAt = 0;
    let released: readonly number[] = [];
    let assigned: Promise<number | undefined> = Promise.resolve(undefined);
    // The clock starts when the release has committed: the lifecycle publishes right after.
    const events: SchedulerEvents = {
      ...publisher,
      systemsReleased: async (systemIds) => {
        releasedAt = performance.now();
        released = systemIds;
        assigned = committed.forSystems(systemIds);
        await publisher.systemsReleased(systemIds);
      },
    };
    await stop(db, { recipeSetId: setId }, 'cancel', 'bench release', { events });
    const at = await assigned;
    if (at === undefined) unmatched++;
    else latencies.push(at - releasedAt);
    // Let the pass that followed finish before the next release, so samples do not overlap.
    await scheduler.kick();
    const provisionedAt = at === undefined ? undefined : committed.provisionedFor(released);
    if (provisionedAt !== undefined) provisionLatencies.push(provisionedAt - releasedAt);
  }
  return { latencies, provisionLatencies, unmatched };
}

async function submitSamples(
  db: Db,
  admin: Actor,
  publisher: SchedulerEvents,
  committed: CommitWatch,
  samples: number,
): Promise<number[]> {
  log(`${samples} submissions`);
  const xml = `<job><recipeSet><recipe><distroRequires><distro_name op="=" value="${FREE_TREE}"/></distroRequires>
    <hostRequires><system><memory op="&gt;=" value="4096"/></system></hostRequires><task name="/bench"/></recipe></recipeSet></job>`;
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const submitted = await submitJob(db, admin, xml);
    const storedAt = performance.now();
    const set = await db.recipe.findUniqueOrThrow({
      where: { id: submitted.recipeIds[0] as number },
      select: { recipeSetId: true },
    });
    const assigned = committed.forSet(set.recipeSetId);
    await publisher.recipesQueued(submitted.recipeIds);
    const at = await assigned;
    if (at !== undefined) latencies.push(at - storedAt);
    await stop(db, { jobId: submitted.jobId as number }, 'cancel', 'bench done', { events: publisher });
  }
  return latencies;
}

function heapUsed(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}
