/**
 * The commit point (brief decision 2; reference/perf-reliability.md §4.1). Placements are
 * planned in memory from a view that may be stale — another scheduler process may have taken
 * the system, the user may have cancelled, a policy may have changed — so each batch is
 * committed in one transaction that locks the jobs and systems involved (in id order, so
 * concurrent batches cannot deadlock), re-checks everything the plan assumed, and writes only
 * the recipe sets that still hold, each one whole. The rest come back as conflicts.
 *
 * Backstops in the schema: one open reservation per system (partial unique index) and one
 * resource per recipe. Every assignment is appended to assignment_event in the same
 * transaction, with the transaction id, for the history checker. The sets committed here are
 * Scheduled; provision.ts takes them to Waiting.
 */
import { groupBy } from '../../../common/src/group-by.js';
import { LONG_TRANSACTION, type Db, type Prisma } from '../db/prisma.js';
import type { Placement } from './planner.js';

type Tx = Prisma.TransactionClient;

export interface Conflict {
  placement: Placement;
  reason: string;
}

export interface CommitResult {
  committed: Placement[];
  conflicts: Conflict[];
}

export interface CommitOptions {
  /** Written to assignment_event.actor: which scheduler decided. */
  actor: string;
  /** A lab controller not seen for this long is offline (null last_seen_at: never polled yet, usable). */
  labOfflineAfterMs: number;
}

interface LockedSystem {
  id: number;
  fqdn: string;
  user_id: number | null;
  status: string;
  lab_controller_id: number | null;
  loaned_to_id: number | null;
  /** An open reservation (a manual one, or one a release has not closed). */
  reserved: boolean;
  lab_usable: boolean;
}

interface RecipeRow {
  id: number;
  recipe_set_id: number;
  kind: 'machine' | 'guest';
  host_recipe_id: number | null;
  status: string;
  host_requires_force: string | null;
  set_status: string;
  owner_id: number;
}

export async function commitPlacements(
  db: Db,
  placements: readonly Placement[],
  options: CommitOptions,
): Promise<CommitResult> {
  if (placements.length === 0) return { committed: [], conflicts: [] };
  return db.$transaction(async (tx) => {
    const now = new Date();
    const jobIds = unique(placements.map((p) => p.set.jobId));
    const systemIds = unique(placements.flatMap((p) => [...p.systems.values()]));
    const setIds = placements.map((p) => p.set.id);

    await tx.$queryRawUnsafe(`SELECT id FROM job WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE`, jobIds);
    // The lab's state comes with the system row: one round trip less on the hot path.
    const systems = await tx.$queryRawUnsafe<LockedSystem[]>(
      `SELECT s.id, s.fqdn, s.user_id, s.status::text AS status, s.lab_controller_id, s.loaned_to_id,
              EXISTS (SELECT 1 FROM reservation rv WHERE rv.system_id = s.id AND rv.finish_time IS NULL) AS reserved,
              (lc.id IS NOT NULL AND NOT lc.disabled AND lc.removed_at IS NULL
               AND (lc.last_seen_at IS NULL OR lc.last_seen_at > $2::timestamp)) AS lab_usable
         FROM system s
         LEFT JOIN lab_controller lc ON lc.id = s.lab_controller_id
        WHERE s.id = ANY($1::int[]) ORDER BY s.id FOR UPDATE OF s`,
      systemIds,
      new Date(now.getTime() - options.labOfflineAfterMs),
    );
    const recipes = await tx.$queryRawUnsafe<RecipeRow[]>(
      `SELECT r.id, r.recipe_set_id, r.kind::text AS kind, r.host_recipe_id, r.status::text AS status,
              r.host_requires_force, rs.status::text AS set_status, j.owner_id
         FROM recipe r JOIN recipe_set rs ON rs.id = r.recipe_set_id JOIN job j ON j.id = rs.job_id
        WHERE r.recipe_set_id = ANY($1::int[]) ORDER BY r.id`,
      setIds,
    );
    const pairs = placements.flatMap((p) =>
      [...p.systems.values()].map((systemId) => [systemId, p.set.ownerId]),
    );
    const allowed = await reservablePairs(tx, pairs);

    const systemById = new Map(systems.map((s) => [s.id, s]));
    const recipesBySet = groupBy(recipes, (r) => r.recipe_set_id);
    const committed: Placement[] = [];
    const conflicts: Conflict[] = [];
    const claimed = new Set<number>();
    for (const placement of placements) {
      const systemsOfSet = [...placement.systems.values()];
      const reason = systemsOfSet.some((id) => claimed.has(id))
        ? 'a system is placed twice in one batch'
        : recheck(placement, {
            recipes: recipesBySet.get(placement.set.id) ?? [],
            systemById,
            allowed,
          });
      if (reason) conflicts.push({ placement, reason });
      else {
        committed.push(placement);
        for (const id of systemsOfSet) claimed.add(id);
      }
    }
    if (committed.length) await writeAssignments(tx, committed, { recipesBySet, now, actor: options.actor });
    return { committed, conflicts };
  }, LONG_TRANSACTION);
}

