import { availableParallelism } from 'node:os';

/** What every benchmark module exports, so bench/main.ts can dispatch without knowing any of them. */
export interface BenchOptions {
  /** A short run (for CI and smoke checks): same phases, fewer iterations. */
  small: boolean;
}

/** One flat JSON object: the single line a benchmark prints on stdout. */
export type BenchResult = Record<string, string | number | boolean>;

export interface Benchmark {
  run(options: BenchOptions): Promise<BenchResult>;
}

/** Facts about the machine every result carries, so numbers from different hosts are not compared blindly. */
export function machineFacts(): BenchResult {
  return { node: process.version, cpus: availableParallelism(), date: new Date().toISOString() };
}

/** Progress goes to stderr: stdout is reserved for the one JSON result line. */
export function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
