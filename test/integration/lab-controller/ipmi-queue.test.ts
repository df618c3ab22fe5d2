// The command queue driving real BMCs: OpenIPMI's ipmi_sim, reached by the built-in
// `ipmilan` script through ipmitool, with the real server, scheduler pass and lab controller
// daemon. A reboot through the queue restarts the simulated machine; a wrong BMC password
// fails the provisioning, marks the system Broken and aborts its recipe.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { LabControllerDaemon } from '../../../lab-controller/src/daemon.js';
import { LabExecutor } from '../../../lab-controller/src/executor.js';
import { listen } from '../../support/cli.js';
import { startBmc, type Bmc } from '../../support/ipmi-sim.js';
import { addSystem, jobXml, LAB_A, submit, testScheduler, TREE } from '../../support/scheduler-lab.js';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

const USER = 'admin';
const PASSWORD = 'bmc-secret-1';
let server: TestServer;
let baseUrl: string;
let labToken: string;
let dir: string;
const daemons: LabControllerDaemon[] = [];
const bmcs: Bmc[] = [];

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50); // polling a condition, bounded by the deadline
  }
}

async function startDaemon(): Promise<void> {
  const daemon = new LabControllerDaemon({
    serverUrl: baseUrl,
    token: labToken,
    pollWaitSeconds: 25,
    attempts: 2,
    retryBaseMs: 5,
    logger: pino({ level: 'silent' }),
    executor: new LabExecutor({
      tftpRoot: join(dir, 'tftp'),
      powerTimeoutSeconds: 60,
      harnessUrl: 'http://lc.example.com:8000/',
    }),
  });
  daemons.push(daemon);
  await daemon.start();
}

/** A BMC whose machine records its pid on every power-on, and a system of lab A powered by it. */
async function bmcSystem(
  fqdn: string,
  password: string,
): Promise<{ bmc: Bmc; starts: () => Promise<number[]> }> {
  const startsFile = join(dir, `${fqdn}.starts`);
  const bmc = await startBmc({
    user: USER,
    password: PASSWORD,
    startCommand: `sh -c 'echo $$ >> ${startsFile}; exec sleep 3600'`,
  });
  bmcs.push(bmc);
  await addSystem(server, fqdn, {
    macAddress: '52:54:00:00:10:01',
    power: {
      type: 'ipmilan',
      address: '127.0.0.1',
      id: bmc.powerId,
      user: USER,
      password,
      quiescentPeriod: 0,
    },
  });
  const starts = async () =>
    (await readFile(startsFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
  return { bmc, starts };
}

const commandStatuses = async (fqdn: string) =>
  (await server.db.command.findMany({ where: { system: { fqdn } }, orderBy: { id: 'asc' } })).map(
    (c) => `${c.action}:${c.status}`,
  );

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = await listen(server);
  dir = await mkdtemp(join(tmpdir(), 'erlen-ipmi-queue-'));
  await writeFile(join(dir, 'vmlinuz'), 'KERNEL');
  await writeFile(join(dir, 'initrd.img'), 'INITRD');
  const created = await server.app.inject({
    method: 'POST',
    url: '/labcontrollers',
    headers: bearer(server.adminToken),
    payload: { fqdn: LAB_A },
  });
  labToken = created.json().token;
  await server.app.inject({
    method: 'POST',
    url: '/distro-trees',
    headers: bearer(server.adminToken),
    payload: {
      name: TREE,
      osMajor: 'ErlenLinux1',
      arch: 'x86_64',
      images: [
        { type: 'kernel', path: 'vmlinuz' },
        { type: 'initrd', path: 'initrd.img' },
      ],
      // The lab serves the tree from local files: no web server needed for the images.
      labUrls: [{ labController: LAB_A, url: `${pathToFileURL(dir).href}/` }],
    },
  });
});

afterEach(async () => {
  for (const daemon of daemons.splice(0)) await daemon.stop();
});

afterAll(async () => {
  for (const bmc of bmcs) await bmc.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('power commands through the queue against ipmi_sim', () => {
  it('on, then reboot through POST /systems/:fqdn/power: the machine starts, stops and starts again', async () => {
    const { bmc, starts } = await bmcSystem('ipmi1.example.com', PASSWORD);
    await startDaemon();
    const power = (action: string) =>
      server.app.inject({
        method: 'POST',
        url: '/systems/ipmi1.example.com/power',
        headers: bearer(server.adminToken),
        payload: { action },
      });
    expect((await power('on')).statusCode).toBe(202);
    await waitFor('on', async () =>
      (await commandStatuses('ipmi1.example.com')).join() === 'on:Completed' ? true : undefined,
    );
    expect(await bmc.powerState()).toBe('on');
    const [firstPid] = await waitFor('first start', async () => {
      const pids = await starts();
      return pids.length === 1 ? pids : undefined;
    });

    expect((await power('reboot')).statusCode).toBe(202);
    await waitFor('reboot', async () =>
      (await commandStatuses('ipmi1.example.com')).join() === 'on:Completed,off:Completed,on:Completed'
        ? true
        : undefined,
    );
    expect(await bmc.powerState()).toBe('on');
    const pids = await waitFor('second start', async () => {
      const all = await starts();
      return all.length === 2 ? all : undefined;
    });
    expect(pids[1]).not.toBe(firstPid);

    expect((await power('off')).statusCode).toBe(202);
    await waitFor('off', async () =>
      (await commandStatuses('ipmi1.example.com')).at(-1) === 'off:Completed' ? true : undefined,
    );
    expect(await bmc.powerState()).toBe('off');
  });

  it('a wrong BMC password fails the provisioning: system Broken, recipe aborted, password nowhere', async () => {
    const { bmc } = await bmcSystem('ipmi2.example.com', 'wrong-password-9');
    const user = await server.user('dave');
    const jobId = await submit(
      server,
      user,
      jobXml([
        [{ hostRequires: '<hostRequires><hostname op="=" value="ipmi2.example.com"/></hostRequires>' }],
      ]),
    );
    const scheduler = testScheduler(server);
    await scheduler.start();
    await scheduler.stop();
    await startDaemon();
    const job = await waitFor('job aborted', async () => {
      const row = await server.db.job.findUniqueOrThrow({ where: { id: jobId } });
      return row.status === 'Aborted' ? row : undefined;
    });
    expect(job.status).toBe('Aborted');
    const system = await server.db.system.findUniqueOrThrow({ where: { fqdn: 'ipmi2.example.com' } });
    expect(system.status).toBe('Broken');
    expect(system.statusReason).toMatch(/^off failed: /);
    expect(system.statusReason).not.toContain('wrong-password-9');
    const failed = await server.db.command.findFirstOrThrow({
      where: { systemId: system.id, status: 'Failed' },
    });
    expect(failed.errorMessage).not.toContain('wrong-password-9');
    const results = await server.db.recipeTaskResult.findMany({
      where: { recipeTask: { recipe: { recipeSet: { jobId } } } },
    });
    expect(results.map((r) => r.result)).toEqual(['Warn']);
    expect(results[0]?.message).toContain('off failed');
    expect(await bmc.powerState()).toBe('off');
  });
});
