/**
 * RELAX NG validation against Beaker's beaker-job.rng with libxml2 (xmllint-wasm).
 *
 * xmllint-wasm's public validateXML() starts a worker, compiles the 780 kB WASM module and
 * the schema for every call (about 90 ms each). Its compiled binary exports only xmllint's
 * main(), so the compiled schema cannot be kept between runs; what can be kept is the worker
 * and the compiled WebAssembly.Module. This module therefore runs xmllint in one long-lived
 * worker, instantiating the cached module per run (about 5 to 8 ms, most of it schema
 * compilation), and validates every document queued while a run is in progress in the next
 * single run, so the schema compile is shared under load. The worker uses xmllint-wasm's
 * Emscripten factory (xmllint-node.js) directly, which ties this file to the pinned
 * xmllint-wasm version.
 *
 * One document must not sink the others batched with it: when a run fails as a whole (the
 * worker crashes, xmllint aborts, or the run exceeds its time limit, after which the worker is
 * terminated and replaced), each of its documents is retried in a run of its own. A document
 * that exceeds the time limit alone is refused as INVALID_JOB_XML (400); one that crashes the
 * validator alone rejects with a plain Error (a server fault: with the size and element limits
 * of guard.ts, no document should be able to exhaust xmllint's memory).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErlenError } from '../errors.js';
import type { XmlIssue } from './types.js';

/** Finds common/schema/beaker-job.rng from this module, in the source tree or under dist/. */
export function schemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'common', 'schema', 'beaker-job.rng');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot locate package.json above the job-xml module');
    dir = parent;
  }
}

