/**
 * What the scheduler reads from PostgreSQL (the source of truth) and the few writes that are
 * not assignments: processing marks, priority bumps and aborts of sets nothing can run.
 */
import type { Priority } from '../../../common/src/domain/status.js';
import { HOST_FILTER_FORMAT } from '../../../common/src/host-filter/parse.js';
import type { Db } from '../db/prisma.js';
import { stop } from '../modules/jobs/job-lifecycle.js';
import { loadSystemRecords } from '../modules/lab/system-facts.js';
import type { SchedulerEvents } from '../events/scheduler-events.js';
import type { IndexedSystem, InventoryContext } from './system-index.js';

export interface QueuedSetRow {
  id: number;
  jobId: number;
  ownerId: number;
  priority: Priority;
  processed: boolean;
  recipes: {
    id: number;
    kind: 'machine' | 'guest';
    hostRecipeId: number | null;
    /** Empty when `hostFilter` is current (it was parsed from this text at submission). */
    hostRequiresXml: string;
    hostRequiresForce: string | null;
    hostFilter: unknown;
    autopickRandom: boolean;
    distroTreeId: number | null;
  }[];
}

/** The columns the sweep compares to notice a change an event did not announce. */
export interface SystemVersion {
  id: number;
  userId: number | null;
  modifiedAt: number;
}

export async function loadSystems(db: Db, ids?: readonly number[]): Promise<IndexedSystem[]> {
  return loadSystemRecords(db, ids ? { id: { in: [...ids] } } : undefined);
}

export async function loadSystemVersions(db: Db): Promise<SystemVersion[]> {
  const rows = await db.system.findMany({ select: { id: true, userId: true, dateModified: true } });
  return rows.map((r) => ({ id: r.id, userId: r.userId, modifiedAt: r.dateModified.getTime() }));
}

export async function loadInventoryContext(
  db: Db,
  now: Date,
  labOfflineAfterMs: number,
): Promise<InventoryContext> {
  const onlineSince = new Date(now.getTime() - labOfflineAfterMs);
  const [labs, trees, rules, groups] = await Promise.all([
    db.labController.findMany({
      select: { id: true, fqdn: true, disabled: true, removedAt: true, lastSeenAt: true },
    }),
    db.distroTree.findMany({
      select: {
        id: true,
        arch: { select: { name: true } },
        distro: { select: { osVersion: { select: { osMinor: true, osMajor: { select: { name: true } } } } } },
        labUrls: { select: { labControllerId: true } },
      },
    }),
    db.accessPolicyRule.findMany({
      where: { permission: 'reserve' },
      select: { policyId: true, userId: true, groupId: true },
    }),
    db.group.findMany({
      select: { id: true, membershipType: true, members: { select: { userId: true, excluded: true } } },
    }),
  ]);
  return {
    labs: labs.map((lab) => ({
      id: lab.id,
      fqdn: lab.fqdn,
      exists: lab.removedAt === null,
      // Never polled yet counts as online: the lab controller daemon marks its first poll.
      usable:
        lab.removedAt === null && !lab.disabled && (lab.lastSeenAt === null || lab.lastSeenAt > onlineSince),
    })),
    trees: trees.map((tree) => ({
      id: tree.id,
      arch: tree.arch.name,
      osMajor: tree.distro.osVersion.osMajor.name,
      osMinor: tree.distro.osVersion.osMinor,
      labIds: new Set(tree.labUrls.map((u) => u.labControllerId)),
    })),
    reserveRules: rules,
    groups: groups.map((g) => ({
      id: g.id,
      inverted: g.membershipType === 'inverted',
      userIds: new Set(
        g.members
          .filter((m) => (g.membershipType === 'inverted' ? m.excluded : !m.excluded))
          .map((m) => m.userId),
      ),
    })),
  };
}

/**
 * Queued recipe sets (all of them, or the given ones that are still queued), in one query
 * whose result is every recipe as a JSON array of its columns, in one text aggregated by
 * PostgreSQL. At a cold start the scheduler reads ~10,000 recipes: as rows (pg's parser,
 * Prisma's raw-result conversion, a JSON.parse per host filter) they took Node's one thread
 * ~190 ms, as one text ~110. PostgreSQL spends ~140 ms instead of ~70 building it (as
 * objects, a json_build_object per set and recipe, ~210): work moved off Node onto a core
 * Node cannot use, a wash on a 2-vCPU host but a gain wherever PostgreSQL has one spare.
 */
