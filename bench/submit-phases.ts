/**
 * `submit-phases`: the server's submission path taken apart, in process and without HTTP, at
 * the same concurrency as `submit`: authentication, job XML validation, the distro catalog
 * lookup, a dry-run submission and a stored one. Each phase reports throughput, latency and
 * the process CPU it costs per operation, which says where a submission's time goes.
 */
import { parseJobXml } from '../common/src/job-xml/index.js';
import { submitJob } from '../server/src/modules/jobs/job-submission.js';
import { loadDistroCatalog } from '../server/src/modules/jobs/distro-catalog.js';
import { actorForToken } from '../server/src/security/authenticate.js';
import { CONCURRENCY } from './submit.js';
import {
  log,
  machineFacts,
  type BenchOptions,
  type BenchResult,
  type Benchmark,
} from './support/benchmark.js';
import { benchJobXml } from './support/job-xml.js';
import { seedLab } from './support/lab.js';
import { measurePhase } from './support/load.js';
import { withScratchDatabase } from './support/scratch-db.js';
import { startBenchServer } from './support/server.js';

export const submitPhasesBenchmark: Benchmark = { run };

async function run({ small }: BenchOptions): Promise<BenchResult> {
  const count = small ? 200 : 1000;
  return withScratchDatabase(async (databaseUrl) => {
    const server = await startBenchServer(databaseUrl);
    try {
      await seedLab(server);
      const actor = await actorForToken(server.db, server.userToken);
      if (!actor) throw new Error('the benchmark user token does not authenticate');
      let serial = 0;
      const phases: [string, () => Promise<unknown>][] = [
        ['auth', () => actorForToken(server.db, server.userToken)],
        ['validate', () => parseJobXml(benchJobXml(++serial))],
        ['distro_catalog', () => loadDistroCatalog(server.db)],
        ['dryrun', () => submitJob(server.db, actor, benchJobXml(++serial), { dryrun: true })],
        ['store', () => submitJob(server.db, actor, benchJobXml(++serial))],
      ];
      const result: BenchResult = { bench: 'submit-phases', count, concurrency: CONCURRENCY };
      for (const [name, operation] of phases) {
        log(`${name}: ${count} operations, ${CONCURRENCY} concurrent`);
        await measurePhase(Math.min(100, count), CONCURRENCY, operation); // warm-up
        const phase = await measurePhase(count, CONCURRENCY, operation);
        result[`${name}_per_s`] = phase.perSecond;
        result[`${name}_p50_ms`] = phase.latency.p50;
        result[`${name}_cpu_ms`] = phase.cpuMsPerOp;
      }
      return { ...result, ...machineFacts() };
    } finally {
      await server.close();
    }
  });
}
