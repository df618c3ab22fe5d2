/**
 * Provisioning, the second half of Beaker's scheduling (reference/beaker.md §5.1): a recipe
 * set the scheduler has assigned (Scheduled, its systems reserved) gets its watchdogs, an
 * installation per machine recipe and the lab controller's commands, and goes to Waiting.
 *
 * It is apart from the assignment (commit.ts) for the same reason Beaker keeps
 * `schedule_queued_recipes` and `provision_scheduled_recipesets` apart: the assignment is
 * the contended decision that must never double-book, and it is small (a cold pass of 4,300
 * sets assigns in a third of the time the combined write took); provisioning writes most of
 * the rows (four commands per recipe) and foreign-key checks, and needs nothing the planner
 * knows. Everything it needs is in the database, so the scheduler that assigned a set, its
 * sweep, or another scheduler after a crash between the two runs the same statement.
 *
 * Idempotent under concurrency: it locks the sets' jobs (as every lifecycle change does, so
 * a cancel and a provisioning serialise) and provisions only sets still Scheduled; the unique
 * watchdog and installation per recipe are the backstop.
 */
import { LONG_TRANSACTION, type Db } from '../db/prisma.js';

/** Provisions the sets that are still Scheduled; returns the ids it provisioned. */
export async function provisionSets(db: Db, setIds: readonly number[], now = new Date()): Promise<number[]> {
  if (setIds.length === 0) return [];
  return db.$transaction(async (tx) => {
    await tx.$queryRawUnsafe(
      `SELECT id FROM job WHERE id IN (SELECT job_id FROM recipe_set WHERE id = ANY($1::int[]))
        ORDER BY id FOR UPDATE`,
      [...setIds],
    );
    const rows = await tx.$queryRawUnsafe<{ id: number }[]>(
      `WITH s AS (SELECT id, job_id FROM recipe_set WHERE id = ANY($1::int[]) AND status = 'Scheduled'),
       -- status::text: the statistics were taken while these recipes were Queued and say none
       -- is Scheduled, so the planner would walk the status index and filter 1.2 million rows
       -- (320 ms per batch, measured) instead of looking the sets' recipes up.
       all_r AS (
         SELECT r.id AS recipe_id, r.kind, rr.system_id, rr.lab_controller_id AS lab_id
           FROM recipe r JOIN s ON s.id = r.recipe_set_id
           JOIN recipe_resource rr ON rr.recipe_id = r.id AND rr.released_at IS NULL
          WHERE r.status::text = 'Scheduled'),
       m AS (
         SELECT all_r.recipe_id, all_r.system_id, all_r.lab_id, p.quiescent_period AS quiescent
           FROM all_r LEFT JOIN power p ON p.system_id = all_r.system_id
          WHERE all_r.kind = 'machine'),
       wd AS (INSERT INTO watchdog (recipe_id) SELECT recipe_id FROM all_r),
       inst AS (
         INSERT INTO installation (system_id, recipe_id, distro_tree_id, arch, distro_name, os_major, os_minor,
                                   variant, kernel_options, created_at)
         SELECT m.system_id, r.id, r.distro_tree_id, COALESCE(a.name, ''), COALESCE(d.name, ''),
                COALESCE(om.name, ''), COALESCE(ov.os_minor, ''), COALESCE(dt.variant, ''), r.kernel_options, $2
           FROM m JOIN recipe r ON r.id = m.recipe_id
           LEFT JOIN distro_tree dt ON dt.id = r.distro_tree_id
           LEFT JOIN arch a ON a.id = dt.arch_id
           LEFT JOIN distro d ON d.id = dt.distro_id
           LEFT JOIN os_version ov ON ov.id = d.os_version_id
           LEFT JOIN os_major om ON om.id = ov.os_major_id
         RETURNING id, recipe_id),
       cmd AS (
         INSERT INTO command (system_id, lab_controller_id, service, action, installation_id, quiescent_period,
                              queue_time)
         SELECT m.system_id, m.lab_id, 'Scheduler', a.action::command_action, inst.id,
                CASE WHEN a.action IN ('off', 'on') THEN m.quiescent END, $2
           FROM m JOIN inst ON inst.recipe_id = m.recipe_id
          CROSS JOIN (VALUES (1, 'clear_logs'), (2, 'configure_netboot'), (3, 'off'), (4, 'on')) AS a(n, action)
          ORDER BY m.system_id, a.n),
       t AS (UPDATE recipe_task SET status = 'Waiting'::task_status
              WHERE recipe_id IN (SELECT recipe_id FROM all_r) AND status = 'Scheduled'),
       r AS (UPDATE recipe SET status = 'Waiting'::task_status WHERE id IN (SELECT recipe_id FROM all_r)),
       rs AS (UPDATE recipe_set SET status = 'Waiting'::task_status WHERE id IN (SELECT id FROM s) RETURNING id),
       -- Waiting dominates every queued status in the roll-up; a running set keeps its job Running.
       j AS (UPDATE job SET status = 'Waiting'::task_status
              WHERE id IN (SELECT job_id FROM s) AND status IN ('New', 'Processed', 'Queued', 'Scheduled', 'Reserved'))
       SELECT id FROM rs`,
      [...setIds],
      now,
    );
    return rows.map((row) => row.id);
  }, LONG_TRANSACTION);
}

/** Sets assigned but not provisioned: their scheduler died between the two, or its provisioning failed. */
export async function scheduledSetIds(db: Db): Promise<number[]> {
  const rows = await db.$queryRawUnsafe<{ id: number }[]>(
    `SELECT id FROM recipe_set WHERE status = 'Scheduled' ORDER BY id`,
  );
  return rows.map((row) => row.id);
}
