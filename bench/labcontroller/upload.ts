// 2. Log upload: 1,000 streams of 64 KiB chunks to the harness API (bench/labcontroller.ts).
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogStore } from '../../lab-controller/src/harness-api/log-store.js';
import { log, type BenchResult } from '../support/benchmark.js';
import { type BenchChild, type ProcessUsage } from '../support/child.js';
import { LabController } from '../support/lab-controller-child.js';
import {
  LogContent,
  openConnections,
  uploadAgent,
  uploadFiles,
  type UploadFile,
} from '../support/log-upload.js';
import { type BenchServer } from '../support/server.js';
import { round2, summarise } from '../support/stats.js';

import { firstTasks, jobXml, schedule, startTasks, submit, type Lab, type Size } from './lab.js';

const CHUNK_BYTES = 64 * 1024;

function usageBetween(before: ProcessUsage, after: ProcessUsage, elapsedMs: number) {
  const active = after.active - before.active;
  const idle = after.idle - before.idle;
  return {
    cores: round2((after.cpuMs - before.cpuMs) / elapsedMs),
    elu: round2(active / (active + idle || 1)),
  };
}

/** CPU (in cores) and event-loop utilisation of the lab controller and of this process during `work`. */
async function withUsage<T>(
  child: Pick<BenchChild<never>, 'usage'>,
  work: () => Promise<T>,
): Promise<{
  value: T;
  elapsedMs: number;
  child: { cores: number; elu: number };
  self: { cores: number; elu: number };
}> {
  const childBefore = await child.usage();
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const started = performance.now();
  const value = await work();
  const elapsedMs = performance.now() - started;
  const childAfter = await child.usage();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    value,
    elapsedMs,
    child: usageBetween(childBefore, childAfter, elapsedMs),
    self: {
      cores: round2((cpu.user + cpu.system) / 1000 / elapsedMs),
      elu: round2(performance.eventLoopUtilization(eluBefore).utilization),
    },
  };
}

