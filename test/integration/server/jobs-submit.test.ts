import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { XMLParser } from 'fast-xml-parser';
import { validateJobXml } from '../../../common/src/job-xml/index.js';
import type { JobSpec } from '../../../common/src/job-xml/types.js';
import { compatJob, SAMPLE_JOBS, seedSampleLab } from '../../support/lab-fixtures.js';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let owner: string;

beforeAll(async () => {
  server = await startTestServer();
  owner = await server.user('tester');
  await seedSampleLab(server, owner);
});
afterAll(async () => server.close());

const submit = (xml: string, token = owner, query = '') =>
  server.app.inject({
    method: 'POST',
    url: `/jobs${query}`,
    headers: { ...bearer(token), 'content-type': 'application/xml' },
    payload: xml,
  });

const rowCounts = async () => ({
  jobs: await server.db.job.count(),
  recipes: await server.db.recipe.count(),
  tasks: await server.db.recipeTask.count(),
});

/** A JobSpec without the positions and verbatim text that legitimately differ between two renderings. */
function comparable(spec: JobSpec): unknown {
  return JSON.parse(
    JSON.stringify(spec, (key, value) => (key === 'line' || key === 'xml' ? undefined : value)),
  );
}

const specOf = async (xml: string): Promise<JobSpec> => {
  const result = await validateJobXml(xml);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.job;
};

describe.each(SAMPLE_JOBS)('Beaker sample %s', (name) => {
  let jobId: string;

  it('is accepted and stored as queued', async () => {
    const response = await submit(compatJob(name));
    expect(response.statusCode).toBe(201);
    jobId = response.json().id;
    expect(jobId).toMatch(/^J:\d+$/);
    const detail = await server.app.inject({
      method: 'GET',
      url: `/jobs/${jobId.slice(2)}`,
      headers: bearer(owner),
    });
    expect(detail.json()).toMatchObject({ id: jobId, owner: 'tester', status: 'Queued', result: 'New' });
  });

  it('exports results XML with Beaker structure', async () => {
    const response = await server.app.inject({
      method: 'GET',
      url: `/jobs/${jobId.slice(2)}.xml`,
      headers: bearer(owner),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/application\/xml/);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(response.body);
    expect(doc.job).toMatchObject({
      id: jobId.slice(2),
      status: 'Queued',
      result: 'New',
      owner: 'tester@example.com',
    });
    const recipeSet = doc.job.recipeSet;
    expect(recipeSet).toMatchObject({ priority: 'Normal', id: expect.stringMatching(/^\d+$/) });
    expect(recipeSet.recipe).toMatchObject({
      id: expect.any(String),
      job_id: jobId.slice(2),
      status: 'Queued',
      result: 'New',
    });
    expect(recipeSet.recipe.distroRequires).toBeDefined();
    const tasks = [recipeSet.recipe.task].flat();
    expect(tasks[0]).toMatchObject({
      name: '/distribution/check-install',
      status: 'Queued',
      id: expect.any(String),
    });
  });

  it('clones to an equivalent job', async () => {
    const clone = await server.app.inject({
      method: 'GET',
      url: `/jobs/${jobId.slice(2)}/clone`,
      headers: bearer(owner),
    });
    expect(clone.statusCode).toBe(200);
    expect(comparable(await specOf(clone.body))).toEqual(comparable(await specOf(compatJob(name))));
    const resubmitted = await submit(clone.body);
    expect(resubmitted.statusCode).toBe(201);
  });
});

describe('submission rules', () => {
  const minimal = (
    body: string,
    jobAttrs = '',
  ) => `<job${jobAttrs}><whiteboard>w</whiteboard><recipeSet${body}><recipe>
      <distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires><hostRequires/>
      <task name="/distribution/check-install" role="STANDALONE"/></recipe></recipeSet></job>`;

  it('validates a dry run on the server and stores nothing', async () => {
    const before = await rowCounts();
    const response = await submit(minimal(''), owner, '?dryrun=true');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ valid: true, warnings: [] });
    expect(await rowCounts()).toEqual(before);
  });

  it('replaces a priority the submitter may not use by Normal, with a warning', async () => {
    const response = await submit(minimal(' priority="Urgent"'));
    expect(response.statusCode).toBe(201);
    expect(response.json().warnings[0].message).toMatch(/Urgent.*Normal/);
    const set = await server.db.recipeSet.findFirstOrThrow({
      where: { jobId: Number(response.json().id.slice(2)) },
    });
    expect(set.priority).toBe('Normal');
  });

  it('lets an admin use Urgent', async () => {
    const response = await submit(minimal(' priority="Urgent"'), server.adminToken);
    const set = await server.db.recipeSet.findFirstOrThrow({
      where: { jobId: Number(response.json().id.slice(2)) },
    });
    expect(set.priority).toBe('Urgent');
  });

  it.each([
    [
      'no distro tree matches',
      minimal('').replace('RHEL-6.3', 'NoSuchLinux'),
      'NO_MATCHING_DISTRO',
      /no distro tree/,
    ],
    ['an unknown retention tag', minimal('', ' retention_tag="forever"'), 'BAD_REQUEST', /unknown tag/],
    ['a product with a tag that takes none', minimal('', ' product="the_product"'), 'BAD_REQUEST', /product/],
    [
      'a tag that needs a product without one',
      minimal('', ' retention_tag="audit"'),
      'BAD_REQUEST',
      /requires a product/,
    ],
    ['a group the owner is not in', minimal('', ' group="nosuchgroup"'), 'BAD_REQUEST', /no such group/],
  ])('refuses %s and writes nothing', async (_what, xml, code, message) => {
    const before = await rowCounts();
    const response = await submit(xml);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a group job from someone outside the group', async () => {
    const outsider = await server.user('outsider');
    const response = await submit(minimal('', ' group="somegroup"'), outsider);
    expect(response.statusCode).toBe(403);
  });

  it('refuses job submission by a lab controller account', async () => {
    const lab = await server.app.inject({
      method: 'POST',
      url: '/labcontrollers',
      headers: bearer(server.adminToken),
      payload: { fqdn: 'lab9.example.com' },
    });
    const response = await submit(minimal(''), lab.json().token);
    expect(response.statusCode).toBe(403);
  });
});