export async function loadQueuedSets(db: Db, setIds?: readonly number[]): Promise<QueuedSetRow[]> {
  const [result] = await db.$queryRawUnsafe<{ recipes: string | null }[]>(
    `SELECT json_agg(json_build_array(rs.id, rs.job_id, j.owner_id, rs.priority, rs.processed_at IS NOT NULL,
              r.id, r.kind, r.host_recipe_id,
              -- The XML only where the stored filter is missing or of an older format: it is
              -- what a current filter was parsed from, and the bulk of the rows' bytes.
              CASE WHEN r.host_filter->>'format' = $2 THEN '' ELSE r.host_requires_xml END,
              r.host_requires_force, r.host_filter, r.autopick_random, r.distro_tree_id) ORDER BY rs.id, r.id)::text AS recipes
       FROM recipe_set rs
       JOIN job j ON j.id = rs.job_id
       JOIN recipe r ON r.recipe_set_id = rs.id
      WHERE rs.status = 'Queued' AND ($1::int[] IS NULL OR rs.id = ANY($1::int[]))`,
    setIds ? [...setIds] : null,
    String(HOST_FILTER_FORMAT),
  );
  // json_agg over no rows is NULL.
  const rows = result?.recipes ? (JSON.parse(result.recipes) as QueuedRecipeRow[]) : [];
  const sets: QueuedSetRow[] = [];
  let current: QueuedSetRow | undefined;
  // By index (QueuedRecipeRow names the columns): destructuring went through the iterator
  // protocol for each of the 10,000 rows until optimized.
  for (const row of rows) {
    if (current?.id !== row[0]) {
      current = {
        id: row[0],
        jobId: row[1],
        ownerId: row[2],
        priority: row[3],
        processed: row[4],
        recipes: [],
      };
      sets.push(current);
    }
    current.recipes.push({
      id: row[5],
      kind: row[6],
      hostRecipeId: row[7],
      hostRequiresXml: row[8],
      hostRequiresForce: row[9],
      hostFilter: row[10],
      autopickRandom: row[11],
      distroTreeId: row[12],
    });
  }
  return sets;
}

/** A row of loadQueuedSets: the set's columns, then the recipe's. */
type QueuedRecipeRow = [
  setId: number,
  jobId: number,
  ownerId: number,
  priority: Priority,
  processed: boolean,
  id: number,
  kind: 'machine' | 'guest',
  hostRecipeId: number | null,
  hostRequiresXml: string,
  hostRequiresForce: string | null,
  hostFilter: unknown,
  autopickRandom: boolean,
  distroTreeId: number | null,
];

export async function setIdsOfRecipes(db: Db, recipeIds: readonly number[]): Promise<number[]> {
  const rows = await db.recipe.findMany({
    where: { id: { in: [...recipeIds] } },
    select: { recipeSetId: true },
    distinct: ['recipeSetId'],
  });
  return rows.map((r) => r.recipeSetId);
}

/** Queued set ids with their priority, for the sweep's comparison. */
export async function loadQueuedSetVersions(db: Db): Promise<Map<number, Priority>> {
  const rows = await db.recipeSet.findMany({
    where: { status: 'Queued' },
    select: { id: true, priority: true },
  });
  return new Map(rows.map((r) => [r.id, r.priority]));
}

/** Marks sets processed; only the first scheduler to get there does it (several may run). */
export async function markProcessed(db: Db, setIds: readonly number[], now: Date): Promise<void> {
  if (setIds.length === 0) return;
  await db.recipeSet.updateMany({
    where: { id: { in: [...setIds] }, processedAt: null },
    data: { processedAt: now },
  });
}

/**
 * Bumps a set's priority one level, once (the processing mark is the guard), with an
 * activity row as Beaker records it (service Scheduler). Returns whether this call did it.
 */
export async function bumpPriority(
  db: Db,
  setId: number,
  from: Priority,
  to: Priority,
  reason: string,
  now: Date,
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.recipeSet.updateMany({
      where: { id: setId, processedAt: null, priority: from },
      data: { priority: to, processedAt: now },
    });
    if (count === 0) return false;
    await tx.activity.create({
      data: {
        objectType: 'recipe_set',
        objectId: setId,
        service: 'Scheduler',
        action: 'Changed',
        fieldName: 'Priority',
        oldValue: from,
        newValue: `${to} (${reason})`,
        createdAt: now,
      },
    });
    return true;
  });
}

/** Aborts a set nothing could ever run, with the reason as the tasks' Warn result (Beaker's abort_dead_recipes). */
export async function abortSet(
  db: Db,
  setId: number,
  reason: string,
  events: SchedulerEvents,
  now: Date,
): Promise<void> {
  await stop(db, { recipeSetId: setId }, 'abort', reason, { now, events, onlyIfQueued: true });
  await markProcessed(db, [setId], now);
}