interface RecheckState {
  recipes: RecipeRow[];
  systemById: Map<number, LockedSystem>;
  allowed: Set<string>;
}

/** Why the placement no longer holds, or undefined when it can be written. */
function recheck(placement: Placement, state: RecheckState): string | undefined {
  const { recipes } = state;
  const first = recipes[0];
  if (!first) return 'recipe set gone';
  if (first.set_status !== 'Queued') return `recipe set is ${first.set_status}`;
  const ownerId = first.owner_id;
  if (recipes.some((r) => r.status !== 'Queued')) return 'a recipe of the set is no longer Queued';
  const machines = recipes.filter((r) => r.kind === 'machine');
  if (machines.length !== placement.systems.size || machines.some((r) => !placement.systems.has(r.id)))
    return 'the set’s recipes changed';
  for (const recipe of machines) {
    const system = state.systemById.get(placement.systems.get(recipe.id) as number);
    if (!system) return 'system gone';
    if (system.user_id !== null || system.reserved) return `${system.fqdn} is taken`;
    const forced = recipe.host_requires_force !== null;
    if (forced ? system.status === 'Removed' : system.status !== 'Automated')
      return `${system.fqdn} is ${system.status}`;
    if (system.lab_controller_id !== placement.labId) return `${system.fqdn} moved to another lab`;
    if (!system.lab_usable) return `the lab of ${system.fqdn} is disabled, removed or offline`;
    if (system.loaned_to_id !== null && system.loaned_to_id !== ownerId) return `${system.fqdn} is loaned`;
    if (!state.allowed.has(`${system.id}:${ownerId}`))
      return `the job owner may no longer reserve ${system.fqdn}`;
  }
  return undefined;
}

/** (system, user) pairs where the user owns, borrows, or is granted `reserve` on the system now. */
async function reservablePairs(tx: Tx, pairs: number[][]): Promise<Set<string>> {
  const rows = await tx.$queryRawUnsafe<{ system_id: number; user_id: number }[]>(
    `SELECT v.system_id, v.user_id
       FROM unnest($1::int[], $2::int[]) AS v(system_id, user_id)
       JOIN system s ON s.id = v.system_id
      WHERE s.owner_id = v.user_id OR s.loaned_to_id = v.user_id OR EXISTS (
        SELECT 1 FROM access_policy_rule r
         WHERE r.policy_id = s.active_access_policy_id AND r.permission = 'reserve'
           AND (r.user_id = v.user_id
                OR (r.user_id IS NULL AND r.group_id IS NULL)
                OR r.group_id IN (
                  SELECT g.id FROM user_group g
                   WHERE (g.membership_type <> 'inverted' AND EXISTS (
                            SELECT 1 FROM group_member m WHERE m.group_id = g.id AND m.user_id = v.user_id AND NOT m.excluded))
                      OR (g.membership_type = 'inverted' AND NOT EXISTS (
                            SELECT 1 FROM group_member m WHERE m.group_id = g.id AND m.user_id = v.user_id AND m.excluded)))))`,
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  );
  return new Set(rows.map((r) => `${r.system_id}:${r.user_id}`));
}

interface WriteState {
  recipesBySet: Map<number, RecipeRow[]>;
  now: Date;
  actor: string;
}

/**
 * The assignment in one statement (Beaker's schedule_recipe_on_system, §4.2): reserve the
 * systems; reservations and resources (guests get a MAC from their recipe id in QEMU's
 * 52:54:00 range); tasks, recipes and sets to Scheduled with the set pinned to its lab; the
 * job to Scheduled once none of its sets is still queued or further on; the history rows.
 * Provisioning (watchdogs, installations, commands) follows in provision.ts. Data-modifying
 * CTEs all run to completion, so one round trip does what ten did.
 */