export async function measureUpload(
  server: BenchServer,
  lc: LabController,
  lab: Lab,
  logDir: string,
  size: Size,
): Promise<BenchResult> {
  log(
    `upload: ${size.uploadRecipes} running recipes (submit, schedule, provision through the lab controller)`,
  );
  const jobIds: number[] = [];
  for (const fqdn of lab.uploadSystems)
    jobIds.push(await submit(server, jobXml(`<hostname op="=" value="${fqdn}"/>`, 2)));
  await schedule(server);
  const recipeIds = (
    await server.db.recipe.findMany({
      where: { recipeSet: { jobId: { in: jobIds } } },
      select: { id: true },
      orderBy: { id: 'asc' },
    })
  ).map((r) => r.id);
  // Booted once the lab controller has completed the provisioning's `on` (watchdog set).
  for (let waited = 0; ; waited += 100) {
    const booted = await server.db.watchdog.count({
      where: { recipeId: { in: recipeIds }, killTime: { not: null } },
    });
    if (booted === recipeIds.length) break;
    if (waited > 30_000)
      throw new Error(`only ${booted} of ${recipeIds.length} upload recipes were provisioned`);
    await sleep(100);
  }
  const tasks = await firstTasks(server, recipeIds);
  await startTasks(lc, tasks);

  const streams = size.uploadStreams;
  const { uploadFileBytes: newBytes, appendBytes } = size;
  const total = newBytes + appendBytes;
  const owners = Array.from({ length: streams }, (_, i) => {
    const recipeId = recipeIds[i % recipeIds.length] as number;
    return { recipeId, taskId: tasks.get(recipeId) as number };
  });
  const path = (i: number, dir: string) =>
    `/recipes/${owners[i]?.recipeId}/tasks/${owners[i]?.taskId}/logs/${dir}/stream-${i}.log`;
  const files = (from: number, to: number): UploadFile[] =>
    owners.map((_, i) => ({ path: path(i, 'bench'), from, to, total }));
  const content = new LogContent(CHUNK_BYTES);
  const agent = uploadAgent(streams);
  try {
    // Warm-up: every connection open, and the PUT path run (on files of their own).
    log(`upload: warm-up, ${streams} connections, 20 small files`);
    await openConnections(agent, lc.harnessUrl, streams);
    await uploadFiles(
      agent,
      lc.harnessUrl,
      Array.from({ length: 20 }, (_, i) => ({
        path: path(i, 'warmup'),
        from: 0,
        to: 4 * CHUNK_BYTES,
        total: 4 * CHUNK_BYTES,
      })),
      content,
      20,
    );

    const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
    log(
      `upload: ${streams} streams, each a new file of ${newBytes / 1024} KiB (${mb(streams * newBytes)} MB)`,
    );
    const fresh = await withUsage(lc.process, () =>
      uploadFiles(agent, lc.harnessUrl, files(0, newBytes), content, streams),
    );
    const run = fresh.value;
    const mbS = run.bytes / 1e6 / (run.elapsedMs / 1000);
    // Until every file's first chunk is in, the server registers files; after that the lab
    // controller only writes chunks.
    const registeredAt = Math.max(...run.firstChunkDoneAt);
    const perSecond = new Array<number>(Math.ceil(run.elapsedMs / 1000)).fill(0);
    for (const t of run.doneAt)
      perSecond[Math.floor(t / 1000)] = (perSecond[Math.floor(t / 1000)] ?? 0) + CHUNK_BYTES / 1e6;
    const latency = summarise(run.latencies);
    if (run.retries) log(`upload: ${run.retries} chunks sent again, e.g. ${run.retryReasons.join(' | ')}`);
    log(`upload: MB/s second by second: ${perSecond.map((v) => v.toFixed(0)).join(' ')}`);
    log(
      `upload: ${mbS.toFixed(1)} MB/s, ${((run.requests * 1000) / run.elapsedMs).toFixed(0)} chunks/s, ` +
        `chunk p50 ${latency.p50} p99 ${latency.p99} ms, all files registered after ${(registeredAt / 1000).toFixed(1)} s; ` +
        `lab controller ${fresh.child.cores} cores (ELU ${fresh.child.elu}), bench ${fresh.self.cores} (ELU ${fresh.self.elu})`,
    );

    log(`upload: the same streams append ${appendBytes / 1024} KiB each (${mb(streams * appendBytes)} MB)`);
    const append = await withUsage(lc.process, () =>
      uploadFiles(agent, lc.harnessUrl, files(newBytes, total), content, streams),
    );
    const appendMbS = append.value.bytes / 1e6 / (append.value.elapsedMs / 1000);
    const appendLatency = summarise(append.value.latencies);
    if (append.value.retries)
      log(`upload: append: ${append.value.retries} chunks sent again, e.g. ${append.value.retryReasons[0]}`);
    log(
      `upload: append ${appendMbS.toFixed(1)} MB/s, chunk p50 ${appendLatency.p50} p99 ${appendLatency.p99} ms; ` +
        `lab controller ${append.child.cores} cores (ELU ${append.child.elu}), bench ${append.self.cores} (ELU ${append.self.elu})`,
    );

    // A benchmark that loses data is worthless: every size, a sample byte for byte, the index.
    const store = new LogStore(logDir, 10 * 1024 * 1024);
    for (let i = 0; i < streams; i++) {
      const file = store.filePath(owners[i] as { recipeId: number; taskId: number }, `bench/stream-${i}.log`);
      const { size: bytes } = await stat(file);
      if (bytes !== total) throw new Error(`${file} has ${bytes} bytes, expected ${total}`);
    }
    const sample = [...new Set(Array.from({ length: 50 }, (_, k) => Math.floor((k * (streams - 1)) / 49)))];
    for (const i of sample) {
      const response = await fetch(new URL(path(i, 'bench'), lc.harnessUrl));
      const body = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200 || !body.equals(content.file(i, total)))
        throw new Error(
          `${path(i, 'bench')} differs from what was uploaded (${response.status}, ${body.length} bytes)`,
        );
    }
    const indexed = await server.db.logFile.count({
      where: { recipeId: { in: recipeIds }, path: 'bench', filename: { startsWith: 'stream-' } },
    });
    if (indexed !== streams) throw new Error(`the server indexes ${indexed} of ${streams} uploaded files`);
    log(`upload: verified (${streams} sizes, ${sample.length} files byte for byte, ${indexed} indexed)`);

    return {
      log_upload_mb_s: round2(mbS),
      log_upload_streams: streams,
      log_upload_chunk_bytes: CHUNK_BYTES,
      log_upload_file_bytes: newBytes,
      log_upload_total_mb: round2(run.bytes / 1e6),
      log_upload_chunks_per_s: round2((run.requests * 1000) / run.elapsedMs),
      log_upload_chunk_p50_ms: latency.p50,
      log_upload_chunk_p99_ms: latency.p99,
      log_upload_retried_chunks: run.retries,
      log_upload_all_registered_s: round2(registeredAt / 1000),
      log_upload_lc_cores: fresh.child.cores,
      log_upload_lc_elu: fresh.child.elu,
      log_upload_bench_cores: fresh.self.cores,
      log_upload_append_mb_s: round2(appendMbS),
      log_upload_append_total_mb: round2(append.value.bytes / 1e6),
      log_upload_append_chunk_p50_ms: appendLatency.p50,
      log_upload_append_chunk_p99_ms: appendLatency.p99,
      log_upload_append_retried_chunks: append.value.retries,
      log_upload_append_lc_cores: append.child.cores,
      log_upload_append_lc_elu: append.child.elu,
      log_upload_append_bench_cores: append.self.cores,
      log_upload_verified_files: sample.length,
    };
  } finally {
    agent.destroy();
  }
}
