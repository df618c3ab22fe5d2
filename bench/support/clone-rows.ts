/**
 * Bulk copies of rows the real code wrote once: a system created through the API, a job
 * submitted through the API. Copying every column (read from the catalog, so new columns
 * are copied too) keeps the copies exactly what production writes, at the cost of one
 * statement per table instead of thousands of requests.
 */
import type pg from 'pg';

type Queryable = Pick<pg.Client, 'query'>;

async function columns(db: Queryable, table: string, except: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
      ORDER BY ordinal_position`,
    [table],
  );
  if (rows.length === 0) throw new Error(`no table ${table}`);
  return rows.map((r) => r.column_name).filter((c) => !except.includes(c));
}

const list = (cols: readonly string[], prefix = '') => cols.map((c) => `${prefix}"${c}"`).join(', ');

/**
 * `count` copies of system `templateId` (with its arches and power settings). Copy n is
 * named `<prefix><n><suffix>` and its power address is its name; it shares the template's
 * active access policy (a custom policy belongs to one system). Returns the new ids.
 */
export async function cloneSystem(
  db: Queryable,
  templateId: number,
  count: number,
  name: { prefix: string; suffix: string },
): Promise<number[]> {
  const system = await columns(db, 'system', [
    'id',
    'fqdn',
    'custom_access_policy_id',
    'mac_address',
    'ip_address',
  ]);
  const arch = await columns(db, 'system_arch', ['system_id']);
  const power = await columns(db, 'power', ['system_id', 'address']);
  const { rows } = await db.query<{ id: number }>(
    `WITH s AS (
       INSERT INTO system (fqdn, ${list(system)})
       SELECT $3 || g::text || $4, ${list(system, 't.')}
         FROM system t, generate_series(1, $2::int) g WHERE t.id = $1
       RETURNING id, fqdn),
     a AS (INSERT INTO system_arch (system_id, ${list(arch)})
           SELECT s.id, ${list(arch, 't.')} FROM s, system_arch t WHERE t.system_id = $1),
     p AS (INSERT INTO power (system_id, address, ${list(power)})
           SELECT s.id, s.fqdn, ${list(power, 't.')} FROM s, power t WHERE t.system_id = $1)
     SELECT id FROM s ORDER BY id`,
    [templateId, count, name.prefix, name.suffix],
  );
  return rows.map((r) => r.id);
}

/**
 * `count` copies of job `templateJobId`, which must hold one recipe set of one machine recipe
 * (no guests, no task parameters): job, recipe set, recipe and tasks, each level one row per
 * copy, so every INSERT … RETURNING feeds the next. Returns the new recipe ids.
 */
export async function cloneSingleRecipeJob(
  db: Queryable,
  templateJobId: number,
  count: number,
): Promise<number[]> {
  const { rows: template } = await db.query<{ set_id: number; recipe_id: number; recipes: number }>(
    `SELECT rs.id AS set_id, min(r.id) AS recipe_id, count(r.id)::int AS recipes
       FROM recipe_set rs JOIN recipe r ON r.recipe_set_id = rs.id
      WHERE rs.job_id = $1 GROUP BY rs.id`,
    [templateJobId],
  );
  const only = template[0];
  if (template.length !== 1 || !only || only.recipes !== 1)
    throw new Error(`job ${templateJobId} is not one recipe set of one recipe`);
  const params = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM recipe_task_param p JOIN recipe_task t ON t.id = p.recipe_task_id
      WHERE t.recipe_id = $1`,
    [only.recipe_id],
  );
  if (params.rows[0]?.n) throw new Error(`job ${templateJobId} has task parameters; not copied`);
  const job = await columns(db, 'job', ['id']);
  const set = await columns(db, 'recipe_set', ['id', 'job_id']);
  const recipe = await columns(db, 'recipe', ['id', 'recipe_set_id']);
  const task = await columns(db, 'recipe_task', ['id', 'recipe_id']);
  const { rows } = await db.query<{ id: number }>(
    `WITH j AS (
       INSERT INTO job (${list(job)})
       SELECT ${list(job, 't.')} FROM job t, generate_series(1, $4::int) g WHERE t.id = $1
       RETURNING id),
     rs AS (INSERT INTO recipe_set (job_id, ${list(set)})
            SELECT j.id, ${list(set, 't.')} FROM j, recipe_set t WHERE t.id = $2
            RETURNING id),
     r AS (INSERT INTO recipe (recipe_set_id, ${list(recipe)})
           SELECT rs.id, ${list(recipe, 't.')} FROM rs, recipe t WHERE t.id = $3
           RETURNING id),
     rt AS (INSERT INTO recipe_task (recipe_id, ${list(task)})
            SELECT r.id, ${list(task, 't.')} FROM r, recipe_task t WHERE t.recipe_id = $3)
     SELECT id FROM r ORDER BY id`,
    [templateJobId, only.set_id, only.recipe_id, count],
  );
  return rows.map((r) => r.id);
}