describe('bad and hostile XML', () => {
  const cases: [string, () => string, number, string][] = [
    ['malformed XML', () => '<job><recipeSet></job>', 400, 'INVALID_JOB_XML'],
    [
      'schema-invalid XML',
      () => '<job><recipeSet><recipe><bogus/></recipe></recipeSet></job>',
      400,
      'INVALID_JOB_XML',
    ],
    [
      'a DOCTYPE with an external entity (XXE)',
      () => '<!DOCTYPE job [<!ENTITY x SYSTEM "file:///etc/passwd">]><job>&x;</job>',
      400,
      'HOSTILE_XML',
    ],
    [
      'entity expansion (billion laughs)',
      () =>
        `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><job>&lol2;</job>`,
      400,
      'HOSTILE_XML',
    ],
    [
      '10,000-deep nesting',
      () => `<job>${'<and>'.repeat(10000)}${'</and>'.repeat(10000)}</job>`,
      400,
      'HOSTILE_XML',
    ],
    [
      'a 50 MB body',
      () => `<job><whiteboard>${'x'.repeat(50 * 1024 * 1024)}</whiteboard></job>`,
      413,
      'PAYLOAD_TOO_LARGE',
    ],
  ];

  it.each(cases)(
    'refuses %s quickly, with a clear message, writing nothing',
    async (_what, make, status, code) => {
      const before = await rowCounts();
      const body = make();
      const started = performance.now();
      const response = await submit(body);
      const elapsed = performance.now() - started;
      expect(response.statusCode).toBe(status);
      expect(response.json()).toMatchObject({ code, message: expect.any(String) });
      expect(elapsed).toBeLessThan(2000);
      expect(await rowCounts()).toEqual(before);
    },
  );

  it('reports every schema and semantic error with its line', async () => {
    const xml = ['<job>', '<recipeSet priority="Whenever">', '</recipeSet>', '</job>'].join('\n');
    const response = await submit(xml);
    expect(response.statusCode).toBe(400);
    const details = response.json().details as { line?: number; message: string }[];
    expect(details.length).toBeGreaterThan(0);
    expect(details.every((d) => typeof d.line === 'number')).toBe(true);
    expect(details.map((d) => d.line)).toContain(2);
  });

  it('refuses a body that is not XML', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/jobs',
      headers: { ...bearer(owner), 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(response.statusCode).toBe(415);
  });
});
