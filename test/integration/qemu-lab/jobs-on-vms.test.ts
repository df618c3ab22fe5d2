// The first milestone end to end, with real components only (docs/lab-in-a-box.md): a job
// submitted with `erlen job-submit` is scheduled onto two systems that are qemu VMs behind
// their own ipmi_sim BMCs; the lab controller powers them on through IPMI (ipmitool), they
// PXE-boot through iPXE from its TFTP root into the live image, the harness runs the tasks,
// reports results and uploads logs, and the systems are powered off and free again. Then a
// task reboots its machine mid-recipe, and the recipe resumes and finishes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { repoRoot } from '../../../common/src/repo-root.js';
import { startLabStack, type LabStack } from '../../support/lab-stack.js';
import {
  GUEST_HARNESS_URL,
  startQemuSystem,
  writeChainScript,
  type QemuSystem,
} from '../../support/qemu-system.js';
import { post } from '../../support/scheduler-lab.js';
import { waitFor } from '../../support/wait-for.js';

const root = repoRoot();
const LAB = 'box.erlen.test';
const TREE = 'ErlenLive-1.0';
const USER = 'admin';
const PASSWORD = 'bmc-secret';
const SYSTEMS = [
  { fqdn: 'vm1.box.erlen.test', mac: '52:54:00:e1:00:01' },
  { fqdn: 'vm2.box.erlen.test', mac: '52:54:00:e1:00:02' },
];
let lab: LabStack;
const vms = new Map<string, QemuSystem>();

function job(recipes: string[][]): string {
  const recipe = (tasks: string[]) => `
    <recipe role="SERVERS">
      <distroRequires><distro_name op="=" value="${TREE}"/></distroRequires>
      <hostRequires><labcontroller op="=" value="${LAB}"/></hostRequires>
      ${tasks.map((name) => `<task name="${name}" role="SERVERS"/>`).join('\n      ')}
    </recipe>`;
  return `<job retention_tag="scratch"><whiteboard>qemu lab</whiteboard>
  <recipeSet>${recipes.map(recipe).join('')}
  </recipeSet>
</job>`;
}

async function submit(xml: string): Promise<number> {
  const file = join(lab.dir, `job-${String(Date.now())}.xml`);
  await writeFile(file, xml);
  const submitted = await lab.erlen(['job-submit', file]);
  expect(submitted.stderr).toBe('');
  return Number(submitted.stdout.trim().replace(/^J:/, ''));
}

async function finished(jobId: number) {
  return waitFor(
    `J:${String(jobId)} to finish`,
    async () => {
      const row = await lab.server.db.job.findUniqueOrThrow({ where: { id: jobId } });
      return ['Completed', 'Aborted', 'Cancelled'].includes(row.status) ? row : undefined;
    },
    240_000,
    250,
  );
}

/** Released and powered off, as the BMC reports it. */
async function freeAndOff(fqdn: string): Promise<void> {
  await waitFor(
    `${fqdn} to be released and powered off`,
    async () => {
      const system = await lab.server.db.system.findUniqueOrThrow({ where: { fqdn } });
      const queued = await lab.server.db.command.count({
        where: { systemId: system.id, status: { in: ['Queued', 'Running'] } },
      });
      if (system.userId !== null || queued > 0) return undefined;
      return (await vms.get(fqdn)!.bmc.powerState()) === 'off' ? true : undefined;
    },
    60_000,
    250,
  );
}

beforeAll(async () => {
  const image = join(root, '.erlen', 'qemu-lab', 'image');
  await promisify(execFile)('bash', [
    join(root, 'test', 'qemu-lab', 'build-live-image.sh'),
    image,
    join(root, 'dist', 'harness', 'erlen-harness.mjs'),
    join(root, 'test', 'qemu-lab', 'tasks'),
  ]);
  lab = await startLabStack({
    bootHarnessUrl: GUEST_HARNESS_URL,
    async seed(server, { dir, tftpRoot, harnessPort }) {
      const { token } = await post(server, '/labcontrollers', { fqdn: LAB });
      await post(server, '/distro-trees', {
        name: TREE,
        osMajor: 'ErlenLive1',
        arch: 'x86_64',
        kind: 'live',
        kernelOptions: 'console=ttyS0 quiet',
        images: [
          { type: 'kernel', path: 'vmlinuz' },
          { type: 'initrd', path: 'initrd.img' },
        ],
        labUrls: [{ labController: LAB, url: `${pathToFileURL(image).href}/` }],
      });
      await writeChainScript(tftpRoot);
      for (const { fqdn, mac } of SYSTEMS) {
        const name = fqdn.split('.')[0]!;
        const vm = await startQemuSystem({
          name,
          mac,
          tftpRoot,
          harnessPort,
          dir,
          user: USER,
          password: PASSWORD,
        });
        vms.set(fqdn, vm);
        await post(server, '/systems', {
          fqdn,
          labController: LAB,
          arches: ['x86_64'],
          memory: 1024,
          macAddress: mac,
          power: {
            type: 'ipmilan',
            address: '127.0.0.1',
            id: vm.bmc.powerId,
            user: USER,
            password: PASSWORD,
            quiescentPeriod: 0,
          },
          accessPolicy: [
            { everybody: true, permission: 'view' },
            { everybody: true, permission: 'reserve' },
          ],
        });
      }
      return token!;
    },
  });
}, 120_000);