// Runs in the worker as a CommonJS script. Each run gets a fresh instance (xmllint exits
// after one run and keeps global state) but reuses the compiled module.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const factory = require(workerData.xmllintPath);
const compiled = new WebAssembly.Module(readFileSync(workerData.wasmPath));
function run(docs) {
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    const done = (exitCode, extra) => { if (!settled) { settled = true; resolve({ exitCode, stderr: stderr + (extra || '') }); } };
    const names = docs.map((_, i) => 'job' + i + '.xml');
    const files = docs.map((contents, i) => ({ fileName: names[i], contents }));
    files.push({ fileName: 'beaker-job.rng', contents: workerData.schema });
    factory({
      inputFiles: files,
      arguments: ['--relaxng', 'beaker-job.rng', '--noout', ...names],
      print() {},
      printErr(text) { stderr += text + '\\n'; },
      onExit: (code) => done(code),
      onAbort: (reason) => done(-1, 'abort: ' + reason),
      wasmMemory: new WebAssembly.Memory({ initial: 256, maximum: 4096 }),
      instantiateWasm(imports, callback) {
        WebAssembly.instantiate(compiled, imports).then((instance) => callback(instance, compiled), (error) => done(-1, String(error)));
        return {};
      },
    }).catch((error) => done(-1, String(error)));
  });
}
parentPort.on('message', async (message) => {
  if (!message || message.erlenRng !== true) return;
  const result = await run(message.docs);
  parentPort.postMessage({ erlenRng: true, id: message.id, ...result });
});
`;

interface Pending {
  doc: string;
  resolve: (issues: XmlIssue[]) => void;
  reject: (error: Error) => void;
  /** Set after a failed batch: run this document on its own. */
  solo?: boolean;
}

interface Reply {
  erlenRng: true;
  id: number;
  exitCode: number;
  stderr: string;
}

const MAX_BATCH_DOCS = 32;
const MAX_BATCH_CHARS = 8 * 1024 * 1024;
export const DEFAULT_SCHEMA_TIMEOUT_MS = 30_000;

export interface SchemaValidatorOptions {
  /** Longest one xmllint run may take before the worker is replaced (default 30 s). */
  timeoutMs?: number;
  /**
   * Test hook: CommonJS source for the worker instead of xmllint's. It receives
   * `{ erlenRng: true, id, docs }` and answers `{ erlenRng: true, id, exitCode, stderr }` with
   * xmllint's exit code and output for files job0.xml, job1.xml, … (see parseXmllintOutput).
   */
  workerSource?: string;
  /** Test hook: called with the documents of each run as it is sent to the worker. */
  onRun?: (docs: readonly string[]) => void;
}

/** The long-lived xmllint worker and its queue; the module keeps one shared instance. */
export class SchemaValidator {
  private worker: Worker | undefined;
  private queue: Pending[] = [];
  private inFlight: { id: number; batch: Pending[]; timer: NodeJS.Timeout } | undefined;
  private nextId = 1;
  private readonly timeoutMs: number;

  constructor(private readonly options: SchemaValidatorOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SCHEMA_TIMEOUT_MS;
  }

  validate(doc: string): Promise<XmlIssue[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ doc, resolve, reject });
      this.pump();
    });
  }

  /** Stops the worker; documents still queued or in flight reject. */
  async close(): Promise<void> {
    const flight = this.inFlight;
    this.inFlight = undefined;
    if (flight) clearTimeout(flight.timer);
    const waiting = [...(flight?.batch ?? []), ...this.queue];
    this.queue = [];
    const error = new Error('the RELAX NG validator was closed');
    for (const item of waiting) item.reject(error);
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch: Pending[] = [];
    let chars = 0;
    while (this.queue.length > 0 && batch.length < MAX_BATCH_DOCS) {
      const next = this.queue[0] as Pending;
      if (batch.length > 0 && (next.solo || batch[0]?.solo || chars + next.doc.length > MAX_BATCH_CHARS))
        break;
      batch.push(next);
      chars += next.doc.length;
      this.queue.shift();
    }
    let worker: Worker;
    try {
      worker = this.ensureWorker();
    } catch (error) {
      for (const item of batch) item.reject(error as Error);
      return;
    }
    const id = this.nextId++;
    const timer = setTimeout(() => this.abandonRun('timeout'), this.timeoutMs);
    this.inFlight = { id, batch, timer };
    worker.ref();
    const docs = batch.map((item) => item.doc);
    this.options.onRun?.(docs);
    worker.postMessage({ erlenRng: true, id, docs });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const require = createRequire(import.meta.url);
    const xmllintPath = require.resolve('xmllint-wasm/xmllint-node.js');
    const worker = new Worker(this.options.workerSource ?? WORKER_SOURCE, {
      eval: true,
      workerData: {
        xmllintPath,
        wasmPath: join(dirname(xmllintPath), 'xmllint.wasm'),
        schema: readFileSync(schemaPath(), 'utf8'),
      },
    });
    worker.on('message', (reply: Reply) => this.onReply(reply));
    // A replaced worker's late events must not touch the current run.
    worker.on('error', (error) => {
      if (this.worker === worker) this.abandonRun(error);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker)
        this.abandonRun(new Error(`RELAX NG validator worker exited (code ${code})`));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private onReply(reply: Reply): void {
    const flight = this.inFlight;
    if (!reply || reply.erlenRng !== true || !flight || reply.id !== flight.id) return;
    clearTimeout(flight.timer);
    this.inFlight = undefined;
    this.worker?.unref();
    // xmllint: 0 valid, 1 not well-formed, 3/4 invalid; anything else is a crash or OOM.
    if (![0, 1, 3, 4].includes(reply.exitCode)) {
      this.retryAlone(
        flight.batch,
        new Error(`RELAX NG validation failed (${reply.exitCode}): ${reply.stderr.trim()}`),
      );
    } else {
      const issues = parseXmllintOutput(reply.stderr, flight.batch.length);
      flight.batch.forEach((item, index) => item.resolve(issues[index] ?? []));
    }
    this.pump();
  }

  /** The run in flight timed out or its worker died: replace the worker, retry or refuse its documents. */
  private abandonRun(cause: 'timeout' | Error): void {
    const flight = this.inFlight;
    this.inFlight = undefined;
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    if (flight) {
      clearTimeout(flight.timer);
      this.retryAlone(flight.batch, cause === 'timeout' ? this.tooLong() : cause);
    }
    this.pump();
  }

  /** One document may have sunk the whole run: retry each alone, first in the queue; a lone one fails. */
  private retryAlone(batch: readonly Pending[], error: Error): void {
    if (batch.length > 1) this.queue.unshift(...batch.map((item) => ({ ...item, solo: true })));
    else batch[0]?.reject(error);
  }

  private tooLong(): ErlenError {
    const limit = this.timeoutMs % 1000 === 0 ? `${this.timeoutMs / 1000} s` : `${this.timeoutMs} ms`;
    const issue: XmlIssue = { message: `schema validation took too long (stopped after ${limit})` };
    return new ErlenError('INVALID_JOB_XML', 'schema validation took too long', 400, [issue]);
  }
}

/**
 * Splits xmllint's stderr into issues per document. Located lines look like
 * `job3.xml:12: element task: Relax-NG validity error : Expecting …`; some interleave
 * errors carry no location and belong to the document whose summary line follows them.
 */
export function parseXmllintOutput(stderr: string, count: number): XmlIssue[][] {
  const perDoc: XmlIssue[][] = Array.from({ length: count }, () => []);
  let pending: XmlIssue[] = [];
  for (const line of stderr.split('\n')) {
    const located = /^job(\d+)\.xml:(\d+): (.*)$/.exec(line);
    if (located) {
      perDoc[Number(located[1])]?.push({
        line: Number(located[2]),
        message: readableMessage(located[3] ?? ''),
      });
      continue;
    }
    const summary = /^job(\d+)\.xml (?:validates|fails to validate)$/.exec(line);
    if (summary) {
      perDoc[Number(summary[1])]?.push(...pending);
      pending = [];
      continue;
    }
    // Unlocated validity errors; the source excerpts and carets that follow parser errors are dropped.
    if (/validity error : /.test(line)) pending.push({ message: readableMessage(line) });
  }
  return perDoc;
}

function readableMessage(raw: string): string {
  const match = /^(?:element (\S+): )?(?:[A-Za-z -]*(?:error|warning) : )?(.*)$/.exec(raw.trim());
  const element = match?.[1];
  const text = (match?.[2] ?? raw).trim();
  return element ? `<${element}>: ${text}` : text;
}

let shared: SchemaValidator | undefined;
let sharedOptions: SchemaValidatorOptions = {};

/**
 * Validates one document against beaker-job.rng; resolves to its problems (empty when valid).
 * Rejects with INVALID_JOB_XML when validating the document alone takes too long.
 */
export function validateAgainstSchema(doc: string): Promise<XmlIssue[]> {
  shared ??= new SchemaValidator(sharedOptions);
  return shared.validate(doc);
}

/**
 * Settings for the shared validator (its time limit; the test hooks). Closes the current
 * worker, rejecting what it has not finished; the next validation starts a new one.
 */
export async function configureSchemaValidator(options: SchemaValidatorOptions): Promise<void> {
  sharedOptions = { ...options };
  await closeSchemaValidator();
}

/** Starts the worker and compiles the WASM module ahead of the first submission (~100 ms). */
export async function warmSchemaValidator(): Promise<void> {
  await validateAgainstSchema('<job/>');
}

/** Stops the validator's worker (it is unref'd, so this is only needed for a clean shutdown). */
export async function closeSchemaValidator(): Promise<void> {
  const validator = shared;
  shared = undefined;
  await validator?.close();
}
