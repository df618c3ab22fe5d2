/**
 * `npm run bench -- <name> [--small]`: runs one benchmark and prints its result as one JSON
 * line on stdout (progress goes to stderr), so runs can be appended to a file and compared.
 * Benchmarks are imported on demand: each pulls in the server, Prisma and BullMQ only when run.
 */
import type { Benchmark } from './support/benchmark.js';

const BENCHMARKS: Record<string, { summary: string; load: () => Promise<Benchmark> }> = {
  submit: {
    summary: 'job XML submissions over HTTP (20-task job, ~3 KB); target >= 300 jobs/s, p99 <= 250 ms',
    load: async () => (await import('./submit.js')).submitBenchmark,
  },
  scheduler: {
    summary:
      'synthetic lab (5,000 systems, 10,000 queued recipes): cold full pass, release→assign, submit→assign, index size',
    load: async () => (await import('./scheduler.js')).schedulerBenchmark,
  },
  labcontroller: {
    summary:
      'lab controller: commit→command received (p99 <= 100 ms), log upload 64 KiB chunks x 1,000 streams (>= 100 MB/s), watchdog expiry with 10,000 active (p99 <= 5 s)',
    load: async () => (await import('./labcontroller.js')).labControllerBenchmark,
  },
  'submit-phases': {
    summary:
      'the submission path in process, phase by phase (auth, validation, lookups, storage): CPU and throughput',
    load: async () => (await import('./submit-phases.js')).submitPhasesBenchmark,
  },
};

function usage(problem?: string): never {
  if (problem) console.error(`bench: ${problem}`);
  console.error('usage: npm run bench -- <name> [--small]\n\nbenchmarks:');
  for (const [name, { summary }] of Object.entries(BENCHMARKS))
    console.error(`  ${name.padEnd(14)} ${summary}`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const flags = argv.filter((arg) => arg.startsWith('-'));
  const names = argv.filter((arg) => !arg.startsWith('-'));
  const unknownFlag = flags.find((flag) => flag !== '--small');
  if (unknownFlag) usage(`unknown option ${unknownFlag}`);
  if (names.length !== 1) usage(names.length ? 'give exactly one benchmark name' : undefined);
  const name = names[0] as string;
  const entry = Object.hasOwn(BENCHMARKS, name) ? BENCHMARKS[name] : undefined;
  if (!entry) usage(`unknown benchmark "${name}"`);

  const result = await (await entry.load()).run({ small: flags.includes('--small') });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main(process.argv.slice(2)).then(
  // Exit explicitly: a lingering keep-alive socket or timer must not hold a finished run open.
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
