// The Quick start's promise, end to end: on the demo lab that `npm run lab` seeds (the real
// `erlen-admin bootstrap --demo-lab`), the README's sample job runs to completion. The
// scheduler places it, the lab controller netboots and powers a simulated machine, whose
// "kernel" is the real harness bundle running the tasks of docs/examples/tasks; results and
// logs come back through the harness API, and the system is powered off and free again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { readVirtualPowerState } from '../../lab-controller/src/power/power.js';
import { repoRoot } from '../../common/src/repo-root.js';
import { startLabStack, type LabStack } from '../support/lab-stack.js';
import { waitFor } from '../support/wait-for.js';

const root = repoRoot();
const HARNESS = join(root, 'dist', 'harness', 'erlen-harness.mjs');
const HELLO_JOB = join(root, 'docs', 'examples', 'hello-job.xml');
let lab: LabStack;

beforeAll(async () => {
  lab = await startLabStack({
    simulated: { harnessPath: HARNESS, taskRoot: join(root, 'docs', 'examples', 'tasks') },
    async seed(server, { dir }) {
      // What scripts/lab.sh does: placeholder images (a simulated machine never reads them).
      const images = join(dir, 'distros', 'images');
      await mkdir(images, { recursive: true });
      await writeFile(join(images, 'vmlinuz'), 'placeholder kernel\n');
      await writeFile(join(images, 'initrd.img'), 'placeholder initrd\n');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          join(root, 'dist', 'server', 'src', 'admin-cli.js'),
          'bootstrap',
          '--username',
          'demo-admin',
          '--demo-lab',
          '--demo-tree-url',
          `${pathToFileURL(join(dir, 'distros')).href}/`,
        ],
        {
          env: {
            PATH: process.env.PATH,
            DATABASE_URL: server.config.databaseUrl,
            ERLEN_SECRET_KEY: server.config.secretKey,
            ERLEN_LOG_LEVEL: 'silent',
          },
        },
      );
      return (JSON.parse(stdout) as { labToken: string }).labToken;
    },
  });
}, 60_000);

afterAll(async () => {
  await lab?.stop();
});

describe('the Quick start lab', () => {
  it('runs the README sample job to completion on a simulated machine and frees it', async () => {
    expect(existsSync(HARNESS)).toBe(true);
    const submitted = await lab.erlen(['job-submit', HELLO_JOB]);
    expect(submitted.stderr).toBe('');
    const job = submitted.stdout.trim();
    expect(job).toMatch(/^J:\d+$/);

    const finished = await waitFor(
      'the job to finish',
      async () => {
        const row = await lab.server.db.job.findFirstOrThrow({ where: { id: Number(job.slice(2)) } });
        return ['Completed', 'Aborted', 'Cancelled'].includes(row.status) ? row : undefined;
      },
      60_000,
      100,
    );
    expect(finished.status).toBe('Completed');
    expect(finished.result).toBe('Pass');

    const results = await lab.erlen(['job-results', '--format', 'json', job]);
    expect(results.code).toBe(0);
    const tasks = await lab.server.db.recipeTask.findMany({
      where: { recipe: { recipeSet: { jobId: Number(job.slice(2)) } } },
      include: { results: true, recipe: { include: { resource: true } } },
      orderBy: { position: 'asc' },
    });
    expect(tasks.map((t) => [t.name, t.status, t.result])).toEqual([
      ['/distribution/check-install', 'Completed', 'Pass'],
      ['/examples/hello', 'Completed', 'Pass'],
    ]);
    const fqdn = tasks[0]!.recipe.resource!.fqdn!;

    // Task output came back as logs, readable through the server.
    const logs = await lab.erlen(['job-logs', job]);
    expect(logs.stdout).toMatch(/taskout\.log/);
    const greeting = await lab.erlen(['job-logs', `T:${String(tasks[1]!.id)}`, '--cat', 'taskout.log']);
    expect(greeting.stdout).toContain(`hello from task ${String(tasks[1]!.id)}`);

    // Released: powered off (the machine process gone) and free for the next recipe.
    const system = await waitFor(
      'the system to be released and powered off',
      async () => {
        const row = await lab.server.db.system.findUniqueOrThrow({ where: { fqdn } });
        const power = await readVirtualPowerState(lab.powerDir, fqdn.split('.')[0]!);
        return row.userId === null && power === 'off' ? row : undefined;
      },
      30_000,
    );
    expect(system.status).toBe('Automated');
    const console = await readFile(join(lab.powerDir, 'machines', fqdn, 'console.log'), 'utf8');
    expect(console).toContain('netboot /images/');
    expect(console).toContain('harness exited (0): halted');
  }, 120_000);
});
