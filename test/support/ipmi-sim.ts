// Real BMCs for tests: OpenIPMI's ipmi_sim (Debian package openipmi) speaking IPMI over LAN on
// 127.0.0.1, driven with ipmitool (package ipmitool). On power on, ipmi_sim starts the BMC's
// `startCommand` (its "system"); on power off it kills it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface BmcOptions {
  user: string;
  password: string;
  /** Run by /bin/sh on power on (as `exec <startCommand>`); killed with SIGTERM on power off. */
  startCommand: string;
}

export interface Bmc {
  /** UDP port on 127.0.0.1. */
  port: number;
  /** The power_id through which the `ipmilan` power script reaches this BMC. */
  powerId: string;
  powerState(): Promise<'on' | 'off'>;
  /** Kills the simulator and its system, and removes its directory. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 5_000;
const PROBE_INTERVAL_MS = 20;
// ipmi_sim does not answer Get Channel Cipher Suites, so without an explicit suite every
// ipmitool call first waits 10 s for that answer. Suite 3 is the one IPMI 2.0 requires.
const CIPHER_SUITE = ['-C', '3'];
// A sessionless IPMI 1.5 Get Channel Authentication Capabilities request (what `ipmitool`
// and nmap's IPMI ping send first): any running BMC answers it.
const PING = Buffer.from('0600ff07000000000000000000092018c88100380e0435', 'hex');

export async function startBmc(options: BmcOptions): Promise<Bmc> {
  for (const [name, value] of Object.entries(options)) {
    // lan.conf strings are double-quoted with no escapes.
    if (/["\n]/.test(value)) throw new Error(`ipmi_sim config cannot hold ${name} ${JSON.stringify(value)}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'erlen-bmc-'));
  const reservation = await reserveUdpPort();
  const { port } = reservation;
  let simulator: ChildProcess | undefined;
  const stop = async () => {
    if (simulator) await killGroup(simulator);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mkdir(join(dir, 'state'));
    await writeFile(join(dir, 'lan.conf'), lanConf(port, options));
    await writeFile(join(dir, 'bmc.emu'), EMU);
    // -s keeps ipmi_sim's persistent state in our directory; -n: no console on stdin/stdout.
    // Its own process group, so stop() kills the system it started with it.
    const args = ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'bmc.emu'), '-s', join(dir, 'state'), '-n'];
    simulator = spawn('ipmi_sim', args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    await waitUntilAnswering(port, simulator);
    const bmc: Bmc = {
      port,
      powerId: [...CIPHER_SUITE, '-p', String(port)].join(' '),
      powerState: () => powerState(port, options),
      stop,
    };
    await bmc.powerState(); // the credentials work too
    return bmc;
  } catch (error) {
    await stop();
    throw error;
  } finally {
    reservation.release();
  }
}

async function powerState(port: number, { user, password }: BmcOptions): Promise<'on' | 'off'> {
  const args = ['-I', 'lanplus', ...CIPHER_SUITE, '-H', '127.0.0.1', '-p', String(port), '-U', user, '-E'];
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      'ipmitool',
      [...args, 'power', 'status'],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', IPMI_PASSWORD: password }, timeout: 10_000 },
      (error, out, err) =>
        error ? reject(new Error(`ipmitool power status: ${err || error.message}`)) : resolve(out),
    ),
  );
  const state = /Chassis Power is (on|off)/.exec(stdout)?.[1];
  if (state !== 'on' && state !== 'off') throw new Error(`ipmitool power status said: ${stdout}`);
  return state;
}

function lanConf(port: number, { user, password, startCommand }: BmcOptions): string {
  return `# One BMC for one test (test/support/ipmi-sim.ts).
# ipmi_sim refuses to start without a name.
name "erlen-bmc"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 ${port}
    priv_limit admin
    # Without a GUID, RMCP+ sessions (ipmitool -I lanplus) fail to open.
    guid ${randomBytes(16).toString('hex')}
  endlan
  # Chassis power control exists only through the system interface's VM codec: without this
  # line every power command fails with "Invalid data field in request". Nothing connects to
  # it; port 0 takes any free TCP port.
  serial 15 127.0.0.1 0 codec VM
  startcmd "${startCommand}"
  startnow false
  user 2 true "${user}" "${password}" admin 10 none md2 md5 straight
`;
}

// A BMC with no sensors: enough for chassis power.
const EMU = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
mc_enable 0x20
`;

/**
 * A free UDP port, held until ipmi_sim has bound it. ipmi_sim binds with SO_REUSEADDR, so a
 * second simulator on a taken port starts without error and the two share its packets. Our
 * SO_REUSEADDR socket on the port keeps every other bind(0) (another test worker's) off it,
 * and Linux delivers to the most recently bound socket, so ipmi_sim gets the packets once up.
 */
async function reserveUdpPort(): Promise<{ port: number; release(): void }> {
  for (let attempt = 0; ; attempt++) {
    const probe = createSocket('udp4');
    const port = await bind(probe, 0);
    probe.close();
    const holder = createSocket({ type: 'udp4', reuseAddr: true });
    try {
      await bind(holder, port);
      return { port, release: () => holder.close() };
    } catch (error) {
      holder.close();
      // Taken in the instant between the two binds: pick another.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 10) throw error;
    }
  }
}

function bind(socket: Socket, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket.address().port);
    });
  });
}

/** Pings the port until ipmi_sim answers; fails at once if it exits (a config error). */
async function waitUntilAnswering(port: number, simulator: ChildProcess): Promise<void> {
  let stderr = '';
  simulator.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) => {
    const fail = (why: string) => reject(new Error(`ipmi_sim ${why}: ${stderr.trim()}`));
    simulator.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
    simulator.once('error', (error) => fail(`did not start (${error.message}; apt-get install openipmi)`));
  });
  exited.catch(() => undefined); // observed below; not unhandled when the BMC comes up fine
  const client = createSocket('udp4');
  const answered = new Promise<void>((resolve) => client.once('message', () => resolve()));
  let up = false;
  void answered.then(() => (up = true));
  try {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (!up) {
      if (Date.now() > deadline) throw new Error(`ipmi_sim did not answer on port ${port}: ${stderr.trim()}`);
      client.send(PING, port, '127.0.0.1');
      await Promise.race([answered, exited, delay(PROBE_INTERVAL_MS)]);
    }
  } finally {
    client.close();
  }
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  await exited;
}