async function writeAssignments(tx: Tx, placements: readonly Placement[], state: WriteState): Promise<void> {
  const machine: { recipeId: number; setId: number; systemId: number; ownerId: number; labId: number }[] = [];
  const guests: { recipeId: number; labId: number }[] = [];
  for (const placement of placements) {
    for (const recipe of state.recipesBySet.get(placement.set.id) ?? []) {
      if (recipe.kind === 'guest') guests.push({ recipeId: recipe.id, labId: placement.labId });
      else
        machine.push({
          recipeId: recipe.id,
          setId: placement.set.id,
          systemId: placement.systems.get(recipe.id) as number,
          ownerId: placement.set.ownerId,
          labId: placement.labId,
        });
    }
  }
  const [{ reserved }] = await tx.$queryRawUnsafe<[{ reserved: number }]>(
    `WITH m AS (
       SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::int[])
                  AS m(recipe_id, set_id, system_id, owner_id, lab_id)),
     g AS (SELECT * FROM unnest($6::int[], $7::int[]) AS g(recipe_id, lab_id)),
     all_r AS (SELECT recipe_id FROM m UNION ALL SELECT recipe_id FROM g),
     sets AS (SELECT DISTINCT set_id, lab_id FROM m),
     sys AS (
       UPDATE system s SET user_id = m.owner_id FROM m WHERE s.id = m.system_id AND s.user_id IS NULL
       RETURNING s.id, s.fqdn),
     res AS (
       INSERT INTO reservation (system_id, user_id, type, start_time)
       SELECT system_id, owner_id, 'recipe'::reservation_type, $8 FROM m RETURNING id, system_id),
     rr AS (
       INSERT INTO recipe_resource (recipe_id, type, fqdn, system_id, reservation_id, lab_controller_id, created_at)
       SELECT m.recipe_id, 'system'::resource_type, sys.fqdn, m.system_id, res.id, m.lab_id, $8
         FROM m JOIN res ON res.system_id = m.system_id JOIN sys ON sys.id = m.system_id),
     gr AS (
       INSERT INTO recipe_resource (recipe_id, type, mac_address, lab_controller_id, created_at)
       SELECT g.recipe_id, 'guest'::resource_type,
              '52:54:00:' || substr(lpad(to_hex(g.recipe_id % 16777216), 6, '0'), 1, 2) || ':'
                || substr(lpad(to_hex(g.recipe_id % 16777216), 6, '0'), 3, 2) || ':'
                || substr(lpad(to_hex(g.recipe_id % 16777216), 6, '0'), 5, 2),
              g.lab_id, $8
         FROM g),
     t AS (UPDATE recipe_task SET status = 'Scheduled'::task_status
            WHERE recipe_id IN (SELECT recipe_id FROM all_r) AND status = 'Queued'),
     r AS (UPDATE recipe SET status = 'Scheduled'::task_status
            WHERE id IN (SELECT recipe_id FROM all_r) AND status = 'Queued'),
     rs AS (UPDATE recipe_set SET status = 'Scheduled'::task_status, lab_controller_id = sets.lab_id
              FROM sets WHERE recipe_set.id = sets.set_id),
     -- The roll-up: Scheduled once no other set of the job is queued, waiting or running
     -- (finished and Reserved sets rank above Scheduled).
     j AS (UPDATE job SET status = 'Scheduled'::task_status
            WHERE id IN (SELECT rs2.job_id FROM recipe_set rs2 WHERE rs2.id IN (SELECT set_id FROM sets))
              AND NOT EXISTS (
                SELECT 1 FROM recipe_set o
                 WHERE o.job_id = job.id AND o.id NOT IN (SELECT set_id FROM sets)
                   AND o.status IN ('New', 'Processed', 'Queued', 'Waiting', 'Installing', 'Running'))),
     h AS (INSERT INTO assignment_event (kind, recipe_id, recipe_set_id, system_id, txid, actor, at)
           SELECT 'assign'::assignment_event_kind, recipe_id, set_id, system_id, txid_current(), $9, $8 FROM m)
     SELECT count(*)::int AS reserved FROM sys`,
    machine.map((m) => m.recipeId),
    machine.map((m) => m.setId),
    machine.map((m) => m.systemId),
    machine.map((m) => m.ownerId),
    machine.map((m) => m.labId),
    guests.map((g) => g.recipeId),
    guests.map((g) => g.labId),
    state.now,
    state.actor,
  );
  // Every system was checked free under its row lock; anything else is a bug, not a race.
  if (reserved !== machine.length) throw new Error(`reserved ${reserved} of ${machine.length} systems`);
}

const unique = (values: number[]): number[] => [...new Set(values)].sort((a, b) => a - b);
