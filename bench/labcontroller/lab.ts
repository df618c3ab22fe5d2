// The benchmark's lab (systems created over HTTP as an admin would), its sizes, and running
// recipes through the real path: submit, schedule, provision (lab controller), start.
import { pino } from 'pino';
import { Scheduler } from '../../server/src/scheduler/scheduler.js';
import { request } from '../support/http.js';
import { LabController } from '../support/lab-controller-child.js';
import { closedLoop } from '../support/load.js';
import { type BenchServer } from '../support/server.js';

export const LAB = 'lab1.bench.test';
export const TREE = 'BenchLinux-9.4';

export interface Size {
  commandSamples: number;
  powerSamples: number;
  commandSystems: number;
  uploadStreams: number;
  uploadRecipes: number;
  /** Each stream's new file. */
  uploadFileBytes: number;
  /** Then appended to it. */
  appendBytes: number;
  watchdogs: number;
  /** Kill times EXPIRY_SPACING_MS apart (10 expiries a second). */
  steadyExpiries: number;
  /** Kill times at one instant. */
  burstExpiries: number;
}

export const FULL: Size = {
  commandSamples: 1000,
  powerSamples: 200,
  commandSystems: 8,
  uploadStreams: 1000,
  uploadRecipes: 10,
  uploadFileBytes: 2 * 1024 * 1024,
  appendBytes: 1024 * 1024,
  watchdogs: 10_000,
  steadyExpiries: 400,
  burstExpiries: 500,
};

export const SMALL: Size = {
  commandSamples: 200,
  powerSamples: 50,
  commandSystems: 8,
  uploadStreams: 200,
  uploadRecipes: 10,
  uploadFileBytes: 512 * 1024,
  appendBytes: 512 * 1024,
  watchdogs: 1000,
  steadyExpiries: 50,
  burstExpiries: 50,
};

export interface Lab {
  id: number;
  token: string;
  commandSystems: { id: number; fqdn: string }[];
  uploadSystems: string[];
  watchdogTemplate: number;
}

/** The lab controller account, a tree, and systems created over HTTP as an admin would. */
export async function setUpLab(server: BenchServer, size: Size): Promise<Lab> {
  const post = <T>(path: string, json: unknown) =>
    request<T>(server.baseUrl, server.adminToken, 'POST', path, { json });
  const { token } = await post<{ token: string }>('/labcontrollers', { fqdn: LAB });
  await post('/distro-trees', {
    name: TREE,
    osMajor: 'BenchLinux9',
    osMinor: '4',
    arch: 'x86_64',
    variant: 'BaseOS',
    labUrls: [{ labController: LAB, url: `http://${LAB}/distros/${TREE}/BaseOS/x86_64/os/` }],
  });
  let serial = 0;
  const system = async (fqdn: string) => {
    serial++;
    const hex = (n: number) => n.toString(16).padStart(2, '0');
    await post('/systems', {
      fqdn,
      labController: LAB,
      arches: ['x86_64'],
      memory: 8192,
      macAddress: `52:54:00:00:${hex(serial >> 8)}:${hex(serial & 255)}`,
      ipAddress: `10.0.${serial >> 8}.${serial & 255}`,
      // No quiescent period: the stub executor powers nothing, and the runner would wait 5 s
      // between two power commands of one system.
      power: { type: 'virtual', address: fqdn, quiescentPeriod: 0 },
      accessPolicy: [
        { everybody: true, permission: 'view' },
        { everybody: true, permission: 'reserve' },
      ],
    });
    return (await server.db.system.findUniqueOrThrow({ where: { fqdn }, select: { id: true } })).id;
  };
  const commandSystems: Lab['commandSystems'] = [];
  for (let i = 0; i < size.commandSystems; i++) {
    const fqdn = `cmd${i}.${LAB}`;
    commandSystems.push({ id: await system(fqdn), fqdn });
  }
  const uploadSystems: string[] = [];
  for (let i = 0; i < size.uploadRecipes; i++) {
    uploadSystems.push(`up${i}.${LAB}`);
    await system(`up${i}.${LAB}`);
  }
  const watchdogTemplate = await system(`wd0.${LAB}`);
  const { id } = await server.db.labController.findUniqueOrThrow({
    where: { fqdn: LAB },
    select: { id: true },
  });
  return { id, token, commandSystems, uploadSystems, watchdogTemplate };
}

export const jobXml = (hostRequires: string, tasks: number) =>
  `<job><whiteboard>bench labcontroller</whiteboard><recipeSet><recipe>
  <distroRequires><distro_name op="=" value="${TREE}"/></distroRequires>
  <hostRequires>${hostRequires}</hostRequires>
  ${Array.from({ length: tasks }, (_, i) => `<task name="/bench/labcontroller/task${i}"/>`).join('')}
</recipe></recipeSet></job>`;

export async function submit(server: BenchServer, xml: string): Promise<number> {
  const { id } = await request<{ id: string }>(server.baseUrl, server.userToken, 'POST', '/jobs', { xml });
  return Number(id.slice(2));
}

/** A scheduler as the scheduler process runs one, for passes until nothing more is placed. */
export async function schedule(server: BenchServer): Promise<number> {
  const scheduler = new Scheduler({
    db: server.db,
    logger: pino({ level: 'silent' }),
    actor: 'bench',
    labOfflineAfterMs: server.config.labOfflineAfterSeconds * 1000,
    sweepIntervalMs: 0,
  });
  let placed = 0;
  try {
    await scheduler.load();
    for (let pass = 0; pass < 5; pass++) {
      const stats = await scheduler.pass();
      placed += stats.committed;
      if (stats.committed === 0 || scheduler.queuedSets === 0) break;
    }
  } finally {
    await scheduler.stop();
  }
  return placed;
}

export async function firstTasks(server: BenchServer, recipeIds: number[]): Promise<Map<number, number>> {
  const tasks = await server.db.recipeTask.findMany({
    where: { recipeId: { in: recipeIds }, position: 0 },
    select: { id: true, recipeId: true },
  });
  return new Map(tasks.map((t) => [t.recipeId, t.id]));
}

/** Each harness starts its recipe's first task (`PATCH /recipes/<rid>/tasks/<tid>/ status=Running`). */
export async function startTasks(lc: LabController, tasks: Map<number, number>): Promise<void> {
  const entries = [...tasks];
  await closedLoop(entries.length, 16, async (i) => {
    const [recipeId, taskId] = entries[i] as [number, number];
    const response = await fetch(`${lc.harnessUrl}/recipes/${recipeId}/tasks/${taskId}/`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'status=Running',
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`starting T:${taskId}: ${response.status} ${text}`);
  });
}
