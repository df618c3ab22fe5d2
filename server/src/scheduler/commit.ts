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
 * transaction, with the transaction id, for the history checker.
 */
import { rollUpStatus, type Status } from '../../../common/src/domain/status.js';
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
  quiescent_period: number | null;
}

interface SetRow {
  id: number;
  job_id: number;
  status: string;
  owner_id: number;
}

interface RecipeRow {
  id: number;
  recipe_set_id: number;
  kind: 'machine' | 'guest';
  host_recipe_id: number | null;
  status: string;
  distro_tree_id: number | null;
  kernel_options: string;
  host_requires_force: string | null;
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
    const systems = await tx.$queryRawUnsafe<LockedSystem[]>(
      `SELECT s.id, s.fqdn, s.user_id, s.status::text AS status, s.lab_controller_id, s.loaned_to_id,
              p.quiescent_period
         FROM system s LEFT JOIN power p ON p.system_id = s.id
        WHERE s.id = ANY($1::int[]) ORDER BY s.id FOR UPDATE OF s`,
      systemIds,
    );
    const sets = await tx.$queryRawUnsafe<SetRow[]>(
      `SELECT rs.id, rs.job_id, rs.status::text AS status, j.owner_id
         FROM recipe_set rs JOIN job j ON j.id = rs.job_id WHERE rs.id = ANY($1::int[])`,
      setIds,
    );
    const recipes = await tx.$queryRawUnsafe<RecipeRow[]>(
      `SELECT id, recipe_set_id, kind::text AS kind, host_recipe_id, status::text AS status, distro_tree_id,
              kernel_options, host_requires_force
         FROM recipe WHERE recipe_set_id = ANY($1::int[]) ORDER BY id`,
      setIds,
    );
    const pairs = placements.flatMap((p) =>
      [...p.systems.values()].map((systemId) => [systemId, p.set.ownerId]),
    );
    const allowed = await reservablePairs(tx, pairs);
    const labs = await usableLabs(tx, unique(placements.map((p) => p.labId)), now, options.labOfflineAfterMs);

    const systemById = new Map(systems.map((s) => [s.id, s]));
    const setById = new Map(sets.map((s) => [s.id, s]));
    const recipesBySet = groupBy(recipes, (r) => r.recipe_set_id);
    const committed: Placement[] = [];
    const conflicts: Conflict[] = [];
    const claimed = new Set<number>();
    for (const placement of placements) {
      const systemsOfSet = [...placement.systems.values()];
      const reason = systemsOfSet.some((id) => claimed.has(id))
        ? 'a system is placed twice in one batch'
        : recheck(placement, {
            set: setById.get(placement.set.id),
            recipes: recipesBySet.get(placement.set.id) ?? [],
            systemById,
            allowed,
            labs,
          });
      if (reason) conflicts.push({ placement, reason });
      else {
        committed.push(placement);
        for (const id of systemsOfSet) claimed.add(id);
      }
    }
    if (committed.length)
      await writeAssignments(tx, committed, { systemById, recipesBySet, now, actor: options.actor });
    return { committed, conflicts };
  }, LONG_TRANSACTION);
}

interface RecheckState {
  set: SetRow | undefined;
  recipes: RecipeRow[];
  systemById: Map<number, LockedSystem>;
  allowed: Set<string>;
  labs: Set<number>;
}

