import { ErlenError } from '../../../common/src/errors.js';
import {
  closeSchemaValidator,
  configureSchemaValidator,
  parseJobXml,
  validateJobXml,
} from '../../../common/src/job-xml/index.js';
import { SchemaValidator, type SchemaValidatorOptions } from '../../../common/src/job-xml/rng.js';
import { jobXml } from './helpers.js';

/**
 * A stand-in for the xmllint worker, speaking its protocol. A run containing a document with
 * HANG spins forever (like xmllint stuck on a document), EXIT ends the worker thread, THROW
 * throws in it, ABORT answers with xmllint's abort exit code, BAD is invalid; the rest validate.
 */
const FAKE_WORKER = String.raw`
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (message) => {
  const has = (word) => message.docs.some((doc) => doc.includes(word));
  if (has('HANG')) for (;;) {}
  if (has('EXIT')) process.exit(70);
  if (has('THROW')) throw new Error('worker blew up');
  const reply = (exitCode, stderr) => parentPort.postMessage({ erlenRng: true, id: message.id, exitCode, stderr });
  if (has('ABORT')) return reply(-1, 'abort: OOM');
  const lines = message.docs.map((doc, i) =>
    doc.includes('BAD')
      ? 'job' + i + '.xml:1: element job: Relax-NG validity error : Expecting element recipeSet\njob' + i + '.xml fails to validate'
      : 'job' + i + '.xml validates');
  reply(has('BAD') ? 3 : 0, lines.join('\n') + '\n');
});
`;

// Generous, so that a fresh worker always answers well inside it even on a loaded machine;
// only the HANG documents ever reach it.
const TIMEOUT_MS = 1_000;

let validator: SchemaValidator | undefined;
let runs: string[][] = [];

function fakeValidator(options: SchemaValidatorOptions = {}): SchemaValidator {
  runs = [];
  validator = new SchemaValidator({
    timeoutMs: TIMEOUT_MS,
    workerSource: FAKE_WORKER,
    onRun: (docs) => runs.push([...docs]),
    ...options,
  });
  return validator;
}

afterEach(async () => {
  await validator?.close();
  validator = undefined;
});
afterAll(() => closeSchemaValidator());

/** Settles every validation, so that one rejection does not hide the others. */
const settle = (v: SchemaValidator, docs: string[]) => Promise.allSettled(docs.map((doc) => v.validate(doc)));

/**
 * Queues `docs` while a first run is in flight, so that they go to the worker together as
 * one batch when it finishes.
 */
async function batched(v: SchemaValidator, docs: string[]) {
  const first = v.validate('<first/>');
  const rest = settle(v, docs);
  await first;
  return rest;
}

test('a timed-out batch is retried document by document; only the slow one fails, with a 400', async () => {
  const v = fakeValidator();
  const results = await batched(v, ['<a/>', '<HANG/>', '<b BAD=""/>', '<c/>']);
  expect(runs).toEqual([
    ['<first/>'],
    ['<a/>', '<HANG/>', '<b BAD=""/>', '<c/>'],
    ['<a/>'],
    ['<HANG/>'],
    ['<b BAD=""/>'],
    ['<c/>'],
  ]);
  expect(results[0]).toEqual({ status: 'fulfilled', value: [] });
  expect(results[2]).toEqual({
    status: 'fulfilled',
    value: [{ line: 1, message: '<job>: Expecting element recipeSet' }],
  });
  expect(results[3]).toEqual({ status: 'fulfilled', value: [] });
  const slow = results[1];
  expect(slow?.status).toBe('rejected');
  const error = (slow as PromiseRejectedResult).reason as unknown;
  expect(error).toBeInstanceOf(ErlenError);
  expect(error).toMatchObject({
    code: 'INVALID_JOB_XML',
    statusCode: 400,
    message: 'schema validation took too long',
    details: [{ message: 'schema validation took too long (stopped after 1 s)' }],
  });
  // The worker was replaced and serves the next document.
  expect(await v.validate('<after/>')).toEqual([]);
});

test('a document that times out alone fails at once, without a retry', async () => {
  const v = fakeValidator();
  await expect(v.validate('<HANG/>')).rejects.toMatchObject({ code: 'INVALID_JOB_XML', statusCode: 400 });
  expect(runs).toEqual([['<HANG/>']]);
  expect(await v.validate('<next/>')).toEqual([]);
});

test.each([
  ['the worker exits', '<EXIT/>', /worker exited \(code 70\)/],
  ['the worker throws', '<THROW/>', /worker blew up/],
  ['xmllint aborts', '<ABORT/>', /RELAX NG validation failed \(-1\): abort: OOM/],
])('when %s, the others of the batch are retried alone and validate', async (_what, culprit, message) => {
  const v = fakeValidator();
  const results = await batched(v, ['<a/>', culprit, '<c/>']);
  expect(runs).toEqual([['<first/>'], ['<a/>', culprit, '<c/>'], ['<a/>'], [culprit], ['<c/>']]);
  expect(results[0]).toEqual({ status: 'fulfilled', value: [] });
  expect(results[2]).toEqual({ status: 'fulfilled', value: [] });
  // A crash is the server's fault rather than the document's: a plain Error (500).
  const reason = (results[1] as PromiseRejectedResult).reason as Error;
  expect(reason).not.toBeInstanceOf(ErlenError);
  expect(reason.message).toMatch(message);
});

test('closing the validator rejects what is queued or in flight instead of leaving it pending', async () => {
  const v = fakeValidator();
  const pending = settle(v, ['<HANG/>', '<queued/>']);
  await v.close();
  const results = await pending;
  expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
});

describe('through validateJobXml and parseJobXml', () => {
  afterAll(() => configureSchemaValidator({}));

  test('a document whose schema validation times out is invalid job XML (400), not a server error', async () => {
    await configureSchemaValidator({ timeoutMs: 300, workerSource: FAKE_WORKER });
    const xml = jobXml().replace('<whiteboard>test</whiteboard>', '<whiteboard>HANG</whiteboard>');
    expect(await validateJobXml(xml)).toEqual({
      ok: false,
      errors: [{ message: 'schema validation took too long (stopped after 300 ms)' }],
    });
    await expect(parseJobXml(xml)).rejects.toMatchObject({
      code: 'INVALID_JOB_XML',
      statusCode: 400,
      message: 'invalid job XML: schema validation took too long (stopped after 300 ms)',
    });
    // Other documents are unaffected.
    expect((await validateJobXml(jobXml())).ok).toBe(true);
  });

  test('after reconfiguring, the real validator is back', async () => {
    await configureSchemaValidator({});
    const result = await validateJobXml(jobXml().replace('<recipeSet', '<recipeSet colour="red"'));
    expect(result).toMatchObject({ ok: false });
    if (!result.ok)
      expect(result.errors).toContainEqual({
        line: 3,
        message: '<recipeSet>: Invalid attribute colour for element recipeSet',
      });
  });
});
