// The command queue end to end: the real server (HTTP on a port), PostgreSQL's notifications,
// the in-process scheduler, and the lab controller daemon running real power scripts (the
// `virtual` built-in and site scripts) and writing real netboot files.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { LabControllerDaemon } from '../../../lab-controller/src/daemon.js';
import { LabExecutor } from '../../../lab-controller/src/executor.js';
import { readVirtualPowerState } from '../../../lab-controller/src/power/power.js';
import { listen } from '../../support/cli.js';
import { addSystem, jobXml, submit, testScheduler, TREE } from '../../support/scheduler-lab.js';
import { bearer, startTestServer, type TestServer } from '../../support/server.js';

const LAB = 'lab-a.example.com';
let server: TestServer;
let baseUrl: string;
let labToken: string;
let dir: string;
let images: Server;
const daemons: LabControllerDaemon[] = [];

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(20); // polling a condition, bounded by the deadline
  }
}

function startDaemon(pollWaitSeconds = 25): LabControllerDaemon {
  const daemon = new LabControllerDaemon({
    serverUrl: baseUrl,
    token: labToken,
    pollWaitSeconds,
    attempts: 2,
    retryBaseMs: 5,
    logger: pino({ level: process.env.LC_DEBUG ? 'debug' : 'silent' }),
    executor: new LabExecutor({
      tftpRoot: join(dir, 'tftp'),
      powerScriptsDir: join(dir, 'site-scripts'),
      virtualPowerDir: join(dir, 'power'),
      powerTimeoutSeconds: 10,
      harnessUrl: 'http://lc.example.com:8000/',
    }),
  });
  daemons.push(daemon);
  return daemon;
}

/** One scheduling pass over what is queued now. */
async function schedule(): Promise<void> {
  const scheduler = testScheduler(server);
  await scheduler.start();
  await scheduler.stop();
}

const power = (fqdn: string, action: string, token = server.adminToken) =>
  server.app.inject({
    method: 'POST',
    url: `/systems/${fqdn}/power`,
    headers: bearer(token),
    payload: { action },
  });

const statuses = async (systemId: number) =>
  (await server.db.command.findMany({ where: { systemId }, orderBy: { id: 'asc' } })).map(
    (c) => `${c.action}:${c.status}`,
  );

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = await listen(server);
  dir = await mkdtemp(join(tmpdir(), 'erlen-lc-'));
  await writeFile(join(dir, 'vmlinuz'), 'KERNEL');
  await writeFile(join(dir, 'initrd.img'), 'INITRD');
  images = createServer((req, res) => {
    const file = req.url?.endsWith('/images/pxeboot/vmlinuz') ? 'vmlinuz' : 'initrd.img';
    void readFile(join(dir, file)).then((body) => res.end(body));
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  const port = (images.address() as { port: number }).port;
  const created = await server.app.inject({
    method: 'POST',
    url: '/labcontrollers',
    headers: bearer(server.adminToken),
    payload: { fqdn: LAB },
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
      kernelOptions: 'console=ttyS0 quiet',
      images: [
        { type: 'kernel', path: 'images/pxeboot/vmlinuz' },
        { type: 'initrd', path: 'images/pxeboot/initrd.img' },
      ],
      labUrls: [{ labController: LAB, url: `http://127.0.0.1:${port}/tree/` }],
    },
  });
  const script = join(dir, 'site-scripts');
  await rm(script, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(script));
  // A site script that counts its runs, and one that fails like a wrong BMC password.
  await writeFile(join(script, 'counting'), `#!/bin/sh\necho "$power_mode" >> "$power_address"\n`);
  await writeFile(
    join(script, 'failing'),
    `#!/bin/sh\necho "login refused for $power_user/$power_pass" >&2\nexit 1\n`,
  );
  await chmod(join(script, 'counting'), 0o755);
  await chmod(join(script, 'failing'), 0o755);
});

afterEach(async () => {
  for (const daemon of daemons.splice(0)) await daemon.stop();
});