afterAll(async () => {
  for (const vm of vms.values()) await vm.bmc.stop();
  await lab?.stop();
});

describe('the qemu lab', () => {
  it('runs a two-recipe job on two IPMI-powered, PXE-booted VMs: results, logs, systems freed', async () => {
    const jobId = await submit(
      job([
        ['/erlen/pass', '/erlen/fail'],
        ['/erlen/pass', '/erlen/fail'],
      ]),
    );
    const done = await finished(jobId);
    const recipes = await lab.server.db.recipe.findMany({
      where: { recipeSet: { jobId } },
      include: { resource: true, tasks: { orderBy: { position: 'asc' }, include: { results: true } } },
      orderBy: { id: 'asc' },
    });
    const consoles = await Promise.all(
      recipes.map((r) => readFile(vms.get(r.resource?.fqdn ?? '')?.consoleLog ?? '/dev/null', 'utf8')),
    );
    // The consoles say what went wrong, if anything did.
    expect({ status: done.status, result: done.result }).toEqual({ status: 'Completed', result: 'Fail' });
    expect(new Set(recipes.map((r) => r.resource?.fqdn))).toEqual(new Set(SYSTEMS.map((s) => s.fqdn)));
    for (const [index, recipe] of recipes.entries()) {
      expect(recipe.tasks.map((t) => [t.name, t.status, t.result])).toEqual([
        ['/erlen/pass', 'Completed', 'Pass'],
        ['/erlen/fail', 'Completed', 'Fail'],
      ]);
      expect(recipe.tasks[1]!.results.map((r) => [r.path, r.result, Number(r.score)])).toEqual([
        ['/erlen/fail/check', 'Fail', 41],
      ]);
      // Booted through iPXE from the lab controller's entry, into the harness.
      expect(consoles[index]).toContain(`erlen.recipe=${String(recipe.id)}`);
      expect(consoles[index]).toContain('starting the harness');
    }

    // The results the VMs reported, as Beaker results XML through the CLI.
    const results = await lab.erlen(['job-results', `J:${String(jobId)}`]);
    expect(results.stdout).toMatch(/<job id="\d+"[^>]* result="Fail" status="Completed"/);
    expect(results.stdout.match(/<result [^>]*path="\/erlen\/fail\/check"[^>]*result="Fail"/g)).toHaveLength(
      2,
    );

    // The VMs' task output and uploaded logs, through the server.
    const logs = await lab.erlen(['job-logs', `J:${String(jobId)}`]);
    expect(logs.stdout.match(/taskout\.log/g)).toHaveLength(4);
    expect(logs.stdout.match(/check\.log/g)).toHaveLength(2);
    const failing = recipes[0]!.tasks[1]!;
    const checkLog = await lab.erlen(['job-logs', `T:${String(failing.id)}`, '--cat', 'check.log']);
    expect(checkLog.stdout).toBe('expected 42, got 41\n');
    const passing = recipes[0]!.tasks[0]!;
    const output = await lab.erlen(['job-logs', `T:${String(passing.id)}`, '--cat', 'taskout.log']);
    expect(output.stdout).toMatch(/pass: task \d+ of R:\d+ on .*kernel 6\./);

    for (const { fqdn } of SYSTEMS) await freeAndOff(fqdn);
  }, 300_000);

  it('resumes a recipe after a task reboots the machine, and finishes it', async () => {
    const jobId = await submit(job([['/erlen/reboot', '/erlen/pass']]));
    const done = await finished(jobId);
    const recipe = await lab.server.db.recipe.findFirstOrThrow({
      where: { recipeSet: { jobId } },
      include: { resource: true, tasks: { orderBy: { position: 'asc' }, include: { results: true } } },
    });
    const fqdn = recipe.resource!.fqdn!;
    const console = await readFile(vms.get(fqdn)!.consoleLog, 'utf8');
    expect({ status: done.status, result: done.result }).toEqual({ status: 'Completed', result: 'Pass' });
    expect(recipe.tasks[0]!.results.map((r) => [r.path, r.result])).toEqual([
      ['/erlen/reboot/before-reboot', 'Pass'],
      ['/erlen/reboot/after-reboot', 'Pass'],
    ]);
    expect(recipe.tasks[1]!.result).toBe('Pass');
    // Two boots of this recipe's entry: the second one after the task's reboot.
    const boots = console.split('\n').filter((line) => line.includes(`erlen.recipe=${String(recipe.id)}`));
    expect(boots.length).toBeGreaterThanOrEqual(2);
    await freeAndOff(fqdn);
  }, 300_000);
});
