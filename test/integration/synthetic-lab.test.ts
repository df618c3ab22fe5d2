import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  seedSyntheticLab,
  type SyntheticLab,
  type SyntheticLabOptions,
} from '../../bench/support/synthetic-lab.js';
import {
  compileHostFilter,
  parseHostRequires,
  withImplicitSystemType,
  type HostNode,
  type SystemFacts,
} from '../../common/src/host-filter/index.js';
import { closeSchemaValidator, validateJobXml } from '../../common/src/job-xml/index.js';
import { createPrisma } from '../../server/src/db/prisma.js';
import { loadSystemFacts } from '../../server/src/modules/lab/system-facts.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const OPTIONS: SyntheticLabOptions = {
  systems: 200,
  recipes: 400,
  multiHostShare: 0.15,
  guestShare: 0.05,
  seed: 42,
  now: new Date('2026-11-20T12:00:00.000Z'),
  analyze: false,
};
const LABS = 8;
const POOLS = 25;
const USERS = 40;
const GROUPS = 8;

/** Tables the seeder writes, with the order that makes a dump canonical. */
const SEEDED_TABLES = [
  'user_account',
  'user_group',
  'group_member',
  'lab_controller',
  'distro_tree',
  'distro_tree_lab_url',
  'access_policy_rule',
  'pool',
  'system',
  'system_arch',
  'cpu',
  'disk',
  'device',
  'key',
  'key_value',
  'power',
  'system_pool_member',
  'job',
  'recipe_set',
  'recipe',
  'recipe_task',
];

interface Seeded {
  db: TestDatabase;
  lab: SyntheticLab;
}

const seeded: Seeded[] = [];

async function seed(options: SyntheticLabOptions): Promise<Seeded> {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const lab = await seedSyntheticLab(client, options);
    const result = { db, lab };
    seeded.push(result);
    return result;
  } finally {
    await client.end();
  }
}

