// `erlen job-modify --priority`: the built binary (dist/, built by `npm test`'s pretest)
// against the real server listening on a port, as in cli.test.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedSampleLab } from '../support/lab-fixtures.js';
import { listen, runErlen, type Run } from '../support/cli.js';
import { bearer, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let url: string;
let token: string;
const scratch = mkdtempSync(join(tmpdir(), 'erlen-cli-modify-'));

function erlen(args: string[], options: { token?: string } = {}): Promise<Run> {
  return runErlen(args, { url, token: options.token ?? token, home: scratch });
}

beforeAll(async () => {
  server = await startTestServer();
  token = await server.user('cliuser');
  await seedSampleLab(server, token);
  url = await listen(server);
});
afterAll(async () => server.close());

const recipe = `<recipe><distroRequires><distro_name op="=" value="RHEL-6.3"/></distroRequires><hostRequires/>
  <task name="/t" role="STANDALONE"/></recipe>`;

/** A job of cliuser's with a Normal and a Low recipe set; returns their ids. */
async function submit(): Promise<{ jobId: number; sets: [number, number] }> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/jobs',
    headers: { ...bearer(token), 'content-type': 'application/xml' },
    payload: `<job><recipeSet priority="Normal">${recipe}</recipeSet><recipeSet priority="Low">${recipe}</recipeSet></job>`,
  });
  expect(response.statusCode).toBe(201);
  const jobId = Number(response.json().id.slice(2));
  const sets = await server.db.recipeSet.findMany({ where: { jobId }, orderBy: { position: 'asc' } });
  return { jobId, sets: [sets[0]!.id, sets[1]!.id] };
}

const priorities = async (jobId: number) =>
  (await server.db.recipeSet.findMany({ where: { jobId }, orderBy: { position: 'asc' } })).map(
    (s) => s.priority,
  );

describe('erlen job-modify --priority', () => {
  it('lowers every recipe set of a job and says what happened to each', async () => {
    const { jobId, sets } = await submit();
    const run = await erlen(['job-modify', `J:${jobId}`, '--priority', 'low']);
    expect(run).toEqual({
      code: 0,
      stdout: `RS:${sets[0]}: Normal -> Low\nRS:${sets[1]}: already Low\n`,
      stderr: '',
    });
    expect(await priorities(jobId)).toEqual(['Low', 'Low']);
  });

  it('changes one recipe set given as RS:n', async () => {
    const { jobId, sets } = await submit();
    const run = await erlen(['job-modify', `RS:${sets[0]}`, '--priority', 'Medium']);
    expect(run).toMatchObject({ code: 0, stdout: `RS:${sets[0]}: Normal -> Medium\n` });
    expect(await priorities(jobId)).toEqual(['Medium', 'Low']);
  });

  it("reports the server's refusal per taskspec, carries on with the others and exits 1", async () => {
    const { jobId, sets } = await submit();
    const run = await erlen(['job-modify', `RS:${sets[1]}`, `RS:${sets[0]}`, '--priority', 'Medium']);
    expect(run.code).toBe(1);
    // RS:second is Low: Medium would raise it, which the owner may not do.
    expect(run.stderr).toMatch(
      new RegExp(
        `^erlen: RS:${sets[1]}: cannot raise the priority of RS:${sets[1]} from Low to Medium: .*you may set Low`,
      ),
    );
    expect(run.stdout).toBe(`RS:${sets[0]}: Normal -> Medium\n`);
    expect(await priorities(jobId)).toEqual(['Medium', 'Low']);
  });

  it('says so when the recipe set does not exist or has finished', async () => {
    const { jobId, sets } = await submit();
    await server.app.inject({
      method: 'POST',
      url: `/recipesets/${sets[0]}/cancel`,
      headers: bearer(token),
      payload: {},
    });
    const run = await erlen(['job-modify', 'RS:2147483647', `RS:${sets[0]}`, '--priority', 'Low']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('erlen: RS:2147483647: no recipe set RS:2147483647\n');
    expect(run.stderr).toContain(
      `erlen: RS:${sets[0]}: cannot change the priority of RS:${sets[0]}: RS:${sets[0]} is Cancelled`,
    );
    expect(await priorities(jobId)).toEqual(['Normal', 'Low']);
  });

  // Exit 2 (usage) rather than 1 (refused by the server): nothing was sent.
  it.each<[string, (jobId: number) => string[], RegExp]>([
    [
      'an unknown priority',
      (jobId) => [`J:${jobId}`, '--priority', 'Highest'],
      /unknown priority "Highest"; expected one of Low, Medium, Normal, High, Urgent/,
    ],
    [
      'a recipe taskspec',
      () => ['R:1', '--priority', 'Low'],
      /"R:1" is a R: taskspec; expected one of J, RS/,
    ],
    ['no --priority', (jobId) => [`J:${jobId}`], /required option '--priority <priority>'/],
  ])('exits 2 without asking the server for %s', async (_what, args, message) => {
    const { jobId } = await submit();
    const run = await erlen(['job-modify', ...args(jobId)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(await priorities(jobId)).toEqual(['Normal', 'Low']);
  });
});
