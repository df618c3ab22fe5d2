// The lab controller's power scripts, run for real: `ipmilan` against OpenIPMI's ipmi_sim BMCs
// (whose "system" is a process they start on power on and kill on power off), site scripts,
// timeouts, and the `virtual` type.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ErlenError } from '../../../common/src/errors.js';
import {
  readVirtualPowerState,
  runPowerScript,
  type PowerMode,
  type PowerTarget,
} from '../../../lab-controller/src/power/power.js';
import { startBmc, type Bmc } from '../../support/ipmi-sim.js';

const USER = 'labctl';
const PASSWORD = 'Bmc-s3cret-pw';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'erlen-power-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** A fresh directory under the test's work directory. */
function freshDir(name: string): Promise<string> {
  return mkdtemp(join(work, `${name}-`));
}

async function powerFailure(promise: Promise<unknown>): Promise<ErlenError> {
  const error: unknown = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ErlenError);
  expect((error as ErlenError).code).toBe('POWER_FAILED');
  return error as ErlenError;
}

async function writeScript(dir: string, name: string, body: string, mode = 0o755): Promise<void> {
  await writeFile(join(dir, name), `#!/bin/sh\n${body}\n`);
  await chmod(join(dir, name), mode);
}

/** Bounded polling for something another process does in its own time. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await delay(20);
  }
}

/**
 * Alive and not a zombie: a killed script's orphans wait for PID 1 to reap them, which in some
 * containers takes seconds.
 */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && stat[stat.lastIndexOf(')') + 2] !== 'Z';
}

