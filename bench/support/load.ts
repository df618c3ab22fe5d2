import { performance } from 'node:perf_hooks';
import { round2, summarise, type LatencySummary } from './stats.js';

export interface LoadRun {
  /** Per-request latency, ms, in completion order. */
  latencies: number[];
  /** Wall time of the whole run, ms. */
  elapsedMs: number;
}

/**
 * A closed loop: `concurrency` clients each send their next request as soon as the previous
 * one answers, until `total` requests are done. Offered load therefore adapts to the server,
 * and the latencies are those a fixed pool of busy clients sees (no coordinated-omission
 * correction; that would need an open-loop arrival rate).
 */
export async function closedLoop(
  total: number,
  concurrency: number,
  request: (index: number) => Promise<unknown>,
): Promise<LoadRun> {
  const latencies: number[] = [];
  let next = 0;
  const client = async () => {
    while (next < total) {
      const index = next++;
      const started = performance.now();
      await request(index);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, client));
  return { latencies, elapsedMs: performance.now() - started };
}

export interface Phase {
  count: number;
  perSecond: number;
  latency: LatencySummary;
  /** Process CPU (all threads: main, validator worker, GC) per operation, ms. */
  cpuMsPerOp: number;
  /** Share of wall time the main thread's event loop was busy, 0..1; 1 means CPU-bound. */
  eventLoopUtilization: number;
}

/** closedLoop, plus the process CPU and event-loop load it caused, summarised. */
export async function measurePhase(
  total: number,
  concurrency: number,
  operation: (index: number) => Promise<unknown>,
): Promise<Phase> {
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const run = await closedLoop(total, concurrency, operation);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    count: total,
    perSecond: round2((total * 1000) / run.elapsedMs),
    latency: summarise(run.latencies),
    cpuMsPerOp: round2((cpu.user + cpu.system) / 1000 / total),
    eventLoopUtilization: round2(performance.eventLoopUtilization(eluBefore).utilization),
  };
}
