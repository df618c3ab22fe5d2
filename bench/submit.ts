/**
 * `submit`: job XML submissions end to end over real HTTP, against the brief's target
 * "20-task job (~3 KB): >= 300 jobs/s, p99 <= 250 ms". Also measures dry-run submissions
 * (validation and lookups, no storage) and bare in-process validation, so a miss can be
 * attributed to validation or to storage; `submit-phases` splits it further.
 */
import { performance } from 'node:perf_hooks';
import { validateJobXml } from '../common/src/job-xml/index.js';
import {
  log,
  machineFacts,
  type BenchOptions,
  type BenchResult,
  type Benchmark,
} from './support/benchmark.js';
import { request } from './support/http.js';
import { benchJobXml, TASKS_PER_JOB } from './support/job-xml.js';
import { seedLab } from './support/lab.js';
import { closedLoop, measurePhase } from './support/load.js';
import { withScratchDatabase } from './support/scratch-db.js';
import { startBenchServer, type BenchServer } from './support/server.js';
import { summarise } from './support/stats.js';

export const CONCURRENCY = 16;
const TARGET_JOBS_PER_S = 300;
const TARGET_P99_MS = 250;

export const submitBenchmark: Benchmark = { run };

async function run({ small }: BenchOptions): Promise<BenchResult> {
  const jobs = small ? 300 : 3000;
  const warmup = small ? 30 : 100;
  return withScratchDatabase(async (databaseUrl) => {
    const server = await startBenchServer(databaseUrl);
    try {
      await seedLab(server);
      return await measure(server, jobs, warmup);
    } finally {
      await server.close();
    }
  });
}

async function measure(server: BenchServer, jobs: number, warmup: number): Promise<BenchResult> {
  let serial = 0;
  const submit = (dryrun: boolean) => () =>
    request(server.baseUrl, server.userToken, 'POST', dryrun ? '/jobs?dryrun=true' : '/jobs', {
      xml: benchJobXml(++serial),
    });

  // Single-flight, no HTTP: what one validation costs when nothing else competes for the worker.
  const inProcess: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    const result = await validateJobXml(benchJobXml(i));
    inProcess.push(performance.now() - started);
    if (!result.ok) throw new Error(`benchmark job XML is invalid: ${JSON.stringify(result.errors)}`);
  }

  // Warm-up: JIT, Prisma's query plans, the pg pool and keep-alive sockets.
  log(`warm-up: ${warmup} dry runs and ${warmup} submissions`);
  await closedLoop(warmup, CONCURRENCY, submit(true));
  await closedLoop(warmup, CONCURRENCY, submit(false));

  log(`measuring ${jobs} dry runs, ${CONCURRENCY} concurrent clients`);
  const dry = await measurePhase(jobs, CONCURRENCY, submit(true));
  log(`measuring ${jobs} submissions, ${CONCURRENCY} concurrent clients`);
  const stored = await measurePhase(jobs, CONCURRENCY, submit(false));

  // Every measured request must have stored a whole job; otherwise the numbers mean nothing.
  const storedJobs = await server.db.job.count();
  const storedTasks = await server.db.recipeTask.count();
  if (storedJobs !== warmup + jobs || storedTasks !== storedJobs * TASKS_PER_JOB) {
    throw new Error(
      `expected ${warmup + jobs} jobs of ${TASKS_PER_JOB} tasks, found ${storedJobs} jobs and ${storedTasks} tasks`,
    );
  }

  return {
    bench: 'submit',
    jobs,
    concurrency: CONCURRENCY,
    tasks_per_job: TASKS_PER_JOB,
    xml_bytes: Buffer.byteLength(benchJobXml(0)),
    jobs_per_s: stored.perSecond,
    p50_ms: stored.latency.p50,
    p90_ms: stored.latency.p90,
    p99_ms: stored.latency.p99,
    max_ms: stored.latency.max,
    mean_ms: stored.latency.mean,
    validate_only_per_s: dry.perSecond,
    validate_only_p50_ms: dry.latency.p50,
    validate_only_p99_ms: dry.latency.p99,
    validate_inproc_p50_ms: summarise(inProcess).p50,
    // Whole process (main thread, validator worker, GC threads); PostgreSQL's CPU is not included.
    node_cpu_ms_per_job: stored.cpuMsPerOp,
    event_loop_utilization: stored.eventLoopUtilization,
    target_jobs_per_s: TARGET_JOBS_PER_S,
    target_p99_ms: TARGET_P99_MS,
    meets_target: stored.perSecond >= TARGET_JOBS_PER_S && stored.latency.p99 <= TARGET_P99_MS,
    ...machineFacts(),
  };
}