async function query<T extends pg.QueryResultRow>(db: TestDatabase, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** md5 of each table's rows (as JSON, sorted): equal digests, equal data. */
async function digests(db: TestDatabase): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const out: Record<string, string> = {};
    for (const table of SEEDED_TABLES) {
      const { rows } = await client.query<{ digest: string | null }>(
        `SELECT md5(string_agg(j, E'\\n' ORDER BY j)) AS digest FROM (SELECT row_to_json(t)::text AS j FROM "${table}" t) s`,
      );
      out[table] = rows[0]?.digest ?? 'empty';
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Leaves of a parsed filter (what the brief calls its predicates). */
function leaves(node: HostNode): number {
  return node.kind === 'and' || node.kind === 'or' || node.kind === 'not'
    ? node.children.reduce((n, child) => n + leaves(child), 0)
    : 1;
}

let main: Seeded;

beforeAll(async () => {
  main = await seed(OPTIONS);
});

afterAll(async () => {
  await closeSchemaValidator();
  await Promise.all(seeded.map((s) => s.db.drop()));
});

describe('seedSyntheticLab', () => {
  it('writes the inventory the options ask for', async () => {
    const { db, lab } = main;
    const count = async (sql: string) => Number((await query<{ n: string }>(db, sql))[0]?.n);

    expect(await count(`SELECT count(*) AS n FROM system WHERE type = 'Machine'`)).toBe(200);
    expect(await count(`SELECT count(*) AS n FROM system`)).toBe(200);
    expect(await count(`SELECT count(*) AS n FROM key_value`)).toBe(200 * 30);
    expect(await count(`SELECT count(DISTINCT key_id) AS n FROM key_value`)).toBe(30);
    expect(await count(`SELECT count(*) AS n FROM "key" WHERE "numeric"`)).toBe(10);
    expect(await count(`SELECT count(*) AS n FROM lab_controller`)).toBe(LABS);
    expect(await count(`SELECT count(*) AS n FROM pool`)).toBe(POOLS);
    expect(await count(`SELECT count(*) AS n FROM user_account WHERE kind = 'user'`)).toBe(USERS);
    expect(await count(`SELECT count(*) AS n FROM user_account WHERE kind = 'labcontroller'`)).toBe(LABS);
    // The synthetic groups plus the reference data's admin and lab_controller.
    expect(await count(`SELECT count(*) AS n FROM user_group`)).toBe(GROUPS + 2);
    expect(await count(`SELECT count(*) AS n FROM system WHERE status = 'Broken'`)).toBe(4);
    expect(await count(`SELECT count(*) AS n FROM system WHERE status = 'Manual'`)).toBe(2);
    expect(await count(`SELECT count(*) AS n FROM system WHERE loaned_to_id IS NOT NULL`)).toBe(2);
    expect(await count(`SELECT count(*) AS n FROM system WHERE user_id IS NOT NULL`)).toBe(0);
    expect(lab.counts).toMatchObject({ systems: 200, keyValues: 6000, labControllers: LABS, pools: POOLS });

    // Every lab controller has its own service account, in the lab_controller group.
    const lcs = await query<{ kind: string; grouped: boolean }>(
      db,
      `SELECT u.kind::text AS kind, EXISTS (SELECT 1 FROM group_member m JOIN user_group g ON g.id = m.group_id
                                             WHERE m.user_id = u.id AND g.name = 'lab_controller') AS grouped
         FROM lab_controller l JOIN user_account u ON u.id = l.user_id`,
    );
    expect(new Set(lcs.map((l) => `${l.kind}/${l.grouped}`))).toEqual(new Set(['labcontroller/true']));

    // Each system: cpu, power, arch, 1–4 disks, 0–2 pools, its own active policy granting view
    // to everybody and reserve to exactly one of everybody, a group or a user.
    const perSystem = await query<{
      fqdn: string;
      cpu: boolean;
      power: string | null;
      arches: number;
      disks: number;
      pools: number;
      views: number;
      reserves: number;
      reserve_to: string | null;
      own_policy: boolean;
      memory: number;
    }>(
      db,
      `SELECT s.fqdn, s.memory,
              EXISTS (SELECT 1 FROM cpu c WHERE c.system_id = s.id AND c.cores > 0 AND c.processors >= c.cores) AS cpu,
              (SELECT power_type FROM power p WHERE p.system_id = s.id) AS power,
              (SELECT count(*)::int FROM system_arch a WHERE a.system_id = s.id) AS arches,
              (SELECT count(*)::int FROM disk d WHERE d.system_id = s.id) AS disks,
              (SELECT count(*)::int FROM system_pool_member m WHERE m.system_id = s.id) AS pools,
              (SELECT count(*)::int FROM access_policy_rule r WHERE r.policy_id = s.active_access_policy_id
                  AND r.permission = 'view' AND r.user_id IS NULL AND r.group_id IS NULL) AS views,
              (SELECT count(*)::int FROM access_policy_rule r WHERE r.policy_id = s.active_access_policy_id
                  AND r.permission = 'reserve') AS reserves,
              (SELECT CASE WHEN r.user_id IS NOT NULL THEN 'user' WHEN r.group_id IS NOT NULL THEN 'group'
                           ELSE 'everybody' END
                 FROM access_policy_rule r WHERE r.policy_id = s.active_access_policy_id
                  AND r.permission = 'reserve' LIMIT 1) AS reserve_to,
              s.active_access_policy_id = s.custom_access_policy_id AS own_policy
         FROM system s`,
    );
    for (const s of perSystem) {
      expect(s).toMatchObject({ cpu: true, arches: 1, views: 1, reserves: 1, own_policy: true });
      expect(['ipmilan', 'virtual']).toContain(s.power);
      expect(s.disks).toBeGreaterThanOrEqual(1);
      expect(s.disks).toBeLessThanOrEqual(4);
      expect(s.pools).toBeLessThanOrEqual(2);
      expect([2048, 4096, 8192, 16384, 32768, 65536]).toContain(s.memory);
    }
    const reserveTo = perSystem.map((s) => s.reserve_to);
    expect(reserveTo.filter((r) => r === 'everybody').length).toBeGreaterThan(120);
    expect(reserveTo.filter((r) => r === 'group').length).toBeGreaterThan(0);
    expect(reserveTo.filter((r) => r === 'user').length).toBeGreaterThan(0);
    expect(perSystem.filter((s) => s.pools === 0).length).toBeGreaterThan(0);
    expect(perSystem.filter((s) => s.pools === 2).length).toBeGreaterThan(0);

    // A tree per arch in every lab; systems on more than one arch, mostly x86_64.
    expect(await count(`SELECT count(*) AS n FROM distro_tree_lab_url`)).toBe(4 * LABS);
    const arches = await query<{ name: string; n: number }>(
      db,
      `SELECT a.name, count(*)::int AS n FROM system_arch sa JOIN arch a ON a.id = sa.arch_id GROUP BY a.name ORDER BY n DESC`,
    );
    expect(arches[0]?.name).toBe('x86_64');
    expect(arches.length).toBeGreaterThanOrEqual(3);
  });

  it('queues jobs, recipe sets, recipes, guests and tasks with consistent counters', async () => {
    const { db, lab } = main;
    const recipes = await query<{
      id: number;
      kind: string;
      status: string;
      recipe_set_id: number;
      host_recipe_id: number | null;
      tree_arch: string | null;
      ttasks: number;
      tasks: number;
      task_name: string;
      task_status: string;
    }>(
      db,
      `SELECT r.id, r.kind::text AS kind, r.status::text AS status, r.recipe_set_id, r.host_recipe_id, r.ttasks,
              a.name AS tree_arch,
              (SELECT count(*)::int FROM recipe_task t WHERE t.recipe_id = r.id) AS tasks,
              (SELECT min(t.name) FROM recipe_task t WHERE t.recipe_id = r.id) AS task_name,
              (SELECT min(t.status::text) FROM recipe_task t WHERE t.recipe_id = r.id) AS task_status
         FROM recipe r LEFT JOIN distro_tree dt ON dt.id = r.distro_tree_id LEFT JOIN arch a ON a.id = dt.arch_id
        ORDER BY r.id`,
    );
    const machine = recipes.filter((r) => r.kind === 'machine');
    const guests = recipes.filter((r) => r.kind === 'guest');
    expect(machine).toHaveLength(400);
    expect(guests).toHaveLength(20);
    expect(machine.map((r) => r.id)).toEqual(lab.recipeIds);
    expect(guests.map((r) => r.id)).toEqual(lab.guestRecipeIds);
    for (const r of recipes) {
      expect(r).toMatchObject({ status: 'Queued', ttasks: 1, tasks: 1, task_status: 'Queued' });
      expect(r.task_name).toBe('/distribution/check-install');
      expect(r.tree_arch).not.toBeNull();
    }
    const byId = new Map(recipes.map((r) => [r.id, r]));
    for (const g of guests) {
      const host = byId.get(g.host_recipe_id as number);
      expect(host?.kind).toBe('machine');
      expect(host?.recipe_set_id).toBe(g.recipe_set_id);
    }

    const sets = await query<{
      id: number;
      job_id: number;
      status: string;
      priority: string;
      ttasks: number;
    }>(
      db,
      `SELECT id, job_id, status::text AS status, priority::text AS priority, ttasks FROM recipe_set ORDER BY id`,
    );
    expect(sets.map((s) => s.id)).toEqual(lab.recipeSetIds);
    const machinePerSet = new Map<number, number>();
    for (const r of machine)
      machinePerSet.set(r.recipe_set_id, (machinePerSet.get(r.recipe_set_id) ?? 0) + 1);
    const multiHost = sets.filter((s) => (machinePerSet.get(s.id) ?? 0) > 1);
    expect(multiHost.length).toBeGreaterThan(0);
    expect(multiHost.length / sets.length).toBeGreaterThan(0.05);
    expect(multiHost.length / sets.length).toBeLessThan(0.3);
    expect(Math.max(...machinePerSet.values())).toBeLessThanOrEqual(3);
    for (const s of sets) {
      expect(s.status).toBe('Queued');
      expect(s.ttasks).toBe(recipes.filter((r) => r.recipe_set_id === s.id).length);
    }
    const priorities = sets.map((s) => s.priority);
    expect(priorities.filter((p) => p === 'Normal').length / sets.length).toBeGreaterThan(0.6);
    expect(new Set(priorities).size).toBeGreaterThan(2);

    const jobs = await query<{ id: number; status: string; ttasks: number; submitted_at: Date; tag: string }>(
      db,
      `SELECT j.id, j.status::text AS status, j.ttasks, j.submitted_at, t.tag
         FROM job j JOIN retention_tag t ON t.id = j.retention_tag_id ORDER BY j.id`,
    );
    expect(jobs.map((j) => j.id)).toEqual(lab.jobIds);
    for (const j of jobs) {
      expect(j).toMatchObject({ status: 'Queued', tag: 'scratch' });
      const setTasks = sets.filter((s) => s.job_id === j.id).reduce((n, s) => n + s.ttasks, 0);
      expect(j.ttasks).toBe(setTasks);
    }
    const submitted = jobs.map((j) => j.submitted_at.getTime());
    expect([...submitted].sort((a, b) => a - b)).toEqual(submitted);
    expect(submitted[submitted.length - 1]).toBeLessThanOrEqual((OPTIONS.now as Date).getTime());
  });

  it('stores hostRequires that parse with 3–6 predicates, in recipe XML a job would hold', async () => {
    const { db } = main;
    const rows = await query<{
      id: number;
      kind: string;
      xml: string;
      host_requires_xml: string;
      recipe_set_id: number;
      job_id: number;
      priority: string;
    }>(
      db,
      `SELECT r.id, r.kind::text AS kind, r.xml, r.host_requires_xml, r.recipe_set_id, s.job_id, s.priority::text AS priority
         FROM recipe r JOIN recipe_set s ON s.id = r.recipe_set_id ORDER BY r.id`,
    );
    const elements = new Set<string>();
    let withOr = 0;
    for (const row of rows) {
      const parsed = parseHostRequires(row.host_requires_xml);
      if (!parsed.ok)
        throw new Error(`R:${row.id}: ${JSON.stringify(parsed.errors)}\n${row.host_requires_xml}`);
      if (row.kind === 'guest') continue;
      const n = leaves(parsed.filter.root);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(6);
      for (const m of row.host_requires_xml.matchAll(/<([a-z_]+)[\s/>]/gi)) elements.add(m[1] as string);
      if (row.host_requires_xml.includes('<or>')) withOr++;
    }
    for (const name of ['and', 'or', 'system', 'arch', 'memory', 'cpu', 'cores', 'key_value', 'pool']) {
      expect(elements).toContain(name);
    }
    expect(withOr).toBeGreaterThan(0);

    // The recipes of a sample of jobs, put back into a job document, validate against
    // beaker-job.rng, and submission would store the same recipe and hostRequires text.
    const jobIds = [...new Set(rows.map((r) => r.job_id))];
    const multiOrGuest = new Set(
      rows.filter((r) => r.kind === 'guest' || r.xml.includes('role="SERVERS"')).map((r) => r.job_id),
    );
    const sample = [...jobIds.filter((id) => multiOrGuest.has(id)).slice(0, 10), ...jobIds.slice(0, 10)];
    for (const jobId of new Set(sample)) {
      const machines = rows.filter((r) => r.job_id === jobId && r.kind === 'machine');
      const setIds = [...new Set(machines.map((r) => r.recipe_set_id))];
      const xml = [
        '<job retention_tag="scratch">',
        ...setIds.map((setId) => {
          const inSet = machines.filter((r) => r.recipe_set_id === setId);
          return `<recipeSet priority="${inSet[0]?.priority}">\n${inSet.map((r) => r.xml).join('\n')}\n</recipeSet>`;
        }),
        '</job>',
      ].join('\n');
      const result = await validateJobXml(xml);
      if (!result.ok) throw new Error(`J:${jobId}: ${JSON.stringify(result.errors)}\n${xml}`);
      const specRecipes = result.job.recipeSets.flatMap((set) => set.recipes);
      expect(specRecipes.map((r) => r.xml)).toEqual(machines.map((r) => r.xml));
      expect(specRecipes.map((r) => r.hostRequiresXml)).toEqual(machines.map((r) => r.host_requires_xml));
      const guestRows = rows.filter((r) => r.job_id === jobId && r.kind === 'guest');
      expect(specRecipes.flatMap((r) => r.guests.map((g) => g.xml))).toEqual(guestRows.map((g) => g.xml));
    }
  });

  it('gives recipes a sane number of candidates, some none and some exactly one', async () => {
    const { db, lab } = main;
    const prisma = createPrisma(db.url, 2);
    let facts: SystemFacts[];
    try {
      facts = await loadSystemFacts(prisma);
    } finally {
      await prisma.$disconnect();
    }
    expect(facts).toHaveLength(200);
    const rows = await query<{ id: number; host_requires_xml: string }>(
      db,
      `SELECT id, host_requires_xml FROM recipe WHERE kind = 'machine' ORDER BY id`,
    );
    const counts = rows.map((row) => {
      const parsed = parseHostRequires(row.host_requires_xml);
      if (!parsed.ok) throw new Error(`R:${row.id} does not parse`);
      const matches = compileHostFilter(withImplicitSystemType(parsed.filter, 'machine'));
      return facts.filter((f) => matches(f)).length;
    });
    // What the seeder counted in memory is what the filter engine finds over the stored systems.
    expect(counts).toEqual(lab.candidateCounts);

    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(mean).toBeGreaterThan(2);
    expect(mean).toBeLessThan(20); // 200 systems: the full lab's ~50–300 scaled down 25 times
    expect(Math.max(...counts)).toBeLessThanOrEqual(20); // an ordinary recipe matches ≤ 10 % of the lab
    const ids = rows.map((r) => r.id);
    const zero = ids.filter((_, i) => counts[i] === 0);
    const one = ids.filter((_, i) => counts[i] === 1);
    expect(zero).toEqual(lab.zeroCandidateRecipeIds);
    expect(one).toEqual(lab.oneCandidateRecipeIds);
    expect(zero).toHaveLength(4); // 1 % of 400
    expect(one).toHaveLength(4);
    expect(lab.candidates).toMatchObject({ recipes: 400, zero: 4, one: 4 });

    // A single candidate is one the job owner may reserve right away: Automated, nobody's
    // loan, reserve granted to everybody.
    const singles = await query<{ status: string; loaned: boolean; everybody: boolean }>(
      db,
      `SELECT s.status::text AS status, s.loaned_to_id IS NOT NULL AS loaned,
              EXISTS (SELECT 1 FROM access_policy_rule r WHERE r.policy_id = s.active_access_policy_id
                        AND r.permission = 'reserve' AND r.user_id IS NULL AND r.group_id IS NULL) AS everybody
         FROM system s WHERE s.fqdn = ANY($1::text[])`,
      [
        one.map((id) => {
          const row = rows.find((r) => r.id === id) as { host_requires_xml: string };
          const parsed = parseHostRequires(row.host_requires_xml);
          if (!parsed.ok) throw new Error('unreachable');
          const matches = compileHostFilter(parsed.filter);
          return (facts.find((f) => matches(f)) as SystemFacts).fqdn;
        }),
      ],
    );
    expect(singles).toHaveLength(4);
    for (const s of singles) expect(s).toEqual({ status: 'Automated', loaned: false, everybody: true });
  });

  it('writes the same data for the same seed, and different data for another seed', async () => {
    const again = await seed(OPTIONS);
    const other = await seed({ ...OPTIONS, seed: 43 });
    const [first, second, third] = await Promise.all([
      digests(main.db),
      digests(again.db),
      digests(other.db),
    ]);
    expect(second).toEqual(first);
    expect(again.lab.candidateCounts).toEqual(main.lab.candidateCounts);
    for (const table of ['system', 'key_value', 'cpu', 'recipe', 'recipe_set']) {
      expect(third[table]).not.toBe(first[table]);
    }
  });

  it('refuses impossible options before writing anything', async () => {
    const { db } = main;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await expect(seedSyntheticLab(client, { systems: 0 })).rejects.toThrow(RangeError);
      await expect(seedSyntheticLab(client, { brokenShare: 1.5 })).rejects.toThrow(RangeError);
      // A second synthetic lab in the same database collides on names: rolled back whole.
      const before = await client.query<{ n: string }>('SELECT count(*) AS n FROM system');
      await expect(seedSyntheticLab(client, { ...OPTIONS, systems: 10, recipes: 10 })).rejects.toThrow();
      const after = await client.query<{ n: string }>('SELECT count(*) AS n FROM system');
      expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    } finally {
      await client.end();
    }
  });
});
