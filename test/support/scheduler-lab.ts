// A small lab for scheduler tests: one or two lab controllers, a tree in each, systems created
// through the API, jobs submitted through the API, and an in-process Scheduler on the same
// database (no sweep timer: tests drive passes themselves).
import { pino } from 'pino';
import type { SystemInput } from '../../common/src/api/inventory.js';
import { Scheduler, type SchedulerOptions } from '../../server/src/scheduler/scheduler.js';
import { bearer, type TestServer } from './server.js';

export const LAB_A = 'lab-a.example.com';
export const LAB_B = 'lab-b.example.com';
export const TREE = 'ErlenLinux-1.0';

/** POSTs through the app as the admin (or `token`); a refusal fails the test with its body. */
export async function post(
  server: TestServer,
  url: string,
  payload: object,
  token = server.adminToken,
): Promise<{ token?: string }> {
  const response = await server.app.inject({ method: 'POST', url, headers: bearer(token), payload });
  if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** Lab controllers and one x86_64 tree served by the given labs; returns each lab's token. */
export async function seedLabs(
  server: TestServer,
  labs = [LAB_A],
  treeLabs = labs,
): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (const fqdn of labs) tokens.set(fqdn, (await post(server, '/labcontrollers', { fqdn })).token!);
  await post(server, '/distro-trees', {
    name: TREE,
    osMajor: 'ErlenLinux1',
    osMinor: '0',
    arch: 'x86_64',
    variant: 'Server',
    labUrls: treeLabs.map((lab) => ({ labController: lab, url: `http://${lab}/distros/${TREE}/` })),
  });
  return tokens;
}

/** A system everybody may reserve, in LAB_A unless told otherwise. */
export async function addSystem(
  server: TestServer,
  fqdn: string,
  input: Partial<SystemInput> = {},
): Promise<number> {
  await post(server, '/systems', {
    fqdn,
    labController: LAB_A,
    arches: ['x86_64'],
    memory: 8192,
    power: { type: 'virtual', address: fqdn },
    accessPolicy: [
      { everybody: true, permission: 'view' },
      { everybody: true, permission: 'reserve' },
    ],
    ...input,
  });
  return (await server.db.system.findUniqueOrThrow({ where: { fqdn } })).id;
}

export interface RecipeXml {
  hostRequires?: string;
  tasks?: number;
  autopick?: boolean;
  guest?: boolean;
}

export function jobXml(sets: RecipeXml[][], priority?: string): string {
  const recipe = (r: RecipeXml) => `
    <recipe>${r.autopick ? '<autopick random="true"/>' : ''}
      ${r.guest ? `<guestrecipe guestname="g1" guestargs="--ram 1024"><distroRequires><distro_name op="=" value="${TREE}"/></distroRequires><hostRequires/><task name="/guest"/></guestrecipe>` : ''}
      <distroRequires><distro_name op="=" value="${TREE}"/></distroRequires>
      ${r.hostRequires ?? '<hostRequires/>'}
      ${Array.from({ length: r.tasks ?? 1 }, (_, i) => `<task name="/t${i}"/>`).join('')}
    </recipe>`;
  return `<job>${sets
    .map(
      (set) =>
        `<recipeSet${priority ? ` priority="${priority}"` : ''}>${set.map(recipe).join('')}</recipeSet>`,
    )
    .join('')}</job>`;
}

export async function submit(server: TestServer, token: string, xml: string): Promise<number> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/jobs',
    headers: { ...bearer(token), 'content-type': 'text/xml' },
    payload: xml,
  });
  if (response.statusCode !== 201) throw new Error(`submit: ${response.statusCode} ${response.body}`);
  return Number(response.json().id.slice(2));
}

export function testScheduler(server: TestServer, options: Partial<SchedulerOptions> = {}): Scheduler {
  return new Scheduler({
    db: server.db,
    logger: pino({ level: 'silent' }),
    actor: 'test',
    labOfflineAfterMs: 60_000,
    sweepIntervalMs: 0,
    ...options,
  });
}

/** Recipe id → fqdn of the system it was assigned, for one job. */
export async function assignments(server: TestServer, jobId: number): Promise<Map<number, string | null>> {
  const recipes = await server.db.recipe.findMany({
    where: { recipeSet: { jobId }, kind: 'machine' },
    orderBy: { id: 'asc' },
    include: { resource: true },
  });
  return new Map(recipes.map((r) => [r.id, r.resource?.fqdn ?? null]));
}