/** Why the placement no longer holds, or undefined when it can be written. */
function recheck(placement: Placement, state: RecheckState): string | undefined {
  const { set, recipes } = state;
  if (!set || set.status !== 'Queued') return `recipe set is ${set?.status ?? 'gone'}`;
  if (recipes.some((r) => r.status !== 'Queued')) return 'a recipe of the set is no longer Queued';
  const machines = recipes.filter((r) => r.kind === 'machine');
  if (machines.length !== placement.systems.size || machines.some((r) => !placement.systems.has(r.id)))
    return 'the set’s recipes changed';
  if (!state.labs.has(placement.labId)) return 'the lab is disabled, removed or offline';
  for (const recipe of machines) {
    const system = state.systemById.get(placement.systems.get(recipe.id) as number);
    if (!system) return 'system gone';
    if (system.user_id !== null) return `${system.fqdn} is taken`;
    const forced = recipe.host_requires_force !== null;
    if (forced ? system.status === 'Removed' : system.status !== 'Automated')
      return `${system.fqdn} is ${system.status}`;
    if (system.lab_controller_id !== placement.labId) return `${system.fqdn} moved to another lab`;
    if (system.loaned_to_id !== null && system.loaned_to_id !== set.owner_id)
      return `${system.fqdn} is loaned`;
    if (!state.allowed.has(`${system.id}:${set.owner_id}`))
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

async function usableLabs(tx: Tx, labIds: number[], now: Date, offlineAfterMs: number): Promise<Set<number>> {
  const rows = await tx.$queryRawUnsafe<{ id: number }[]>(
    `SELECT id FROM lab_controller
      WHERE id = ANY($1::int[]) AND NOT disabled AND removed_at IS NULL
        AND (last_seen_at IS NULL OR last_seen_at > $2::timestamptz)`,
    labIds,
    new Date(now.getTime() - offlineAfterMs),
  );
  return new Set(rows.map((r) => r.id));
}

interface WriteState {
  systemById: Map<number, LockedSystem>;
  recipesBySet: Map<number, RecipeRow[]>;
  now: Date;
  actor: string;
}

/**
 * Set-wise writes for every committed placement (Beaker's schedule_recipe_on_system and
 * provision, §4.2 and §5.1): reserve the systems, record resources and reservations, create
 * watchdogs without a kill time, installation rows, and the lab controller's commands
 * (clear_logs, configure_netboot, off, on), move tasks, recipes and sets to Waiting, pin
 * each set to its lab, roll the jobs up and append the history.
 */
async function writeAssignments(tx: Tx, placements: readonly Placement[], state: WriteState): Promise<void> {
  const machine: { recipeId: number; setId: number; systemId: number; ownerId: number; labId: number }[] = [];
  const guests: { recipeId: number; labId: number }[] = [];
  const allRecipeIds: number[] = [];
  for (const placement of placements) {
    for (const recipe of state.recipesBySet.get(placement.set.id) ?? []) {
      allRecipeIds.push(recipe.id);
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
  const col = <K extends keyof (typeof machine)[number]>(key: K) => machine.map((m) => m[key]);

  await tx.$executeRawUnsafe(
    `UPDATE system SET user_id = v.user_id FROM unnest($1::int[], $2::int[]) AS v(id, user_id)
      WHERE system.id = v.id AND system.user_id IS NULL`,
    col('systemId'),
    col('ownerId'),
  );
  const reservations = await tx.$queryRawUnsafe<{ id: number; system_id: number }[]>(
    `INSERT INTO reservation (system_id, user_id, type, start_time)
     SELECT v.system_id, v.user_id, 'recipe', $3 FROM unnest($1::int[], $2::int[]) AS v(system_id, user_id)
     RETURNING id, system_id`,
    col('systemId'),
    col('ownerId'),
    state.now,
  );
  const reservationOf = new Map(reservations.map((r) => [r.system_id, r.id]));
  await tx.$executeRawUnsafe(
    `INSERT INTO recipe_resource (recipe_id, type, fqdn, system_id, reservation_id, lab_controller_id, created_at)
     SELECT v.recipe_id, 'system', s.fqdn, v.system_id, v.reservation_id, v.lab_id, $5
       FROM unnest($1::int[], $2::int[], $3::int[], $4::int[]) AS v(recipe_id, system_id, reservation_id, lab_id)
       JOIN system s ON s.id = v.system_id`,
    col('recipeId'),
    col('systemId'),
    machine.map((m) => reservationOf.get(m.systemId) as number),
    col('labId'),
    state.now,
  );
  if (guests.length) {
    await tx.$executeRawUnsafe(
      `INSERT INTO recipe_resource (recipe_id, type, mac_address, lab_controller_id, created_at)
       SELECT v.recipe_id, 'guest', $3, v.lab_id, $4 FROM unnest($1::int[], $2::int[]) AS v(recipe_id, lab_id)`,
      guests.map((g) => g.recipeId),
      guests.map((g) => g.labId),
      null,
      state.now,
    );
    // A guest's MAC comes from its recipe id (QEMU's locally administered 52:54:00 prefix): unique and stable.
    await tx.$executeRawUnsafe(
      `UPDATE recipe_resource SET mac_address = '52:54:00:' || substr(lpad(to_hex(recipe_id), 6, '0'), 1, 2) || ':'
              || substr(lpad(to_hex(recipe_id), 6, '0'), 3, 2) || ':' || substr(lpad(to_hex(recipe_id), 6, '0'), 5, 2)
        WHERE recipe_id = ANY($1::int[])`,
      guests.map((g) => g.recipeId),
    );
  }
  await tx.$executeRawUnsafe(`INSERT INTO watchdog (recipe_id) SELECT unnest($1::int[])`, allRecipeIds);
  const installations = await tx.$queryRawUnsafe<{ id: number; recipe_id: number }[]>(
    `INSERT INTO installation (system_id, recipe_id, distro_tree_id, arch, distro_name, os_major, os_minor, variant,
                               kernel_options, created_at)
     SELECT v.system_id, r.id, r.distro_tree_id, COALESCE(a.name, ''), COALESCE(d.name, ''), COALESCE(om.name, ''),
            COALESCE(ov.os_minor, ''), COALESCE(dt.variant, ''), r.kernel_options, $3
       FROM unnest($1::int[], $2::int[]) AS v(recipe_id, system_id)
       JOIN recipe r ON r.id = v.recipe_id
       LEFT JOIN distro_tree dt ON dt.id = r.distro_tree_id
       LEFT JOIN arch a ON a.id = dt.arch_id
       LEFT JOIN distro d ON d.id = dt.distro_id
       LEFT JOIN os_version ov ON ov.id = d.os_version_id
       LEFT JOIN os_major om ON om.id = ov.os_major_id
     RETURNING id, recipe_id`,
    col('recipeId'),
    col('systemId'),
    state.now,
  );
  const installationOf = new Map(installations.map((i) => [i.recipe_id, i.id]));
  // One row per command, in the order the lab controller must run them (it runs by id).
  const commands = machine.flatMap((m) => {
    const quiescent = state.systemById.get(m.systemId)?.quiescent_period ?? null;
    const installation = installationOf.get(m.recipeId) ?? null;
    return [
      { m, action: 'clear_logs', installation: null, quiescent: null },
      { m, action: 'configure_netboot', installation, quiescent: null },
      { m, action: 'off', installation: null, quiescent },
      { m, action: 'on', installation: null, quiescent },
    ];
  });
  await tx.$executeRawUnsafe(
    `INSERT INTO command (system_id, lab_controller_id, service, action, installation_id, quiescent_period, queue_time)
     SELECT v.system_id, v.lab_id, 'Scheduler', v.action::command_action, v.installation_id, v.quiescent, $6
       FROM unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::int[]) WITH ORDINALITY
            AS v(system_id, lab_id, action, installation_id, quiescent, n)
      ORDER BY v.n`,
    commands.map((c) => c.m.systemId),
    commands.map((c) => c.m.labId),
    commands.map((c) => c.action),
    commands.map((c) => c.installation),
    commands.map((c) => c.quiescent),
    state.now,
  );

  await tx.$executeRawUnsafe(
    `UPDATE recipe_task SET status = 'Waiting' WHERE recipe_id = ANY($1::int[]) AND status = 'Queued'`,
    allRecipeIds,
  );
  await tx.$executeRawUnsafe(
    `UPDATE recipe SET status = 'Waiting' WHERE id = ANY($1::int[]) AND status = 'Queued'`,
    allRecipeIds,
  );
  await tx.$executeRawUnsafe(
    `UPDATE recipe_set SET status = 'Waiting', lab_controller_id = v.lab_id
       FROM unnest($1::int[], $2::int[]) AS v(id, lab_id) WHERE recipe_set.id = v.id`,
    placements.map((p) => p.set.id),
    placements.map((p) => p.labId),
  );
  await rollUpJobStatuses(tx, unique(placements.map((p) => p.set.jobId)));
  await tx.$executeRawUnsafe(
    `INSERT INTO assignment_event (kind, recipe_id, recipe_set_id, system_id, txid, actor, at)
     SELECT 'assign', v.recipe_id, v.set_id, v.system_id, txid_current(), $4, $5
       FROM unnest($1::int[], $2::int[], $3::int[]) AS v(recipe_id, set_id, system_id)`,
    col('recipeId'),
    col('setId'),
    col('systemId'),
    state.actor,
    state.now,
  );
}

/** Jobs' statuses from their sets' (Waiting dominates Queued); counters and results do not change here. */
async function rollUpJobStatuses(tx: Tx, jobIds: number[]): Promise<void> {
  const rows = await tx.$queryRawUnsafe<{ job_id: number; status: Status; job_status: Status }[]>(
    `SELECT rs.job_id, rs.status::text AS status, j.status::text AS job_status
       FROM recipe_set rs JOIN job j ON j.id = rs.job_id WHERE rs.job_id = ANY($1::int[])`,
    jobIds,
  );
  const changed: { id: number; status: Status }[] = [];
  for (const [jobId, sets] of groupBy(rows, (r) => r.job_id)) {
    const status = rollUpStatus(sets.map((s) => s.status));
    if (status !== (sets[0] as (typeof rows)[number]).job_status) changed.push({ id: jobId, status });
  }
  if (changed.length === 0) return;
  await tx.$executeRawUnsafe(
    `UPDATE job SET status = v.status::task_status FROM unnest($1::int[], $2::text[]) AS v(id, status)
      WHERE job.id = v.id`,
    changed.map((c) => c.id),
    changed.map((c) => c.status),
  );
}

const unique = (values: number[]): number[] => [...new Set(values)].sort((a, b) => a - b);

function groupBy<T, K>(values: readonly T[], key: (value: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const value of values) {
    const k = key(value);
    const group = groups.get(k);
    if (group) group.push(value);
    else groups.set(k, [value]);
  }
  return groups;
}
