// Shared set-up of the watchdog tests: a lab, running recipes placed by a real scheduling
// pass, kill times and lab sightings set explicitly, and sweepers with captured logs.
import { pino, type Logger } from 'pino';
import type { Db } from '../../../server/src/db/prisma.js';
import { stop } from '../../../server/src/modules/jobs/job-lifecycle.js';
import {
  WatchdogSweeper,
  type WatchdogSweeperOptions,
} from '../../../server/src/watchdog/watchdog-sweeper.js';
import {
  LAB_A,
  addSystem,
  jobXml,
  seedLabs,
  submit,
  testScheduler,
  type RecipeXml,
} from '../../support/scheduler-lab.js';
import { startTestServer, type TestServer } from '../../support/server.js';

export const LAB_OFFLINE_AFTER_MS = 60_000;
export const MINUTE = 60_000;

export async function startWatchdogLab(): Promise<TestServer> {
  const server = await startTestServer();
  await seedLabs(server);
  return server;
}

let systems = 0;

/**
 * Submits one job (its recipe sets as in jobXml) on fresh systems, runs a scheduling pass and
 * returns the job's machine recipe ids set by set, in submission order.
 */
export async function runningJob(server: TestServer, sets: RecipeXml[][] = [[{}]]): Promise<number[][]> {
  for (let n = sets.flat().length; n > 0; n--) await addSystem(server, `wd${++systems}.example.com`);
  const owner = await ownerToken(server);
  const jobId = await submit(server, owner, jobXml(sets));
  const scheduler = testScheduler(server);
  await scheduler.start();
  await scheduler.stop();
  const recipeSets = await server.db.recipeSet.findMany({
    where: { jobId },
    orderBy: { id: 'asc' },
    include: {
      recipes: { where: { kind: 'machine' }, orderBy: { id: 'asc' }, select: { id: true, status: true } },
    },
  });
  for (const set of recipeSets)
    for (const recipe of set.recipes)
      if (recipe.status !== 'Waiting') throw new Error(`R:${recipe.id} was not scheduled (${recipe.status})`);
  return recipeSets.map((set) => set.recipes.map((r) => r.id));
}

/** One running recipe (a job of one set of one machine recipe). */
export async function runningRecipe(server: TestServer, recipe: RecipeXml = {}): Promise<number> {
  const [[recipeId]] = (await runningJob(server, [[recipe]])) as [[number]];
  return recipeId;
}

const tokens = new WeakMap<TestServer, string>();
async function ownerToken(server: TestServer): Promise<string> {
  let token = tokens.get(server);
  if (!token) {
    token = await server.user('tester');
    tokens.set(server, token);
  }
  return token;
}

export async function setKillTime(db: Db, recipeId: number, killTime: Date | null): Promise<void> {
  await db.watchdog.update({ where: { recipeId }, data: { killTime } });
}

export async function killTimeOf(db: Db, recipeId: number): Promise<Date | null | undefined> {
  return (await db.watchdog.findUnique({ where: { recipeId } }))?.killTime;
}

/** The lab's last poll (null: never polled, which counts as online). */
export async function labSeenAt(db: Db, at: Date | null): Promise<void> {
  await db.labController.update({ where: { fqdn: LAB_A }, data: { lastSeenAt: at } });
}

export async function statusOf(db: Db, recipeId: number): Promise<string> {
  return (await db.recipe.findUniqueOrThrow({ where: { id: recipeId } })).status;
}

export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function capturingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line)) });
  return { logger, records };
}

/** pino's warn level and above. */
export const problems = (records: readonly LogRecord[]) => records.filter((r) => r.level >= 40);

export function testSweeper(
  server: TestServer,
  options: Partial<WatchdogSweeperOptions> = {},
): { sweeper: WatchdogSweeper; records: LogRecord[] } {
  const { logger, records } = capturingLogger();
  const sweeper = new WatchdogSweeper({
    db: server.db,
    logger,
    labOfflineAfterMs: LAB_OFFLINE_AFTER_MS,
    sweepIntervalMs: 1000,
    ...options,
  });
  return { sweeper, records };
}

/** Finishes whatever a test left running, so the next test's sweeps see only its own recipes. */
export async function cancelEverything(server: TestServer): Promise<void> {
  const jobs = await server.db.job.findMany({
    where: { status: { notIn: ['Completed', 'Cancelled', 'Aborted'] } },
    select: { id: true },
  });
  for (const job of jobs) await stop(server.db, { jobId: job.id }, 'cancel', 'test over');
  await server.db.watchdogSweep.deleteMany();
  await labSeenAt(server.db, null);
}

export const later = (base: Date, ms: number) => new Date(base.getTime() + ms);