afterAll(async () => {
  await server.close();
  images.close();
  await rm(dir, { recursive: true, force: true });
});

describe('lab controller commands', () => {
  it('provisions an assigned recipe: netboot files, power off/on, watchdog started, lab seen', async () => {
    const systemId = await addSystem(server, 'p1.example.com', {
      macAddress: '52:54:00:12:34:56',
      power: { type: 'virtual', address: 'p1.example.com', quiescentPeriod: 0 },
    });
    const user = await server.user('alice');
    const jobId = await submit(server, user, jobXml([[{ tasks: 2 }]]));
    await schedule();
    await startDaemon().start();
    await waitFor('provisioning commands', async () => {
      const all = await statuses(systemId);
      return all.length === 4 && all.every((s) => s.endsWith(':Completed')) ? all : undefined;
    });
    expect(await statuses(systemId)).toEqual([
      'clear_logs:Completed',
      'configure_netboot:Completed',
      'off:Completed',
      'on:Completed',
    ]);
    expect(await readVirtualPowerState(join(dir, 'power'), 'p1.example.com')).toBe('on');
    const pxe = await readFile(join(dir, 'tftp/pxelinux.cfg/01-52-54-00-12-34-56'), 'utf8');
    expect(pxe).toContain('console=ttyS0 quiet');
    expect(await readFile(join(dir, 'tftp/images/p1.example.com/kernel'), 'utf8')).toBe('KERNEL');
    const recipe = await server.db.recipe.findFirstOrThrow({
      where: { recipeSet: { jobId } },
      include: { watchdog: true, installation: true },
    });
    expect(recipe.installation?.rebootedAt).not.toBeNull();
    // First task's expected time (the task library's 1,200 s default) plus Beaker's 30 minutes.
    const killIn = (recipe.watchdog?.killTime?.getTime() ?? 0) - Date.now();
    expect(killIn).toBeGreaterThan(2900_000);
    expect(killIn).toBeLessThanOrEqual(3000_000);
    const lab = await server.db.labController.findUniqueOrThrow({ where: { fqdn: LAB } });
    expect(lab.lastSeenAt).not.toBeNull();
  });

  it('wakes a waiting poll when a command commits, and powers through POST /systems/:fqdn/power', async () => {
    const systemId = await addSystem(server, 'w1.example.com', {
      power: { type: 'virtual', address: 'w1.example.com', quiescentPeriod: 0 },
    });
    const before = new Date();
    await startDaemon(25).start();
    // Its first poll has reached the server (which marks the lab seen, then waits).
    await waitFor('first poll', async () => {
      const lab = await server.db.labController.findUniqueOrThrow({ where: { fqdn: LAB } });
      return lab.lastSeenAt && lab.lastSeenAt >= before ? true : undefined;
    });
    const response = await power('w1.example.com', 'reboot');
    expect(response.statusCode).toBe(202);
    // Well inside the 25 s poll wait: only the notification can have woken it.
    await waitFor(
      'reboot',
      async () => ((await statuses(systemId)).join() === 'off:Completed,on:Completed' ? true : undefined),
      5000,
    );
    expect(await readVirtualPowerState(join(dir, 'power'), 'w1.example.com')).toBe('on');
  });

  it('keeps the lab seen while a poll is held (the watchdog sweeper relies on it)', async () => {
    const before = new Date();
    await startDaemon(25).start();
    const seen = async () =>
      (await server.db.labController.findUniqueOrThrow({ where: { fqdn: LAB } })).lastSeenAt;
    const first = await waitFor('first poll', async () => {
      const at = await seen();
      return at && at >= before ? at : undefined;
    });
    // Well inside the 25 s poll: only the heartbeat of the held poll can move it.
    const later = await waitFor(
      'heartbeat',
      async () => {
        const at = await seen();
        return at && at.getTime() - first.getTime() >= 1500 ? at : undefined;
      },
      6000,
    );
    expect(later.getTime()).toBeGreaterThan(first.getTime());
    expect(await server.db.command.count({ where: { status: 'Queued' } })).toBe(0);
  });

  it('a power command that fails marks the system Broken, aborts its recipe and the rest of its provisioning', async () => {
    const systemId = await addSystem(server, 'f1.example.com', {
      macAddress: '52:54:00:00:00:f1',
      power: { type: 'failing', address: 'bmc-f1', user: 'root', password: 's3cret-pw', quiescentPeriod: 0 },
    });
    const user = await server.user('bob');
    const jobId = await submit(
      server,
      user,
      jobXml([[{ hostRequires: '<hostRequires><hostname op="=" value="f1.example.com"/></hostRequires>' }]]),
    );
    await schedule();
    await startDaemon().start();
    const job = await waitFor('job aborted', async () => {
      const row = await server.db.job.findUniqueOrThrow({ where: { id: jobId } });
      return row.status === 'Aborted' ? row : undefined;
    });
    expect(job.status).toBe('Aborted');
    const system = await server.db.system.findUniqueOrThrow({ where: { id: systemId } });
    expect(system.status).toBe('Broken');
    expect(system.statusReason).toContain('off failed');
    expect(system.statusReason).not.toContain('s3cret-pw');
    const commands = await server.db.command.findMany({ where: { systemId }, orderBy: { id: 'asc' } });
    const off = commands.find((c) => c.action === 'off' && c.status === 'Failed');
    expect(off?.errorMessage).toContain('login refused for root/********');
    expect(commands.find((c) => c.action === 'on' && c.installationId !== null)?.status).toBe('Aborted');
  });

  it('a restarted lab controller re-runs what it was running and nothing that completed', async () => {
    const runs = join(dir, 'runs-r1');
    const systemId = await addSystem(server, 'r1.example.com', {
      power: { type: 'counting', address: runs },
    });
    const first = startDaemon();
    await first.start();
    await power('r1.example.com', 'on');
    await waitFor('first on', async () =>
      (await statuses(systemId)).join() === 'on:Completed' ? true : undefined,
    );
    await first.stop();
    // While it is down: one command queued, one left Running as if the daemon died mid-run.
    const admin = await server.db.user.findFirstOrThrow({ where: { username: 'admin' } });
    const lab = await server.db.labController.findUniqueOrThrow({ where: { fqdn: LAB } });
    const base = { systemId, labControllerId: lab.id, userId: admin.id, service: 'HTTP' };
    await server.db.command.create({
      data: { ...base, action: 'off', status: 'Running', startTime: new Date() },
    });
    await server.db.command.create({ data: { ...base, action: 'on' } });
    await startDaemon().start();
    await waitFor('restart', async () =>
      (await statuses(systemId)).every((s) => s.endsWith(':Completed')) ? true : undefined,
    );
    expect((await readFile(runs, 'utf8')).trim().split('\n')).toEqual(['on', 'off', 'on']);
  });

  it('refuses the lab API to users, another lab’s commands, and power to those without the right', async () => {
    const user = await server.user('carol');
    const poll = await server.app.inject({
      method: 'POST',
      url: '/lab/commands/poll',
      headers: bearer(user),
      payload: { held: [], waitSeconds: 0 },
    });
    expect(poll.statusCode).toBe(403);
    const other = await server.app.inject({
      method: 'POST',
      url: '/labcontrollers',
      headers: bearer(server.adminToken),
      payload: { fqdn: 'lab-z.example.com' },
    });
    const command = await server.db.command.findFirstOrThrow({ where: { labController: { fqdn: LAB } } });
    const foreign = await server.app.inject({
      method: 'POST',
      url: `/lab/commands/${command.id}/running`,
      headers: bearer(other.json().token),
    });
    expect(foreign.statusCode).toBe(404);
    const refused = await power('r1.example.com', 'off', user);
    expect(refused.statusCode).toBe(403);
    const bad = await power('r1.example.com', 'explode');
    expect(bad.statusCode).toBe(400);
  });
});
