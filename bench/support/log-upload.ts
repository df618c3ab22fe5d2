/**
 * Harnesses uploading logs to a lab controller's harness API the way restraint does: each
 * file in chunks, one `PUT …/logs/<name>` with `Content-Range: bytes a-b/total` per chunk,
 * sequentially per file, over a keep-alive connection; a chunk answered 5xx is sent again
 * after a back-off (and counted). The content of every chunk is a
 * deterministic slice of one random pool, so any file can be regenerated and compared.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Bounded: a chunk this slow means the lab controller is stuck, and the benchmark must end. */
const CHUNK_TIMEOUT_MS = 60_000;
/** A chunk refused with 5xx is sent again after a randomised back-off, as a harness would. */
const CHUNK_ATTEMPTS = 8;
const RETRY_BASE_MS = 100;

class ServerFailure extends Error {
  override name = 'ServerFailure';
}

export class LogContent {
  private readonly pool: Buffer;
  private readonly slots: number;

  constructor(
    readonly chunkBytes: number,
    poolBytes = 1024 * 1024,
  ) {
    this.pool = randomBytes(poolBytes + chunkBytes);
    this.slots = poolBytes / 256;
  }

  /** Chunk `index` of file `file` (its last chunk may be shorter: `length`). */
  chunk(file: number, index: number, length = this.chunkBytes): Buffer {
    const offset = ((file * 7919 + index * 104_729) % this.slots) * 256;
    return this.pool.subarray(offset, offset + length);
  }

  /** The whole file as uploaded. */
  file(file: number, bytes: number): Buffer {
    const parts: Buffer[] = [];
    for (let index = 0, at = 0; at < bytes; index++, at += this.chunkBytes)
      parts.push(this.chunk(file, index, Math.min(this.chunkBytes, bytes - at)));
    return Buffer.concat(parts);
  }
}

export interface UploadRun {
  bytes: number;
  requests: number;
  /** Chunks answered 5xx (or whose connection failed) and sent again; not in `requests`. */
  retries: number;
  /** The first few retry reasons, for the log. */
  retryReasons: string[];
  elapsedMs: number;
  /** Per-chunk request latency, ms. */
  latencies: number[];
  /** When each chunk's answer arrived, ms after the start (completion order). */
  doneAt: number[];
  /** When each file's first chunk (the one that registers it on the server) was answered, ms after the start. */
  firstChunkDoneAt: number[];
}

/** A keep-alive pool of exactly `connections` sockets to the harness API. */
export function uploadAgent(connections: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
}

function put(agent: Agent, url: URL, body: Buffer, range: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        agent,
        headers: {
          'content-type': 'text/plain',
          'content-length': body.length,
          'content-range': range,
        },
        timeout: CHUNK_TIMEOUT_MS,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (piece: string) => (text += piece));
        res.on('end', () => {
          if (res.statusCode === 204) return resolve();
          const Failure = (res.statusCode ?? 0) >= 500 ? ServerFailure : Error;
          reject(new Failure(`PUT ${url.pathname}: ${res.statusCode} ${text.trim().slice(0, 300)}`));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`PUT ${url.pathname}: no answer in ${CHUNK_TIMEOUT_MS} ms`)),
    );
    req.on('error', (error) => reject(new ServerFailure(`PUT ${url.pathname}: ${error.message}`)));
    req.end(body);
  });
}

/** One file to upload: `path` (under the harness API), bytes [from, to) of a file of `total` bytes. */
export interface UploadFile {
  path: string;
  from: number;
  to: number;
  total: number;
}

/**
 * Uploads `files`, `streams` at a time (a closed loop: a stream that finishes a file takes the
 * next), each file's chunks in order. Chunk boundaries are multiples of `content.chunkBytes`
 * from the start of the file; file i's content is `content.file(i, total)`.
 */
export async function uploadFiles(
  agent: Agent,
  baseUrl: string,
  files: readonly UploadFile[],
  content: LogContent,
  streams: number,
): Promise<UploadRun> {
  const latencies: number[] = [];
  const doneAt: number[] = [];
  const firstChunkDoneAt: number[] = [];
  const retryReasons: string[] = [];
  let retries = 0;
  let bytes = 0;
  let next = 0;
  const send = async (url: URL, body: Buffer, range: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await put(agent, url, body, range);
      } catch (error) {
        if (!(error instanceof ServerFailure) || attempt === CHUNK_ATTEMPTS) throw error;
        retries++;
        if (retryReasons.length < 5) retryReasons.push(error.message);
        const low = RETRY_BASE_MS * 2 ** (attempt - 1);
        await sleep(low + Math.random() * low);
      }
    }
  };
  const stream = async () => {
    while (next < files.length) {
      const index = next++;
      const file = files[index] as UploadFile;
      const url = new URL(file.path, baseUrl);
      for (let at = file.from; at < file.to; at += content.chunkBytes) {
        const length = Math.min(content.chunkBytes, file.to - at);
        const started = performance.now();
        const body = content.chunk(index, Math.floor(at / content.chunkBytes), length);
        await send(url, body, `bytes ${at}-${at + length - 1}/${file.total}`);
        const done = performance.now();
        latencies.push(done - started);
        doneAt.push(done - begin);
        if (at === 0) firstChunkDoneAt.push(done - begin);
        bytes += length;
      }
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: Math.min(streams, files.length) }, stream));
  return {
    bytes,
    requests: latencies.length,
    retries,
    retryReasons,
    elapsedMs: performance.now() - begin,
    latencies,
    doneAt,
    firstChunkDoneAt,
  };
}

/** Opens `connections` keep-alive connections at once (concurrent `GET /healthz/`). */
export async function openConnections(agent: Agent, baseUrl: string, connections: number): Promise<void> {
  const url = new URL('/healthz/', baseUrl);
  await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = request(url, { agent, timeout: CHUNK_TIMEOUT_MS }, (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`healthz: ${res.statusCode}`)),
            );
          });
          req.on('timeout', () => req.destroy(new Error('healthz: no answer')));
          req.on('error', reject);
          req.end();
        }),
    ),
  );
}