describe('ipmilan against ipmi_sim BMCs', () => {
  let bmc: Bmc;
  let startsFile: string;

  beforeEach(async () => {
    startsFile = join(await freshDir('system'), 'starts');
    // The "system": records its pid on every start, then runs until ipmi_sim kills it.
    bmc = await startBmc({
      user: USER,
      password: PASSWORD,
      startCommand: `sh -c 'echo $$ >> ${startsFile}; exec sleep 3600'`,
    });
  });
  afterEach(() => bmc.stop());

  const target = (overrides: Partial<PowerTarget> = {}): PowerTarget => ({
    type: 'ipmilan',
    address: '127.0.0.1',
    id: bmc.powerId,
    user: USER,
    password: PASSWORD,
    ...overrides,
  });
  const power = (mode: PowerMode, overrides?: Partial<PowerTarget>) =>
    runPowerScript(target(overrides), mode);

  /** Pids of the system's starts so far; ipmi_sim reports on before the shell has written its line. */
  const starts = (count: number) =>
    eventually(
      async () =>
        (await readFile(startsFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number),
      (pids) => pids.length >= count,
    );

  it('powers the system on, off and on again', async () => {
    expect(await bmc.powerState()).toBe('off');

    await power('on');
    expect(await bmc.powerState()).toBe('on');
    const [first] = await starts(1);
    expect(await isRunning(first!)).toBe(true);

    await power('off');
    expect(await bmc.powerState()).toBe('off');
    // The script returns once the BMC reports off, which ipmi_sim does after reaping the system.
    expect(await isRunning(first!)).toBe(false);

    await power('on');
    expect(await bmc.powerState()).toBe('on');
    const pids = await starts(2);
    expect(pids).toHaveLength(2);
    expect(await isRunning(pids[1]!)).toBe(true);
  });

  it('leaves a system already in the asked state alone', async () => {
    await power('on');
    const again = await power('on');
    expect(again.output).toContain('already on');
    expect(await starts(1)).toHaveLength(1);

    await power('off');
    expect((await power('off')).output).toContain('already off');
  });

  it('fails with POWER_FAILED and no password when the BMC refuses the login', async () => {
    const wrong = 'Wrong-pw-4-bmc';
    const error = await powerFailure(power('on', { password: wrong }));
    expect(error.message).toMatch(/^power on of 127\.0\.0\.1 failed: .*Unable to establish/s);
    expect(error.message).not.toContain(wrong);
    expect(await bmc.powerState()).toBe('off');
  });

  it('sends interrupt as power diag, which ipmi_sim does not implement', async () => {
    await power('on');
    const error = await powerFailure(power('interrupt'));
    expect(error.message).toContain('Diag failed');
  });

  it('runs BMCs side by side on their own ports', async () => {
    const other = await startBmc({ user: USER, password: PASSWORD, startCommand: 'sleep 3600' });
    try {
      expect(other.port).not.toBe(bmc.port);
      await runPowerScript({ ...target(), id: other.powerId }, 'on');
      expect(await other.powerState()).toBe('on');
      expect(await bmc.powerState()).toBe('off');
    } finally {
      await other.stop();
    }
  });
});

describe('power script lookup and running', () => {
  const target: PowerTarget = {
    type: 'ipmilan',
    address: 'bmc1.lab',
    id: '7',
    user: 'admin',
    password: 'Pw-9',
  };

  it('prefers an executable site script, which gets the five power variables and nothing else', async () => {
    const site = await freshDir('site');
    const envFile = join(site, 'env');
    await writeScript(site, 'ipmilan', `env > "$ENV_FILE"`);
    await runPowerScript(target, 'interrupt', { siteScriptsDir: site, env: { ENV_FILE: envFile } });

    const env = Object.fromEntries(
      (await readFile(envFile, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      power_address: 'bmc1.lab',
      power_id: '7',
      power_user: 'admin',
      power_pass: 'Pw-9',
      power_mode: 'interrupt',
      ENV_FILE: envFile,
    });
    // The lab controller's own environment (tokens, database URLs) does not reach scripts.
    expect(env).not.toHaveProperty('ERLEN_TEST_PG');
  });

  it('skips a site script that is not executable', async () => {
    const site = await freshDir('site');
    await writeScript(site, 'virtual', 'exit 0', 0o644);
    const error = await powerFailure(
      runPowerScript({ ...target, type: 'virtual' }, 'on', { siteScriptsDir: site }),
    );
    // The built-in ran: it wants its state directory.
    expect(error.message).toContain('ERLEN_VIRTUAL_POWER_DIR');
  });

  it('masks the password in the output and the failure message', async () => {
    const site = await freshDir('site');
    await writeScript(site, 'chatty', 'echo "login admin/$power_pass"; echo "no $power_pass" >&2; exit 3');
    const error = await powerFailure(
      runPowerScript({ ...target, type: 'chatty' }, 'off', { siteScriptsDir: site }),
    );
    // stdout and stderr come through separate pipes: their relative order is not fixed.
    expect(error.message).toMatch(/^power off of bmc1\.lab failed: /);
    expect(error.message).toContain('login admin/********');
    expect(error.message).toContain('no ********');
    expect(error.message).not.toContain(target.password);
  });

  it('refuses unknown power types and names outside the scripts directories', async () => {
    for (const type of ['no-such-type', '../power-scripts/ipmilan', '..', '.hidden', '']) {
      const error = await powerFailure(runPowerScript({ ...target, type }, 'on'));
      expect(error.message).toContain('no power script for power type');
    }
  });

  it('kills a script that hangs, and what it started, at timeoutMs', async () => {
    const site = await freshDir('site');
    const childPidFile = join(site, 'child.pid');
    await writeScript(site, 'hangs', `echo waiting; sleep 600 & echo $! > "${childPidFile}"; wait`);
    const started = Date.now();
    const error = await powerFailure(
      runPowerScript({ ...target, type: 'hangs' }, 'on', { siteScriptsDir: site, timeoutMs: 300 }),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toBe('power on of bmc1.lab failed: timed out after 300 ms: waiting');
    const childPid = Number(await readFile(childPidFile, 'utf8'));
    // It held the output pipe, so the run could not end before it had.
    expect(await isRunning(childPid)).toBe(false);
  });
});

describe('virtual power', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = join(await freshDir('virtual'), 'state');
    await mkdir(stateDir);
  });
  const virtual = (
    address: string,
    mode: PowerMode,
    env: Record<string, string> = { ERLEN_VIRTUAL_POWER_DIR: stateDir },
  ) => runPowerScript({ type: 'virtual', address, id: '', user: '', password: '' }, mode, { env });

  it('records on and off, and interrupts only a system that is on', async () => {
    expect(await readVirtualPowerState(stateDir, 'sim1.lab')).toBeUndefined();
    await powerFailure(virtual('sim1.lab', 'interrupt'));
    await virtual('sim1.lab', 'on');
    expect(await readVirtualPowerState(stateDir, 'sim1.lab')).toBe('on');
    await virtual('sim1.lab', 'interrupt');
    await virtual('sim1.lab', 'off');
    expect(await readVirtualPowerState(stateDir, 'sim1.lab')).toBe('off');
    expect(await readVirtualPowerState(stateDir, 'sim2.lab')).toBeUndefined();
  });

  it('refuses addresses that would leave its directory, and runs only with one', async () => {
    for (const address of ['../escape', 'a/b', '.hidden', '']) {
      expect((await powerFailure(virtual(address, 'on'))).message).toContain('bad power_address');
      await expect(readVirtualPowerState(stateDir, address)).rejects.toThrow('bad virtual power address');
    }
    expect((await powerFailure(virtual('sim1.lab', 'on', {}))).message).toContain(
      'ERLEN_VIRTUAL_POWER_DIR is not set',
    );
  });
});
